/**
 * The package built as the release builds it, once per test run, for every test that needs it.
 *
 * `npm run package` (bundles, jsii, jsii-docgen, jsii-rosetta, jsii-pacmak, the wheel and the sdist) runs in a copy of
 * the repository without any build output (a stale `build/` must not make a test pass), with the clutter of a
 * developer's tree planted in it. It is the slowest step of the suite, and two test files need its output (the
 * dist test, and the init test that installs the tarball): the package tier's global setup (test/package-setup.js)
 * starts it in the background when the run begins, test/sequencer.js runs those two files last, and they wait for
 * it. The copy lives in the run's directory (`TEST_RUN_DIR`, test/run-dir.js, removed by test/global-teardown.js),
 * so every run builds from the sources as they are.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { BUILDER_LOG, BUILDER_PID } = require('../run-dir') as { BUILDER_LOG: string; BUILDER_PID: string };

export const ROOT = path.join(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

/** npm without its notices. */
export const QUIET_NPM = { npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };

/** Runs a command quietly, returning stdout; throws with both outputs on failure. */
export function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  return execFileSync(command, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...QUIET_NPM, ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** Leftovers of a developer's tree that must never ship, planted in the copy before it is packaged. */
export const CLUTTER = [
  'cdk.out/manifest.json',
  'examples/cdk.out/manifest.json',
  '.bench/results.json',
  'coverage/lcov.info',
  'cdk-pytorch-sagemaker-0.1.0.tgz',
];
/** An older release's output in dist/: `npm run package` empties dist/, so the release never publishes it again. */
export const OLD_DIST = 'dist/python/cdk_pytorch_sagemaker-0.1.0-py3-none-any.whl';

/** Copies the repository's sources: no node_modules, no git, no build outputs, no earlier synth, bench or rosetta output. */
export function copySources(from: string, to: string): void {
  const skip = new Set(['node_modules', '.git', 'cdk.out', 'dist', 'coverage', '.bench', 'API.md', '.jsii', 'tsconfig.jsii.json', 'build', 'package.json.repository']);
  fs.cpSync(from, to, {
    recursive: true,
    filter: (source) => {
      const rel = path.relative(from, source).split(path.sep).join('/');
      if (rel === '') return true;
      if (skip.has(path.basename(source)) || rel.endsWith('.tgz') || rel.endsWith('.tabl.json')) return false;
      return rel !== 'assets/handlers' && rel !== 'assets/cli';
    },
  });
}

/** The bundled dependencies and every package they need from the top level of node_modules. */
export function bundledClosure(): Set<string> {
  const closure = new Set<string>();
  const queue: string[] = [...(pkg.bundleDependencies ?? [])];
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (closure.has(name)) continue;
    closure.add(name);
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8'));
    for (const dep of Object.keys(manifest.dependencies ?? {})) {
      // A dependency nested under the package is copied with it; a hoisted one is a package of its own.
      if (!fs.existsSync(path.join(ROOT, 'node_modules', name, 'node_modules', dep))) queue.push(dep);
    }
  }
  return closure;
}

/**
 * The copy's node_modules: links to the repository's packages, except the bundled dependencies (and what they need),
 * which are real copies. npm pack follows a linked node_modules to its real path and would write the bundled files
 * under '../..' names that no tar extracts.
 */
export function linkNodeModules(dir: string): void {
  const from = path.join(ROOT, 'node_modules');
  const to = path.join(dir, 'node_modules');
  const bundled = bundledClosure();
  const place = (name: string) => {
    const source = path.join(from, name);
    const target = path.join(to, name);
    if (bundled.has(name)) fs.cpSync(source, target, { recursive: true, dereference: true });
    else fs.symlinkSync(source, target, fs.statSync(source).isDirectory() ? 'dir' : 'file');
  };
  fs.mkdirSync(to);
  for (const entry of fs.readdirSync(from)) {
    if (!entry.startsWith('@')) {
      place(entry);
      continue;
    }
    fs.mkdirSync(path.join(to, entry));
    for (const scoped of fs.readdirSync(path.join(from, entry))) place(`${entry}/${scoped}`);
  }
}

