// UDP echo server on Node's dgram: every datagram goes back to its sender. Prints "Listening on port N" once bound.
// Usage: node udp-echo.js [--port N] [--host H]
'use strict';
const dgram = require('dgram');

let port = 3000;
let host = '127.0.0.1';
for (let i = 2; i < process.argv.length; i += 2) {
  if (process.argv[i] === '--port') port = Number(process.argv[i + 1]);
  else if (process.argv[i] === '--host') host = process.argv[i + 1];
  else throw new Error('unknown option ' + process.argv[i]);
}
const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
socket.on('message', (msg, rinfo) => socket.send(msg, rinfo.port, rinfo.address));
socket.bind(port, host, () => console.log('Listening on port ' + socket.address().port));
process.on('SIGTERM', () => socket.close(() => process.exit(0)));
