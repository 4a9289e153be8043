// @ts-check
// Whether the build (build/, .jsii, API.md, assets/) is the build of the sources as they are now.
//
// `npm run build` starts by removing build/.inputs-sha256 (`clear`) and ends by writing a hash of its inputs there
// (`write`), so a build that failed half way is never taken for a current one. `npm pack` (the prepack hook),
// `npm run snippets` and `npm run package` compare that hash with the sources and build again when they differ: a
// package is never packed without its build, nor with the build of older sources.
//
//   node scripts/build-stamp.js clear | write | check
//
// Plain Node.js (no tsx): npm runs it on every pack.
'use strict';
const { spawnSync } = require('child_process');
const { createHash } = require('crypto');
const fs = require('fs');
const path = require('path');

const ROOT = path.join(__dirname, '..');
const STAMP = path.join('build', '.inputs-sha256');

/** What the build reads: the library's sources, the README (jsii puts it in .jsii), the manifests, the build scripts. */
const INPUT_FILES = ['README.md', 'package.json', 'package-lock.json', 'scripts/bundle.mjs', 'scripts/api-md.mjs'];
const INPUT_DIRS = ['lib'];
/** What the build writes and the package ships: all of it must exist. */
const BUILD_OUTPUTS = ['build/index.js', 'build/index.d.ts', '.jsii', 'API.md', 'assets/cli/main.js', 'assets/.bundled'];

/**
 * @param {string} root
 * @param {string} dir
 * @returns {string[]}
 */
function filesUnder(root, dir) {
  /** @type {string[]} */
  const out = [];
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    // Python's byte-code caches appear when tests run the CLI's runner; they are not sources.
    if (entry.isDirectory()) {
      if (entry.name !== '__pycache__') out.push(...filesUnder(root, rel));
    } else {
      out.push(rel);
    }
  }
  return out;
}

/**
 * A SHA-256 over every input's path and bytes, in a fixed order.
 * @param {string} [root]
 * @returns {string}
 */
function inputsHash(root = ROOT) {
  const hash = createHash('sha256');
  const files = [...INPUT_FILES, ...INPUT_DIRS.flatMap((dir) => filesUnder(root, dir))].sort();
  for (const file of files) {
    hash.update(`${file}\0`);
    hash.update(fs.readFileSync(path.join(root, file)));
    hash.update('\0');
  }
  return hash.digest('hex');
}

/**
 * Undefined when the build in `root` is current; otherwise why it is not.
 * @param {string} [root]
 * @returns {string | undefined}
 */
function staleReason(root = ROOT) {
  const missing = BUILD_OUTPUTS.filter((file) => !fs.existsSync(path.join(root, file)));
  if (missing.length > 0) return `no build (${missing.join(', ')} missing)`;
  if (!fs.existsSync(path.join(root, STAMP))) return 'the last build did not finish';
  if (fs.readFileSync(path.join(root, STAMP), 'utf8').trim() !== inputsHash(root)) return 'the sources changed since the last build';
  return undefined;
}

/**
 * Runs `npm run build` in `root` unless its build is current. The build's output goes to stderr: stdout may be read
 * by the caller (`npm pack --json`, jsii-pacmak reading the tarball's name).
 * @param {string} who
 * @param {string} [root]
 */
function ensureBuild(who, root = ROOT) {
  const reason = staleReason(root);
  if (reason === undefined) return;
  process.stderr.write(`${who}: ${reason}: running \`npm run build\` first\n`);
  const result = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: ['ignore', 2, 2] });
  if (result.status !== 0) throw new Error(`${who}: \`npm run build\` failed (exit code ${result.status ?? result.signal})`);
  const after = staleReason(root);
  if (after !== undefined) throw new Error(`${who}: the build is still not current after \`npm run build\`: ${after}`);
}

module.exports = { ROOT, STAMP, BUILD_OUTPUTS, inputsHash, staleReason, ensureBuild };

if (require.main === module) {
  const command = process.argv[2];
  if (command === 'clear') {
    fs.rmSync(path.join(ROOT, STAMP), { force: true });
  } else if (command === 'write') {
    fs.writeFileSync(path.join(ROOT, STAMP), `${inputsHash()}\n`);
  } else if (command === 'check') {
    const reason = staleReason();
    console.log(reason ?? `the build is current (${STAMP})`);
    process.exitCode = reason === undefined ? 0 : 1;
  } else {
    console.error('usage: node scripts/build-stamp.js clear | write | check');
    process.exitCode = 2;
  }
}
