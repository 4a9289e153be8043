/**
 * The inject-code command end to end, through the esbuild bundle (assets/cli/main.js, rebuilt by the jest global
 * setup) and the package's bin launcher, on real archives made by Python tarfile.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { makeContent, pythonTar, rng, tempDir, verify, writeTree } from '../packaging/engine/archive-helpers';

const root = path.join(__dirname, '..', '..');
const bundle = path.join(root, 'assets', 'cli', 'main.js');
const launcher = path.join(root, 'bin', 'cdk-pytorch-sagemaker.js');
const work = tempDir('cli');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function cli(args: string[], entry = bundle) {
  const r = spawnSync(process.execPath, [entry, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const tree = path.join(work, 'model');
writeTree(tree, [
  { name: 'model.pt', data: makeContent('weights', 150_000, rng(2)) },
  { name: 'config.json', data: Buffer.from('{"a": 1}\n') },
]);
const artifact = path.join(work, 'model.tar.gz');
pythonTar(tree, artifact);

const codeDir = path.join(work, 'code');
writeTree(codeDir, [
  { name: 'inference.py', data: Buffer.from('def model_fn(model_dir):\n    return None\n') },
  { name: 'requirements.txt', data: Buffer.from('numpy\n') },
  { name: 'utils/helpers.py', data: Buffer.from('X = 1\n') },
  { name: 'run.sh', data: Buffer.from('#!/bin/sh\n') },
  { name: '__pycache__/inference.cpython-311.pyc', data: Buffer.from('junk') },
  { name: 'utils/old.pyc', data: Buffer.from('junk') },
  { name: '.git/HEAD', data: Buffer.from('ref: x') },
]);
fs.chmodSync(path.join(codeDir, 'run.sh'), 0o755);
fs.symlinkSync('helpers.py', path.join(codeDir, 'utils', 'alias.py'));
const expectedCode = [
  { path: 'inference.py', data: fs.readFileSync(path.join(codeDir, 'inference.py')) },
  { path: 'requirements.txt', data: Buffer.from('numpy\n') },
  { path: 'run.sh', data: Buffer.from('#!/bin/sh\n'), executable: true },
  { path: 'utils/alias.py', data: Buffer.from('X = 1\n') },
  { path: 'utils/helpers.py', data: Buffer.from('X = 1\n') },
];

const leftovers = (dir: string) => fs.readdirSync(dir).filter((f) => f.includes('.tmp'));

test.each(['auto', 'scan', 'tail', 'stream'])('--strategy %s writes a verified artifact and one JSON object', (strategy) => {
  const out = path.join(work, `out-${strategy}.tar.gz`);
  const r = cli(['inject-code', '--artifact', artifact, '--code', codeDir, '--out', out, '--strategy', strategy, '--json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const report = JSON.parse(r.stdout);
  expect(report.strategy).toBe(strategy === 'auto' ? 'scan' : strategy);
  for (const key of ['reason', 'bytesRead', 'bytesInflated', 'bytesDeflated', 'bytesCopied', 'bytesWritten', 'entries']) expect(report).toHaveProperty(key);
  expect(report.bytesWritten).toBe(fs.statSync(out).size);
  expect(report.entries).toEqual(['code/', 'code/inference.py', 'code/requirements.txt', 'code/run.sh', 'code/utils/', 'code/utils/alias.py', 'code/utils/helpers.py']);
  expect(verify(artifact, out, expectedCode).errors).toEqual([]);
});

test('the bin launcher runs the same command and prints a readable summary without --json', () => {
  const out = path.join(work, 'out-launcher.tar.gz');
  const r = cli(['inject-code', `--artifact=${artifact}`, `--code=${codeDir}`, `--out=${out}`], launcher);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^wrote .*out-launcher\.tar\.gz \(\d+ bytes\) with strategy scan/);
  expect(verify(artifact, out, expectedCode).errors).toEqual([]);
});

describe('failures exit non-zero with one line on stderr and leave no OUT behind', () => {
  const cases: [string, () => string[]][] = [
    ['an input that is not an archive', () => {
      const bad = path.join(work, 'not-an-archive.bin');
      fs.writeFileSync(bad, 'hello'.repeat(200));
      return ['--artifact', bad, '--code', codeDir];
    }],
    ['a truncated artifact', () => {
      const cut = path.join(work, 'truncated.tar.gz');
      fs.writeFileSync(cut, fs.readFileSync(artifact).subarray(0, 50_000));
      return ['--artifact', cut, '--code', codeDir];
    }],
    ['a missing artifact', () => ['--artifact', path.join(work, 'nope.tar.gz'), '--code', codeDir]],
    ['a missing code directory', () => ['--artifact', artifact, '--code', path.join(work, 'no-code')]],
    ['a code directory with a symlink leaving it', () => {
      const dir = path.join(work, 'escaping-code');
      writeTree(dir, [{ name: 'inference.py', data: Buffer.from('x') }]);
      fs.symlinkSync(path.join(work, 'model', 'config.json'), path.join(dir, 'secret.json'));
      return ['--artifact', artifact, '--code', dir];
    }],
  ];
  test.each(cases)('%s', (_name, args) => {
    const outDir = fs.mkdtempSync(path.join(work, 'fail-'));
    const out = path.join(outDir, 'out.tar.gz');
    const r = cli(['inject-code', ...args(), '--out', out, '--json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: \S.*\n$/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.readdirSync(outDir)).toEqual([]);
  });

  test('tail refusing an archive whose tail does not resolve leaves nothing behind', () => {
    const big = path.join(work, 'biglast');
    writeTree(big, [{ name: 'a.json', data: Buffer.from('{}') }, { name: 'z.bin', data: makeContent('random', 4_500_000, rng(4)) }]);
    const input = path.join(work, 'biglast.tar.gz');
    pythonTar(big, input, { level: 1 });
    const out = path.join(work, 'biglast.out.tar.gz');
    const r = cli(['inject-code', '--artifact', input, '--code', codeDir, '--out', out, '--strategy', 'tail']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: the tail does not resolve.*\[TAIL_UNRESOLVED\]\n$/);
    expect(fs.existsSync(out)).toBe(false);
    expect(leftovers(work)).toEqual([]);
  });
});

describe('usage errors exit 2', () => {
  test.each([
    [[]],
    [['inject-code', '--artifact', 'a.tar.gz', '--code', 'code']],
    [['inject-code', '--artifact', 'a', '--code', 'c', '--out', 'o', '--strategy', 'fast']],
    [['inject-code', '--artifact', 'a', '--code', 'c', '--out', 'o', '--force']],
    [['repack']],
  ])('%j', (args) => {
    const r = cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: .*\nusage: cdk-pytorch-sagemaker inject-code/);
  });

  test('--out equal to --artifact is refused (the original is never modified)', () => {
    const copy = path.join(work, 'same.tar.gz');
    fs.copyFileSync(artifact, copy);
    const r = cli(['inject-code', '--artifact', copy, '--code', codeDir, '--out', copy]);
    expect(r.code).toBe(1);
    expect(fs.readFileSync(copy).equals(fs.readFileSync(artifact))).toBe(true);
  });
});
