// @ts-check
// npm's prepack and postpack hooks, run by `npm pack`, `npm publish` and jsii-pacmak (which runs `npm pack`).
//
// prepack: builds when the build is missing or older than the sources (scripts/build-stamp.js), then writes the
//   package.json that ships: the repository's without `scripts`. Those scripts need files that do not ship
//   (scripts/, the build and test tools), and npm warns about the `prepare` script of a package it installs
//   ("install scripts not yet covered by allowScripts"). The repository's package.json waits beside it.
// postpack: puts the repository's package.json back.
//
// This is the mechanism of pinst and clean-package (rewrite in prepack, restore in postpack). npm runs postpack
// right after writing the tarball; only a pack killed in that moment leaves the shipped package.json in place, and
// package.json.repository beside it: `mv package.json.repository package.json` puts it back.
//
//   node scripts/pack-hooks.js prepack | postpack
//
// Plain Node.js (no tsx): npm runs it on every pack.
'use strict';
const fs = require('fs');
const path = require('path');
const { ensureBuild, ROOT } = require('./build-stamp');

/** Where the repository's package.json waits while a pack runs (not in `files`: never shipped). */
const KEPT_MANIFEST = 'package.json.repository';

/**
 * The package.json that ships: the repository's without its scripts.
 * @param {string} text
 * @returns {string}
 */
function shippedManifest(text) {
  const manifest = JSON.parse(text);
  delete manifest.scripts;
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** @param {string} [root] */
function prepack(root = ROOT) {
  const kept = path.join(root, KEPT_MANIFEST);
  if (fs.existsSync(kept)) {
    throw new Error(`prepack: ${KEPT_MANIFEST} exists: a pack was interrupted; put it back first (mv ${KEPT_MANIFEST} package.json)`);
  }
  ensureBuild('prepack', root);
  const manifest = path.join(root, 'package.json');
  const text = fs.readFileSync(manifest, 'utf8');
  fs.writeFileSync(kept, text);
  fs.writeFileSync(manifest, shippedManifest(text));
}

/** @param {string} [root] */
function postpack(root = ROOT) {
  const kept = path.join(root, KEPT_MANIFEST);
  if (fs.existsSync(kept)) fs.renameSync(kept, path.join(root, 'package.json'));
}

module.exports = { KEPT_MANIFEST, shippedManifest, prepack, postpack };

if (require.main === module) {
  try {
    const hook = process.argv[2];
    if (hook === 'prepack') prepack();
    else if (hook === 'postpack') postpack();
    else throw new Error('usage: node scripts/pack-hooks.js prepack | postpack');
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 1;
  }
}
