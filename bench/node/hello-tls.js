'use strict';
// The toy protocol on Node's tls module: hello-net.js over TLS (--cert and --key name PEM files).
const tls = require('tls');
const { answers, answerRequests, options, tlsOptions, serve } = require('./common');

const opts = options(process.argv.slice(2));
const prepared = answers(opts);
const server = tls.createServer(tlsOptions(opts), (socket) => {
  socket.setNoDelay(true);
  answerRequests(socket, prepared);
  socket.on('error', () => socket.destroy());
});
server.on('tlsClientError', () => {});
serve(server, opts);
