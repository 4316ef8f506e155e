'use strict';
// The toy protocol on Node's net module: each request end (\r\n\r\n) is answered with the
// preallocated response, pipelined requests included.
const net = require('net');
const { answerRequests, options, serve } = require('./common');

const server = net.createServer({ noDelay: true }, (socket) => {
  answerRequests(socket);
  socket.on('error', () => socket.destroy());
});
serve(server, options(process.argv.slice(2)));
