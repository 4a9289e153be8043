/**
 * The inject-code command end to end, through the esbuild bundle (assets/cli/main.js, rebuilt by the jest global
 * setup) and the package's bin launcher, on real archives made by Python tarfile.
 */
import { execFileSync, spawnSync } from 'child_process';
import { createHash } from 'crypto';
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

test.each(['auto', 'scan', 'stream'])('--strategy %s writes a verified artifact and one JSON object', (strategy) => {
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

  test('--strategy tail, removed in 0.2.0, is refused as bad usage saying why and what to use; nothing is written', () => {
    const out = path.join(work, 'tail.out.tar.gz');
    const r = cli(['inject-code', '--artifact', artifact, '--code', codeDir, '--out', out, '--strategy', 'tail']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: --strategy tail was removed in 0\.2\.0: it patched the archive from its last few MiB .*; use --strategy scan \(or auto\)\n$/);
    expect(fs.existsSync(out)).toBe(false);
    expect(leftovers(work)).toEqual([]);
  });
});

describe('usage errors exit 2 with one line', () => {
  test.each([
    [[], /^error: no command given: use one of init, inject-code, invoke-local \(see cdk-pytorch-sagemaker --help\)\n$/],
    [['inject-code', '--artifact', 'a.tar.gz', '--code', 'code'], /^error: --out is required \(usage: cdk-pytorch-sagemaker inject-code --artifact IN --code DIR --out OUT \[options\]; see cdk-pytorch-sagemaker inject-code --help\)\n$/],
    [['inject-code', '--artifact', 'a', '--code', 'c', '--out', 'o', '--strategy', 'fast'], /^error: --strategy must be one of auto, scan, stream, not "fast"\n$/],
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

});

describe('--out is compared with the artifact by identity, and never replaces what is not a regular file', () => {
  const sha = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  /** A folder holding a copy of the artifact, the code directory and whatever `setup` makes; `real` is its subfolder. */
  function scene(setup: (dir: string, original: string) => void) {
    const dir = fs.mkdtempSync(path.join(work, 'out-identity-'));
    fs.mkdirSync(path.join(dir, 'real'));
    const original = path.join(dir, 'real', 'model.tar.gz');
    fs.copyFileSync(artifact, original);
    setup(dir, original);
    return { dir, original, digest: sha(original) };
  }
  const refused = (dir: string, original: string, out: string, code = codeDir) => {
    const r = cli(['inject-code', '--artifact', original, '--code', code, '--out', out, '--json']);
    expect([r.code, r.stderr]).toEqual([1, '']);
    // Nothing was written next to OUT: no temporary file either.
    expect(fs.readdirSync(path.dirname(path.resolve(out))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(leftovers(dir)).toEqual([]);
    return JSON.parse(r.stdout) as { error: string; code: string };
  };

  test.each([
    ['through a symbolic link to the artifact\'s folder', (dir: string) => fs.symlinkSync('real', path.join(dir, 'link')), 'link/model.tar.gz'],
    ['a hard link to the artifact', (dir: string, original: string) => fs.linkSync(original, path.join(dir, 'hard.tar.gz')), 'hard.tar.gz'],
    ['a symbolic link to the artifact', (dir: string) => fs.symlinkSync('real/model.tar.gz', path.join(dir, 'sym.tar.gz')), 'sym.tar.gz'],
    ['the artifact spelled with ..', (dir: string) => fs.mkdirSync(path.join(dir, 'other')), 'other/../real/./model.tar.gz'],
  ])('%s: refused, the original unchanged', (_name, setup, relative) => {
    const { dir, original, digest } = scene(setup);
    const out = path.join(dir, relative);
    const error = refused(dir, original, out);
    expect(error).toEqual({
      code: 'SAME_PATH',
      error: `--out ${out} is the artifact itself (the same file as --artifact ${original}, by another path or a link): give another path (the original is never modified).`,
    });
    expect(sha(original)).toBe(digest);
    expect(fs.lstatSync(out).isFile() || fs.lstatSync(out).isSymbolicLink()).toBe(true);
  });

  test('--artifact given through a link and --out the real file: refused', () => {
    const { dir, original, digest } = scene((d) => fs.symlinkSync('real/model.tar.gz', path.join(d, 'alias.tar.gz')));
    expect(refused(dir, path.join(dir, 'alias.tar.gz'), original).code).toBe('SAME_PATH');
    expect(sha(original)).toBe(digest);
  });

  test('a symbolic link to another file: refused, neither the link nor its target replaced', () => {
    const { dir, original } = scene((d) => {
      fs.writeFileSync(path.join(d, 'precious.bin'), 'keep me\n');
      fs.symlinkSync('precious.bin', path.join(d, 'out.tar.gz'));
    });
    const out = path.join(dir, 'out.tar.gz');
    expect(refused(dir, original, out)).toEqual({
      code: 'OUTPUT_IS_A_LINK',
      error: `--out ${out} is a symbolic link (to precious.bin): give the path of a regular file or a new one; links are not written through or replaced.`,
    });
    expect(fs.readlinkSync(out)).toBe('precious.bin');
    expect(fs.readFileSync(path.join(dir, 'precious.bin'), 'utf8')).toBe('keep me\n');
  });

  const special: Array<[string, (file: string) => void, (stat: fs.Stats) => boolean]> = [
    ['a FIFO (named pipe)', (file) => execFileSync('mkfifo', [file]), (stat) => stat.isFIFO()],
    // /dev/null's numbers, in the test's own folder: never the real /dev/null, which a broken build would replace for
    // every process on the machine (mknod needs root, as CI runs).
    ['a character device', (file) => execFileSync('mknod', [file, 'c', '1', '3']), (stat) => stat.isCharacterDevice()],
    // A loop device's numbers: only the node is made, never opened.
    ['a block device', (file) => execFileSync('mknod', [file, 'b', '7', '200']), (stat) => stat.isBlockDevice()],
    ['a socket', (file) => execFileSync('python3', ['-c', 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', file]), (stat) => stat.isSocket()],
  ];
  test.each(special)('%s: refused, and still what it was', (kind, make, isKind) => {
    const { dir, original } = scene((d) => make(path.join(d, 'out.tar.gz')));
    const out = path.join(dir, 'out.tar.gz');
    expect(refused(dir, original, out)).toEqual({
      code: 'NOT_A_FILE',
      error: `--out ${out} is ${kind}, not a regular file: give the path of a regular file or a new one (it is never replaced).`,
    });
    expect(isKind(fs.lstatSync(out))).toBe(true);
  });

  test.each([
    ['the code directory', (code: string) => path.join(code, 'out.tar.gz')],
    ['a subfolder of it, reached through a link to it', (code: string, dir: string) => {
      fs.mkdirSync(path.join(code, 'sub'));
      fs.symlinkSync(code, path.join(dir, 'code-link'));
      return path.join(dir, 'code-link', 'sub', 'out.tar.gz');
    }],
  ])('inside %s: refused, nothing written there', (_name, outIn) => {
    const { dir, original } = scene(() => undefined);
    const code = path.join(dir, 'code');
    fs.cpSync(codeDir, code, { recursive: true, verbatimSymlinks: true });
    const out = outIn(code, dir);
    const before = fs.readdirSync(code, { recursive: true }).sort();
    expect(refused(dir, original, out, code)).toEqual({
      code: 'OUTPUT_INSIDE_CODE',
      error: `--out ${out} is inside the code directory --code ${code}: write it elsewhere (the next run would ship it under code/).`,
    });
    expect(fs.readdirSync(code, { recursive: true }).sort()).toEqual(before);
  });

  test('an existing regular file is replaced (by rename: a hard link to it elsewhere keeps the old bytes)', () => {
    const { dir, original, digest } = scene((d) => {
      fs.writeFileSync(path.join(d, 'out.tar.gz'), 'old output\n');
      fs.linkSync(path.join(d, 'out.tar.gz'), path.join(d, 'old-link'));
    });
    const out = path.join(dir, 'out.tar.gz');
    const r = cli(['inject-code', '--artifact', original, '--code', codeDir, '--out', out]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(verify(original, out, expectedCode).errors).toEqual([]);
    expect(fs.readFileSync(path.join(dir, 'old-link'), 'utf8')).toBe('old output\n');
    expect(sha(original)).toBe(digest);
    expect(leftovers(dir)).toEqual([]);
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
