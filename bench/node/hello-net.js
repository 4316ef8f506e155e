'use strict';
// The toy protocol on Node's net module: every data chunk is answered with the preallocated response.
const net = require('net');
const { RESPONSE, options, serve } = require('./common');

const server = net.createServer({ noDelay: true }, (socket) => {
  socket.on('data', () => socket.write(RESPONSE));
  socket.on('error', () => socket.destroy());
});
serve(server, options(process.argv.slice(2)));
