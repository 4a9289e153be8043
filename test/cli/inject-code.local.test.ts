/**
 * The inject-code command end to end, through the esbuild bundle (assets/cli/main.js, rebuilt by the jest global
 * setup) and the package's bin launcher, on real archives made by Python tarfile.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { InferenceCode } from '../../lib/packaging';
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
      writeTree(dir, [{ name: 'inference.py', data: Buffer.from('def model_fn(model_dir):\n    return None\n') }]);
      fs.symlinkSync(path.join(work, 'model', 'config.json'), path.join(dir, 'secret.json'));
      return ['--artifact', artifact, '--code', dir];
    }],
  ];
  test.each(cases)('%s', (_name, args) => {
    const outDir = fs.mkdtempSync(path.join(work, 'fail-'));
    const out = path.join(outDir, 'out.tar.gz');
    const argv = args();
    const r = cli(['inject-code', ...argv, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: \S.*\n$/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/ENOENT|EISDIR|\.tmp/);
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.readdirSync(outDir)).toEqual([]);
    // --json: the same failure as one JSON object on stdout, nothing on stderr.
    const j = cli(['inject-code', ...argv, '--out', out, '--json']);
    expect(j.code).toBe(1);
    expect(j.stderr).toBe('');
    expect(JSON.parse(j.stdout)).toEqual({ error: r.stderr.slice('error: '.length).trim(), code: expect.stringMatching(/^[A-Z_]+$/) });
  });

  test('tail refusing an archive whose tail does not resolve leaves nothing behind', () => {
    const big = path.join(work, 'biglast');
    writeTree(big, [{ name: 'a.json', data: Buffer.from('{}') }, { name: 'z.bin', data: makeContent('random', 4_500_000, rng(4)) }]);
    const input = path.join(work, 'biglast.tar.gz');
    pythonTar(big, input, { level: 1 });
    const out = path.join(work, 'biglast.out.tar.gz');
    const r = cli(['inject-code', '--artifact', input, '--code', codeDir, '--out', out, '--strategy', 'tail']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: --artifact \S+biglast\.tar\.gz: the tail does not resolve .*; --strategy scan reads the whole archive instead\.\n$/);
    expect(fs.existsSync(out)).toBe(false);
    expect(leftovers(work)).toEqual([]);
  });
});

describe('usage errors exit 2 with one line', () => {
  test.each([
    [[], /^error: no command given: use one of init, inject-code, invoke-local \(see cdk-pytorch-sagemaker --help\)\n$/],
    [['inject-code', '--artifact', 'a.tar.gz', '--code', 'code'], /^error: --out is required \(usage: cdk-pytorch-sagemaker inject-code --artifact IN --code DIR --out OUT \[options\]; see cdk-pytorch-sagemaker inject-code --help\)\n$/],
    [['inject-code', '--artifact', 'a', '--code', 'c', '--out', 'o', '--strategy', 'fast'], /^error: --strategy must be one of auto, scan, tail, stream, not "fast"\n$/],
    [['inject-code', '--artifact', 'a', '--code', 'c', '--out', 'o', '--force'], /^error: unknown option "--force" \(usage: .*; see cdk-pytorch-sagemaker inject-code --help\)\n$/],
    [['inject-code', '--artifact'], /^error: --artifact needs a value \(usage: /],
    [['inject-code', '--json=yes'], /^error: --json is a flag and takes no value/],
    [['inject-code', 'model.tar.gz'], /^error: unexpected argument "model.tar.gz": every value follows its option, e.g. --artifact IN/],
    [['repack'], /^error: unknown command "repack": use one of init, inject-code, invoke-local/],
  ])('%j', (args, message) => {
    const r = cli(args as string[]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message as RegExp);
  });

  test('with --json a usage error is JSON on stdout', () => {
    const r = cli(['inject-code', '--artifact', 'a', '--json']);
    expect([r.code, r.stderr]).toEqual([2, '']);
    expect(JSON.parse(r.stdout)).toEqual({ error: expect.stringMatching(/^--code is required/), code: 'USAGE' });
  });

  test('--out equal to --artifact is refused (the original is never modified)', () => {
    const copy = path.join(work, 'same.tar.gz');
    fs.copyFileSync(artifact, copy);
    const r = cli(['inject-code', '--artifact', copy, '--code', codeDir, '--out', copy]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: --out ${copy} is the artifact itself: give another path (the original is never modified).\n`);
    expect(fs.readFileSync(copy).equals(fs.readFileSync(artifact))).toBe(true);
  });
});

describe('the code directory gets the check synth runs', () => {
  const out = () => path.join(fs.mkdtempSync(path.join(work, 'check-')), 'out.tar.gz');
  test.each([
    ['no inference.py', { 'predict.py': 'def model_fn(d):\n    pass\n' }, /inference\.py is missing; the PyTorch serving container imports inference\.py from code\/, so add it to/],
    ['no model_fn', { 'inference.py': 'def predict_fn(d, m):\n    return d\n' }, /does not define model_fn at top level/],
    ['transform_fn with input_fn', { 'inference.py': 'def model_fn(d):\n    pass\n\ndef transform_fn(m, b, c, a):\n    pass\n\ndef input_fn(b, c):\n    pass\n' }, /defines transform_fn together with input_fn: the serving container refuses to start/],
  ])('%s: refused with the same message as InferenceCode.fromDirectory, unless --no-check', (_name, files, message) => {
    const dir = fs.mkdtempSync(path.join(work, 'badcode-'));
    writeTree(dir, Object.entries(files).map(([name, data]) => ({ name, data: Buffer.from(data) })));
    const refused = cli(['inject-code', '--artifact', artifact, '--code', dir, '--out', out()]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: --code: /);
    expect(refused.stderr).toMatch(message);
    expect(refused.stderr).toMatch(/ \(--no-check skips this check\)\n$/);
    // The message is the synth-time one: one function for both.
    const synth = (() => { try { InferenceCode.fromDirectory(dir); return ''; } catch (e) { return (e as Error).message; } })();
    expect(refused.stderr).toContain(synth.replace(/^InferenceCode: /, ''));
    const target = out();
    const skipped = cli(['inject-code', '--artifact', artifact, '--code', dir, '--out', target, '--no-check']);
    expect(skipped.code).toBe(0);
    expect(fs.existsSync(target)).toBe(true);
  });
});
