'use strict';
// The hello page on Node's http module: every request gets status 200 and the same body.
const http = require('http');
const { BODY, options, serve } = require('./common');

const server = http.createServer((req, res) => {
  res.writeHead(200, { 'Content-Length': BODY.length });
  res.end(BODY);
});
server.on('connection', (socket) => socket.setNoDelay(true));
serve(server, options(process.argv.slice(2)));
