'use strict';
// The hello page (or --response-size N bytes) on Node's http module: every request gets status 200 and the same body.
const http = require('http');
const { body, options, serve } = require('./common');

const opts = options(process.argv.slice(2));
const BODY = body(opts);
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'Content-Length': BODY.length });
  res.end(BODY);
});
server.on('connection', (socket) => socket.setNoDelay(true));
serve(server, opts);
