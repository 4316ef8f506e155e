'use strict';
// The toy protocol on Node's net module: each request end (\r\n\r\n) is answered with the
// preallocated response (the hello page, or --response-size N bytes), pipelined requests included.
const net = require('net');
const { answers, answerRequests, options, serve } = require('./common');

const opts = options(process.argv.slice(2));
const prepared = answers(opts);
const server = net.createServer({ noDelay: true }, (socket) => {
  answerRequests(socket, prepared);
  socket.on('error', () => socket.destroy());
});
serve(server, opts);