/** How long a test file waits for another one's `npm run package` (the slowest build seen here took under 4 minutes). */
const BUILD_WAIT_MS = 15 * 60_000;

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Plants the clutter, runs `npm run package` in `dir`; throws with npm's output on failure. */
function packageInto(dir: string): void {
  copySources(ROOT, dir);
  linkNodeModules(dir);
  for (const file of [...CLUTTER, OLD_DIST]) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), 'not for the package\n');
  }
  try {
    run('npm', ['run', 'package', '--silent'], dir);
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    throw new Error(`npm run package failed in a copy of the repository:\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
  }
}

/** The run's directory (test/run-dir.js, made by the jest global setup). */
function runDirectory(): string {
  const runDir = process.env.TEST_RUN_DIR;
  if (!runDir || !fs.existsSync(runDir)) throw new Error('TEST_RUN_DIR is not set: the jest global setup (test/global-setup.js) makes it');
  return runDir;
}

/**
 * Builds the packaged copy in the run's directory unless another process already does (the first to ask builds):
 * the background build that test/package-setup.js starts, or, without it, the first test file that asks.
 */
export function buildPackagedCopy(runDir = runDirectory()): void {
  try {
    fs.mkdirSync(path.join(runDir, 'packaged'));   // atomic: exactly one process gets to build
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw e;
  }
  let outcome: { error?: string } = {};
  try {
    packageInto(path.join(runDir, 'packaged'));
  } catch (e) {
    outcome = { error: (e as Error).message };
  }
  fs.writeFileSync(path.join(runDir, 'packaged.json'), JSON.stringify(outcome));
}

/** Whether the background builder (test/package-setup.js) was started and has exited. */
function builderGone(runDir: string): boolean {
  const pidFile = path.join(runDir, BUILDER_PID);
  if (!fs.existsSync(pidFile)) return false;
  try {
    process.kill(Number(fs.readFileSync(pidFile, 'utf8')), 0);
    return false;
  } catch {
    return true;
  }
}

/**
 * The copy of the repository in which `npm run package` ran (its dist/ holds the npm tarball, the wheel and the
 * sdist), built once per run in the background (test/package-setup.js) or by the first test file that asks, and
 * awaited by the others. A failed build fails every test file that asks, with the build's output.
 */
export function packagedCopy(): string {
  const runDir = runDirectory();
  const dir = path.join(runDir, 'packaged');
  const done = path.join(runDir, 'packaged.json');
  buildPackagedCopy(runDir);
  const giveUpAt = Date.now() + BUILD_WAIT_MS;
  while (!fs.existsSync(done)) {
    if (builderGone(runDir) && !fs.existsSync(done)) {
      const log = path.join(runDir, BUILDER_LOG);
      throw new Error(`the background package build (test/package-setup.js) stopped without a result:\n${fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : ''}`);
    }
    if (Date.now() > giveUpAt) throw new Error(`the package build in ${dir} did not finish within ${BUILD_WAIT_MS / 60_000} minutes`);
    sleepSync(500);
  }
  const { error } = JSON.parse(fs.readFileSync(done, 'utf8')) as { error?: string };
  if (error) throw new Error(error);
  return dir;
}

/** The npm tarball `npm run package` wrote (dist/js/<name>-<version>.tgz) in a packaged copy. */
export function npmTarballIn(dir: string): string {
  const tarballs = fs.readdirSync(path.join(dir, 'dist', 'js')).filter((file) => file.endsWith('.tgz'));
  if (tarballs.length !== 1) throw new Error(`expected one npm tarball in ${dir}/dist/js, found ${tarballs.join(', ') || 'none'}`);
  return path.join(dir, 'dist', 'js', tarballs[0]);
}

// The background build of test/package-setup.js: `tsx test/helpers/package-build.ts`.
if (require.main === module) buildPackagedCopy();
