// `npm run package`: every jsii target into dist/, offline, as CDK construct libraries build before they publish.
//
//   dist/js/cdk-pytorch-sagemaker@<version>.jsii.tgz                  the npm package
//   dist/python/cdk_pytorch_sagemaker-<version>-py3-none-any.whl      the Python wheel
//   dist/python/cdk_pytorch_sagemaker-<version>.tar.gz                its sdist (cdk-pytorch-sagemaker-<version>.tar.gz
//                                                                     with setuptools before 69.3, e.g. Debian 12's)
//
// 1. The build, when it is not current (scripts/build-stamp.js).
// 2. The snippets (scripts/snippets.ts --check): every TypeScript snippet compiles under jsii-rosetta's strict mode,
//    and the Python in the README and docs/python.md is their current translation.
// 3. jsii-pacmak --code-only for the js and python targets: it runs `npm pack` (our prepack: the build is current,
//    package.json without scripts), puts that tarball in js/ and inside the Python package's sources.
// 4. The wheel and the sdist from those sources with Python's `build` module, without isolation. jsii-pacmak's own
//    Python step would install setuptools, build and twine from PyPI into a virtual environment first; here that
//    registry is out of reach, so the installed ones build it (Debian's python3-build, python3-setuptools,
//    python3-wheel; the release workflow installs the versions pacmak's pyproject.toml names).
//
// dist/ is emptied first: it holds exactly this build, which is what the release workflow publishes.
import { spawnSync, SpawnSyncOptions } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ensureBuild, ROOT } from './build-stamp';
import { extract, outdatedFiles, outdatedMessage } from './snippets';

export const PYTHON_MODULES = ['build', 'setuptools', 'wheel'];

/**
 * The sdist's possible names: setuptools 69.3 and later write PEP 625's normalized name (the release workflow's
 * setuptools 75 does); older ones, such as Debian 12's setuptools 66, the project's name as written.
 */
export function sdistNames(version: string): string[] {
  return [`dist/python/cdk_pytorch_sagemaker-${version}.tar.gz`, `dist/python/cdk-pytorch-sagemaker-${version}.tar.gz`];
}

/** The files `npm run package` writes for a version, relative to the repository (the release workflow publishes them). */
export function distFiles(version: string, sdist = sdistNames(version)[0]): { js: string; wheel: string; sdist: string } {
  if (!sdistNames(version).includes(sdist)) throw new Error(`${sdist} is not a name of the ${version} sdist`);
  return {
    js: `dist/js/cdk-pytorch-sagemaker@${version}.jsii.tgz`,
    wheel: `dist/python/cdk_pytorch_sagemaker-${version}-py3-none-any.whl`,
    sdist,
  };
}

/** Undefined when `written` (dist/ paths) is exactly the tarball, the wheel and one sdist of `version`; else what is wrong. */
export function unexpectedDist(version: string, written: string[]): string | undefined {
  const sdist = written.find((file) => sdistNames(version).includes(file)) ?? sdistNames(version)[0];
  const expected = Object.values(distFiles(version, sdist)).sort();
  const sorted = [...written].sort();
  return JSON.stringify(sorted) === JSON.stringify(expected) ? undefined : `wrote ${sorted.join(', ')}; expected ${expected.join(', ')}`;
}

/** The first of `candidates` that imports build, setuptools and wheel; throws saying how to get one. */
export function findPython(candidates = process.env.PYTHON ? [process.env.PYTHON] : ['python3', '/usr/bin/python3']): string {
  for (const python of candidates) {
    if (spawnSync(python, ['-c', `import ${PYTHON_MODULES.join(', ')}`], { stdio: 'ignore' }).status === 0) return python;
  }
  throw new Error(`no Python with ${PYTHON_MODULES.join(', ')} (tried ${candidates.join(', ')}): install Debian's python3-build ` +
    'python3-setuptools python3-wheel, or `pip install build setuptools wheel`, or set PYTHON to an interpreter that has them');
}

/** Runs a command; its output is shown when it fails (quiet: setuptools logs every file it copies). */
function run(command: string, args: string[], options: SpawnSyncOptions = {}): void {
  const result = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (result.error) throw new Error(`${command}: ${result.error.message}`);
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.split('\n').filter((line) => !line.startsWith('!!')).join('\n');
    throw new Error(`${path.basename(command)} ${args.join(' ')} failed (exit code ${result.status ?? result.signal}):\n${output}`);
  }
}

export function packageAll(): string[] {
  const python = findPython();
  const version: string = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;
  const dist = path.join(ROOT, 'dist');
  fs.rmSync(dist, { recursive: true, force: true });
  ensureBuild('package');
  extract();
  const outdated = outdatedFiles();
  if (outdated.length > 0) throw new Error(outdatedMessage(outdated));

  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'pacmak-'));
  try {
    // --rosetta-unknown-snippets fail: every snippet comes from the tablet the strict extraction wrote.
    // --no-npmignore: pacmak would write an .npmignore (package.json's `files` says what ships).
    run(path.join(ROOT, 'node_modules', '.bin', 'jsii-pacmak'), ['--code-only', '--targets', 'js', '--targets', 'python',
      '--no-npmignore', '--no-fingerprint', '--rosetta-unknown-snippets', 'fail', '--outdir', staging, ROOT],
    { env: { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20' } });
    fs.mkdirSync(path.join(dist, 'js'), { recursive: true });
    for (const file of fs.readdirSync(path.join(staging, 'js'))) fs.renameSync(path.join(staging, 'js', file), path.join(dist, 'js', file));
    run(python, ['-m', 'build', '--no-isolation', '--skip-dependency-check', '--outdir', path.join(dist, 'python'), path.join(staging, 'python')],
      { env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }

  const written = ['js', 'python'].flatMap((dir) => fs.readdirSync(path.join(dist, dir)).map((file) => `dist/${dir}/${file}`)).sort();
  const unexpected = unexpectedDist(version, written);
  if (unexpected !== undefined) throw new Error(unexpected);
  return written;
}

if (require.main === module) {
  try {
    const written = packageAll();
    console.log('package: wrote');
    for (const file of written) console.log(`  ${file} (${Math.round(fs.statSync(path.join(ROOT, file)).size / 1024)} KB)`);
  } catch (e) {
    console.error(`package: ${(e as Error).message}`);
    process.exitCode = 1;
  }
}
