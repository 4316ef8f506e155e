'use strict';
// Shared by the Node.js comparison servers of bench/run.sh: options, the response, the memory report.

const HELLO = Buffer.from('<html><body><h1>Why hello there!</h1></body></html>', 'latin1');
const MAX_BODY_SIZE = 16 * 1024 * 1024;

// The body every request gets: the hello page, or with --response-size N a body of N bytes of the letters a to z
// over and over (as the usockets example's --response-size answers). Made once at start, never per request.
function body(opts) {
  if (opts.responseSize < 0) return HELLO;
  const b = Buffer.alloc(opts.responseSize);
  for (let i = 0; i < b.length; i++) b[i] = 97 + (i % 26);
  return b;
}

// Answers for the toy protocol: answers[n] holds n responses back to back, for a chunk that ends n requests; at
// most 64, fewer for large responses (their copies take at most 1 MiB), at least one.
function answers(opts) {
  const b = body(opts);
  const response = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${b.length}\r\n\r\n`, 'latin1'), b]);
  const copies = Math.max(1, Math.min(64, Math.floor((1024 * 1024) / response.length)));
  const all = [Buffer.alloc(0)];
  for (let n = 1; n <= copies; n++) all.push(Buffer.concat(Array(n).fill(response)));
  return all;
}

// One connection's side of the toy protocol: counts the request ends (\r\n\r\n) in each chunk, remembering one
// split across chunks, and writes one response per request, as the usockets http-server example does.
function answerRequests(socket, answers) {
  const copies = answers.length - 1;
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
      const n = Math.min(requests, copies);
      socket.write(answers[n]);
      requests -= n;
    }
  });
}

// --host H --port P [--cert F --key F] [--response-size N], as the Java servers take them.
function options(argv) {
  const opts = { host: '127.0.0.1', port: 3000, responseSize: -1 };
  for (let i = 0; i < argv.length; i += 2) {
    if (argv[i] === '--host') opts.host = argv[i + 1];
    else if (argv[i] === '--port') opts.port = Number(argv[i + 1]);
    else if (argv[i] === '--cert') opts.cert = argv[i + 1];
    else if (argv[i] === '--key') opts.key = argv[i + 1];
    else if (argv[i] === '--response-size') {
      const n = Number(argv[i + 1]);
      if (!Number.isInteger(n) || n < 0 || n > MAX_BODY_SIZE) {
        throw new Error(`option --response-size ${argv[i + 1]} is out of range; expected 0 to ${MAX_BODY_SIZE}`);
      }
      opts.responseSize = n;
    } else throw new Error(`unknown option '${argv[i]}'; expected --host, --port, --cert, --key or --response-size`);
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

module.exports = { body, answers, answerRequests, options, tlsOptions, serve };
