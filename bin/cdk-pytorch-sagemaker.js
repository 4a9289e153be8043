#!/usr/bin/env node
// Launcher for the bundled CLI (built by scripts/bundle.mjs from lib/cli/main.ts).
'use strict';
const { main } = require('../assets/cli/main.js');
main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`error: ${err && err.message ? err.message : err}\n`); process.exitCode = 1; },
);
