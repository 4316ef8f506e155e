'use strict';
// Shared by the Node.js comparison servers of bench/run.sh: options, the hello page, the memory report.

const BODY = Buffer.from('<html><body><h1>Why hello there!</h1></body></html>', 'latin1');
const RESPONSE = Buffer.concat([
  Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${BODY.length}\r\n\r\n`, 'latin1'),
  BODY,
]);

// Answers for the toy protocol: ANSWERS[n] holds n responses back to back, for a chunk that ends n requests.
const COPIES = 64;
const ANSWERS = [Buffer.alloc(0)];
for (let n = 1; n <= COPIES; n++) ANSWERS.push(Buffer.concat(Array(n).fill(RESPONSE)));

// One connection's side of the toy protocol: counts the request ends (\r\n\r\n) in each chunk, remembering one
// split across chunks, and writes one response per request, as the usockets http-server example does.
function answerRequests(socket) {
  let matched = 0;
  socket.on('data', (chunk) => {
    let requests = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (b === (matched % 2 === 0 ? 13 : 10)) {
        if (++matched === 4) {
          requests++;
          matched = 0;
        }
      } else {
        matched = b === 13 ? 1 : 0;
      }
    }
    while (requests > 0) {
      const n = Math.min(requests, COPIES);
      socket.write(ANSWERS[n]);
      requests -= n;
    }
  });
}

// --host H --port P [--cert F --key F], as the Java servers take them.
function options(argv) {
  const opts = { host: '127.0.0.1', port: 3000 };
  for (let i = 0; i < argv.length; i += 2) {
    if (argv[i] === '--host') opts.host = argv[i + 1];
    else if (argv[i] === '--port') opts.port = Number(argv[i + 1]);
    else if (argv[i] === '--cert') opts.cert = argv[i + 1];
    else if (argv[i] === '--key') opts.key = argv[i + 1];
    else throw new Error(`unknown option '${argv[i]}'; expected --host, --port, --cert or --key`);
  }
  return opts;
}

// The TLS servers' key material: the PEM files named by --cert and --key (Node cannot make a certificate itself).
function tlsOptions(opts) {
  if (!opts.cert || !opts.key) throw new Error('a TLS server needs --cert FILE and --key FILE (PEM)');
  const fs = require('fs');
  return { cert: fs.readFileSync(opts.cert), key: fs.readFileSync(opts.key) };
}

// Prints the port line once listening, and on SIGUSR2 a line with the V8 heap in use after a full
// collection (needs --expose-gc) and the resident set size, for run.sh's memory run.
function serve(server, opts) {
  process.on('SIGUSR2', () => {
    if (typeof global.gc === 'function') global.gc();
    const m = process.memoryUsage();
    console.log(`memory heapUsed=${m.heapUsed} rss=${m.rss}`);
  });
  process.on('SIGTERM', () => process.exit(0));
  server.listen(opts.port, opts.host, 4096, () => console.log(`Listening on port ${server.address().port}`));
}

module.exports = { BODY, RESPONSE, answerRequests, options, tlsOptions, serve };
