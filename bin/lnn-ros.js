#!/usr/bin/env node
// The compiled CLI (dist/, built by `npm run build` and on `npm ci` via `prepare`).
require('../dist/cli/main.js').main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(`lnn-ros: ${err && err.message ? err.message : err}`); process.exitCode = 1; },
);
