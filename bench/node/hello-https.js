'use strict';
// The hello page on Node's https module: hello-http.js over TLS (--cert and --key name PEM files).
const https = require('https');
const { BODY, options, tlsOptions, serve } = require('./common');

const opts = options(process.argv.slice(2));
const server = https.createServer(tlsOptions(opts), (req, res) => {
  res.writeHead(200, { 'Content-Length': BODY.length });
  res.end(BODY);
});
server.on('secureConnection', (socket) => socket.setNoDelay(true));
serve(server, opts);
