// Before the tests: refuse compiled output left next to the sources by an older build layout (it would shadow the
// .ts files for tsx, cdk synth and jest), rebuild the handler bundles, so that a test never synthesizes a stale
// handler, and put the real python3 ahead of a version-manager shim on the PATH.
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { staleCompiledFiles } = require('../scripts/stale-build.js');
const { testRunDir } = require('./run-dir');

/**
 * The directory of the interpreter `python3` runs, when `python3` on the PATH is a launcher in another directory
 * (a pyenv shim: it picks the version on every start, several times the interpreter's own start-up, and the tests
 * start Python several hundred times; CONTRIBUTING.md has the figures). Workers inherit this process's PATH, so every `python3` the tests and
 * the code under test start is then the interpreter the shim would have run, without the detour.
 */
function pythonBehindShim() {
  const r = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
  const executable = r.status === 0 ? r.stdout.trim() : '';
  if (!executable) return undefined;
  const dir = path.dirname(executable);
  const first = (process.env.PATH ?? '').split(path.delimiter).find((d) => d && fs.existsSync(path.join(d, 'python3')));
  if (first === undefined || path.resolve(first) === dir) return undefined;
  // Only when that directory's python3 is the same interpreter: prepending it changes nothing else.
  const same = spawnSync(path.join(dir, 'python3'), ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
  return same.status === 0 && same.stdout.trim() === executable ? dir : undefined;
}

/** Whether the run starts Python: every tier but unit does (`npm run test:unit` selects unit alone). */
function startsPython(globalConfig) {
  if (process.env.JEST_TIER) return process.env.JEST_TIER !== 'unit';
  const selected = globalConfig?.selectProjects;
  return !(Array.isArray(selected) && selected.length > 0 && selected.every((name) => name === 'unit'));
}

module.exports = async (globalConfig) => {
  const root = path.join(__dirname, '..');
  const stale = staleCompiledFiles(root);
  if (stale.length > 0) {
    throw new Error(`Compiled files next to the sources would shadow them (${stale.slice(0, 3).join(', ')}${stale.length > 3 ? ', ...' : ''}): ` +
      'the build now writes build/; delete them with `node scripts/stale-build.js --delete`.');
  }
  execFileSync(process.execPath, [path.join(root, 'scripts', 'bundle.mjs')], { stdio: 'inherit' });
  // The unit tier starts no process (test/setup-unit.js): the two Python starts the lookup costs are not its to pay.
  const python = startsPython(globalConfig) ? pythonBehindShim() : undefined;
  if (python !== undefined) process.env.PATH = `${python}${path.delimiter}${process.env.PATH}`;
  // This run's scratch directory (test/run-dir.js); workers inherit the variable.
  testRunDir();
};
