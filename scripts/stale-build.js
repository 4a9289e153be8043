#!/usr/bin/env node
// Compiled output that an older build layout wrote next to the sources (lib/**/*.js and .d.ts beside a .ts file).
// jsii now compiles to build/, but a checkout built before that still has them, and tsx, cdk synth and jest would run
// them instead of the edited .ts. `node scripts/stale-build.js --delete` removes them; tests refuse to run with them.
'use strict';
const fs = require('fs');
const path = require('path');

function staleCompiledFiles(root) {
  const found = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(js|d\.ts)$/.test(entry.name) && fs.existsSync(full.replace(/\.(js|d\.ts)$/, '.ts'))) found.push(path.relative(root, full));
    }
  };
  walk(path.join(root, 'lib'));
  return found.sort();
}

module.exports = { staleCompiledFiles };

if (require.main === module) {
  const root = path.join(__dirname, '..');
  const stale = staleCompiledFiles(root);
  if (process.argv.includes('--delete')) for (const file of stale) fs.rmSync(path.join(root, file));
  console.log(stale.length === 0 ? 'no stale compiled files under lib/' : `${process.argv.includes('--delete') ? 'deleted' : 'found'}: ${stale.join(' ')}`);
}
