'use strict';
// The hello page (or --response-size N bytes) on Node's https module: hello-http.js over TLS (--cert and
// --key name PEM files).
const https = require('https');
const { body, options, tlsOptions, serve } = require('./common');

const opts = options(process.argv.slice(2));
const BODY = body(opts);
const server = https.createServer(tlsOptions(opts), (req, res) => {
  res.writeHead(200, { 'Content-Length': BODY.length });
  res.end(BODY);
});
server.on('secureConnection', (socket) => socket.setNoDelay(true));
serve(server, opts);
