/**
 * The CLI as a tool, through the bundle (assets/cli/main.js) and the package's bin launcher: help, version, one-line
 * errors that name the user's path (and JSON errors with --json), and every terminating signal leaving nothing behind.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { makeContent, pythonTar, rng, tempDir, writeTree } from '../packaging/engine/archive-helpers';
import { PLAIN_PYTHON, testWith } from './python';

const root = path.join(__dirname, '..', '..');
const bundle = path.join(root, 'assets', 'cli', 'main.js');
const launcher = path.join(root, 'bin', 'cdk-pytorch-sagemaker.js');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const work = tempDir('cli-tool');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function cli(args: string[], options: { entry?: string; env?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(process.execPath, [options.entry ?? bundle, ...args], { encoding: 'utf8', env: { ...process.env, ...options.env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const withPython = testWith(PLAIN_PYTHON, 'Python 3.8+');

describe('--help and --version', () => {
  test.each([['--help'], ['-h'], ['help']])('%s: the tool, its commands and options, exit 0', (flag) => {
    const r = cli([flag]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toMatch(/^cdk-pytorch-sagemaker \d+\.\d+\.\d+: .*\n\nusage: cdk-pytorch-sagemaker <command> \[options\]\n/);
    expect(r.stdout).toMatch(/\n {2}inject-code {3}Put a code directory under code\/ in a model\.tar\.gz/);
    expect(r.stdout).toMatch(/\n {2}invoke-local {2}Run inference\.py on a model/);
    expect(r.stdout).toContain('-V, --version');
  });

  test.each([
    [['inject-code', '--help'], ['--artifact IN', '--code DIR', '--out OUT', '--strategy NAME', '--no-check', '--json', '--help, -h']],
    [['inject-code', '-h'], ['--artifact IN']],
    [['help', 'inject-code'], ['--artifact IN']],
    [['invoke-local', '--help'], ['--model PATH', '--code DIR', '--content-type T', '--accept A', '--body TEXT', '--body-file FILE', '--python PATH', '--json']],
    [['invoke-local', '--model', 'x', '--help'], ['--model PATH']],
  ])('%j: the command\'s usage, every option and its exit codes', (args, options) => {
    const r = cli(args);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toMatch(new RegExp(`\\nusage: cdk-pytorch-sagemaker ${args.find((a) => a.includes('-') && !a.startsWith('-'))} `));
    for (const option of options) expect(r.stdout).toContain(`  ${option}`);
    expect(r.stdout).toMatch(/exit codes: 0 .*, 1 .*, 2 bad usage, 128\+N interrupted by signal N \(130 SIGINT, 143 SIGTERM,\s+129 SIGHUP, 131 SIGQUIT/s);
  });

  test.each([['--version'], ['-V']])('%s prints the package version, also through the bin launcher', (flag) => {
    expect(cli([flag])).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
    expect(cli([flag], { entry: launcher })).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });
});

describe('every error is one line naming the user\'s path and what to do; --json makes it JSON on stdout', () => {
  const model = path.join(work, 'model');
  writeTree(model, [
    { name: 'weights.bin', data: makeContent('weights', 20_000, rng(1)) },
    { name: 'code/inference.py', data: Buffer.from('def model_fn(d):\n    return 0\n\ndef transform_fn(m, b, c, a):\n    return b\n') },
  ]);
  const artifact = path.join(work, 'model.tar.gz');
  pythonTar(model, artifact);
  const code = path.join(model, 'code');
  const textFile = path.join(work, 'notes.txt');
  fs.writeFileSync(textFile, 'these are notes, not an archive\n'.repeat(40));
  const notTar = path.join(work, 'not-tar.tar.gz');
  spawnSync('sh', ['-c', `gzip -c ${textFile} > ${notTar}`]);
  const missing = path.join(work, 'nope', 'model.tar.gz');
  const noFolder = path.join(work, 'no-such-folder', 'out.tar.gz');

  const cases: Array<[string, string[], RegExp]> = [
    ['inject-code: a missing artifact', ['inject-code', '--artifact', missing, '--code', code, '--out', path.join(work, 'o1.tar.gz')],
      new RegExp(`^--artifact ${missing} does not exist: give the path of a model\\.tar\\.gz file\\.$`)],
    ['inject-code: a directory given as the artifact', ['inject-code', '--artifact', model, '--code', code, '--out', path.join(work, 'o2.tar.gz')],
      new RegExp(`^--artifact ${model} is a directory: give the path of a model\\.tar\\.gz file\\.$`)],
    ['inject-code: the output folder is missing', ['inject-code', '--artifact', artifact, '--code', code, '--out', noFolder],
      new RegExp(`^the folder of --out ${noFolder} \\(${path.dirname(noFolder)}\\) does not exist: create it first, or write elsewhere\\.$`)],
    ['inject-code: --out is a directory', ['inject-code', '--artifact', artifact, '--code', code, '--out', work],
      new RegExp(`^--out ${work} is a directory: give the path of the file to write\\.$`)],
    ['inject-code: not gzip', ['inject-code', '--artifact', textFile, '--code', code, '--out', path.join(work, 'o3.tar.gz')],
      new RegExp(`^--artifact ${textFile}: not a gzip or tar file: .*; give a model\\.tar\\.gz \\(e\\.g\\. tar czf model\\.tar\\.gz -C <model dir> \\.\\)\\.$`)],
    ['inject-code: gzip without a tar inside', ['inject-code', '--artifact', notTar, '--code', code, '--out', path.join(work, 'o4.tar.gz')],
      new RegExp(`^--artifact ${notTar}: not a (valid )?tar archive: .*; its gzip holds no valid tar archive: build it again with tar czf\\.$`)],
    ['inject-code: a missing code directory', ['inject-code', '--artifact', artifact, '--code', path.join(work, 'nocode'), '--out', path.join(work, 'o5.tar.gz')],
      new RegExp(`^--code: ${path.join(work, 'nocode')} is not a directory; give the folder that holds inference\\.py\\. \\(--no-check skips this check\\)$`)],
    ['invoke-local: a missing model', ['invoke-local', '--model', missing, '--body', '{}'],
      new RegExp(`^--model ${missing} does not exist: give a model\\.tar\\.gz or the model directory\\.$`)],
    ['invoke-local: a missing body file', ['invoke-local', '--model', model, '--body-file', path.join(work, 'body.json')],
      new RegExp(`^--body-file ${path.join(work, 'body.json')} does not exist: give a file holding the request body\\.$`)],
    ['invoke-local: a directory given as the body file', ['invoke-local', '--model', model, '--body-file', work],
      new RegExp(`^--body-file ${work} is a directory: give a file holding the request body\\.$`)],
    ['invoke-local: --code that is a file', ['invoke-local', '--model', model, '--code', textFile, '--body', '{}'],
      new RegExp(`^--code ${textFile} is not a directory: give the directory that holds inference\\.py\\.$`)],
    ['invoke-local: not gzip', ['invoke-local', '--model', textFile, '--body', '{}'],
      new RegExp(`^--model ${textFile} is neither a directory nor a gzip file: give a model\\.tar\\.gz \\(tar czf model\\.tar\\.gz -C <model dir> \\.\\) or the model directory\\.$`)],
    ['invoke-local: gzip without a tar inside', ['invoke-local', '--model', notTar, '--body', '{}'],
      new RegExp(`^--model ${notTar} is gzip-compressed but holds no readable tar archive \\(.*\\): build it again with tar czf model\\.tar\\.gz -C <model dir> \\.$`)],
    ['invoke-local: a Python that does not exist', ['invoke-local', '--model', model, '--body', '{}', '--python', path.join(work, 'bin', 'python3')],
      new RegExp(`^--python ${path.join(work, 'bin', 'python3')} was not found: give the path of a Python 3\\.8\\+ with torch \\(e\\.g\\. \\.venv/bin/python3\\)\\.$`)],
  ];

  test.each(cases)('%s', (_name, args, message) => {
    const tmp = fs.mkdtempSync(path.join(work, 'tmp-'));
    const before = fs.readdirSync(work).sort();
    const r = cli(args, { env: { TMPDIR: tmp } });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: [^\n]+\n$/);
    expect(r.stderr.slice('error: '.length).trimEnd()).toMatch(message);
    expect(r.stderr).not.toMatch(/ENOENT|EISDIR|ENOTDIR|\.tmp|cdk-pytorch-sagemaker-(invoke|request)-/);
    const j = cli([...args, '--json'], { env: { TMPDIR: tmp } });
    expect([j.code, j.stderr]).toEqual([1, '']);
    const error = JSON.parse(j.stdout);
    expect(Object.keys(error).sort()).toEqual(['code', 'error']);
    expect(error.error).toMatch(message);
    expect(error.code).toMatch(/^[A-Z_]+$/);
    // Nothing left behind: no output, no temporary file or directory.
    expect(fs.readdirSync(work).sort()).toEqual(before);
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  test('invoke-local: --body and --body-file together, or neither, is bad usage', () => {
    for (const args of [['--body', '{}', '--body-file', textFile], []]) {
      const r = cli(['invoke-local', '--model', model, ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^error: give the request body with exactly one of --body TEXT and --body-file FILE \(usage: cdk-pytorch-sagemaker invoke-local --model PATH \[options\]; see cdk-pytorch-sagemaker invoke-local --help\)\n$/);
    }
  });
});

/** Starts the CLI, sends `signal` once `ready(dir entry)` sees the file it waits for appear in `watched`, and resolves with the exit. */
function interruptWhen(args: string[], env: NodeJS.ProcessEnv, watched: string, ready: (name: string) => boolean, signal: NodeJS.Signals) {
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; sent: boolean; pid: number }>((resolve) => {
    const child = spawn(process.execPath, [bundle, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    const watcher = fs.watch(watched, (_event, name) => {
      if (!sent && name && ready(name.toString())) {
        sent = true;
        child.kill(signal);
      }
    });
    // A guard, not a wait: if the awaited file never shows up, end the child before the test's own timeout.
    const guard = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.on('exit', (code, exitSignal) => {
      clearTimeout(guard);
      watcher.close();
      resolve({ code, signal: exitSignal, stderr, sent, pid: child.pid! });
    });
  });
}

/**
 * Whether process `pid` has ended, waiting for it (up to 10 s) on a pidfd, the kernel's own event (no polling):
 * a process that is gone, or a zombie nobody reaped yet, has ended.
 */
function hasEnded(pid: number): boolean {
  const r = spawnSync('python3', ['-c', [
    'import os, select, sys',
    'try:',
    '    fd = os.pidfd_open(int(sys.argv[1]))',
    'except ProcessLookupError:',
    '    sys.exit(0)',
    'sys.exit(0 if select.select([fd], [], [], 10)[0] else 3)',
  ].join('\n'), String(pid)], { encoding: 'utf8' });
  if (r.status !== 0 && r.status !== 3) throw new Error(`pidfd wait failed: ${r.stderr}`);
  return r.status === 0;
}

/** The signals the tests send: every one a terminal, a supervisor or a pipeline sends, and two more that end a process. */
const SIGNALS = [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129], ['SIGQUIT', 131], ['SIGPIPE', 141], ['SIGUSR2', 140]] as const;

describe('every terminating signal removes temporary outputs and exits with 128 + its number', () => {
  const big = path.join(work, 'big');
  writeTree(big, [{ name: 'weights.bin', data: makeContent('weights', 48_000_000, rng(7)) }]);
  const bigArtifact = path.join(work, 'big.tar.gz');
  pythonTar(big, bigArtifact, { level: 1 });
  const code = path.join(work, 'sig-code');
  writeTree(code, [{ name: 'inference.py', data: Buffer.from('def model_fn(d):\n    return 0\n') }]);

  test.each(SIGNALS)('inject-code --strategy stream interrupted by %s: exit %d, no OUT and no .tmp file', async (signal, exitCode) => {
    const outDir = fs.mkdtempSync(path.join(work, `sig-${signal}-`));
    const r = await interruptWhen(['inject-code', '--artifact', bigArtifact, '--code', code, '--out', path.join(outDir, 'out.tar.gz'), '--strategy', 'stream'],
      {}, outDir, (name) => name.endsWith('.tmp'), signal);
    expect(r.sent).toBe(true);
    expect([r.code, r.signal]).toEqual([exitCode, null]);
    expect(r.stderr).toBe(`interrupted (${signal}): temporary outputs removed\n`);
    expect(fs.readdirSync(outDir)).toEqual([]);
  }, 60_000);

  /**
   * A model whose model_fn ignores SIGINT, SIGTERM, SIGHUP and SIGQUIT, starts a subprocess, then writes the pids
   * (by rename: the watcher sees the marker complete) and blocks.
   */
  function stubbornModel(name: string, marker: string): string {
    const dir = path.join(work, name);
    writeTree(dir, [{ name: 'code/inference.py', data: Buffer.from([
      'import os, signal, subprocess, time',
      '',
      'def model_fn(model_dir):',
      '    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):',
      '        signal.signal(s, signal.SIG_IGN)',
      '    helper = subprocess.Popen(["sleep", "300"])',
      `    with open(${JSON.stringify(marker + '.part')}, "w") as f:`,
      '        f.write("%d %d" % (os.getpid(), helper.pid))',
      `    os.rename(${JSON.stringify(marker + '.part')}, ${JSON.stringify(marker)})`,
      '    while True:',
      '        time.sleep(60)',
      '',
    ].join('\n')) }]);
    const tgz = path.join(work, `${name}.tar.gz`);
    pythonTar(dir, tgz);
    return tgz;
  }

  test.each(SIGNALS)('invoke-local interrupted by %s while a model_fn that ignores it runs: Python and its subprocess killed, the extracted model removed, exit %d', async (signal, exitCode) => {
    if (!PLAIN_PYTHON) throw new Error('python3 (3.8+) is needed: .ci/run installs it');
    const tmp = fs.mkdtempSync(path.join(work, `sig-tmp-${signal}-`));
    const marker = path.join(tmp, 'loading');
    const tgz = stubbornModel(`stubborn-${signal}`, marker);
    const r = await interruptWhen(['invoke-local', '--model', tgz, '--body', '{}', '--python', PLAIN_PYTHON], { TMPDIR: tmp }, tmp,
      (name) => name === 'loading' && fs.existsSync(marker), signal);
    expect(r.sent).toBe(true);
    expect([r.code, r.signal]).toEqual([exitCode, null]);
    const [python, helper] = fs.readFileSync(marker, 'utf8').split(' ').map(Number);
    expect(r.stderr).toMatch(new RegExp(`^interrupted \\(${signal}\\): Python \\(pid ${python}\\) ignored SIGTERM for 2\\.5 s and was killed; temporary outputs removed\\n$`));
    // Nothing left under the temporary directory but the test's own marker: no extracted model, no request files.
    expect(fs.readdirSync(tmp)).toEqual(['loading']);
    // The CLI reaped Python before it exited: it is gone now. Its subprocess, in the same process group, got the
    // same signals; it was reparented when Python died, so its end is awaited on a pidfd (a kernel event).
    expect(() => process.kill(python, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    expect(hasEnded(helper)).toBe(true);
  }, 60_000);

  withPython('invoke-local interrupted while a model_fn that obeys SIGTERM runs: Python stops at once, no SIGKILL needed', async (python) => {
    const tmp = fs.mkdtempSync(path.join(work, 'sig-tmp-obeys-'));
    const marker = path.join(tmp, 'loading');
    const blocking = path.join(work, 'blocking');
    writeTree(blocking, [{ name: 'code/inference.py', data: Buffer.from(
      `import os, time\n\ndef model_fn(model_dir):\n    with open(${JSON.stringify(marker + '.part')}, "w") as f:\n        f.write(str(os.getpid()))\n    os.rename(${JSON.stringify(marker + '.part')}, ${JSON.stringify(marker)})\n    time.sleep(120)\n`) }]);
    const tgz = path.join(work, 'blocking.tar.gz');
    pythonTar(blocking, tgz);
    const r = await interruptWhen(['invoke-local', '--model', tgz, '--body', '{}', '--python', python], { TMPDIR: tmp }, tmp,
      (name) => name === 'loading' && fs.existsSync(marker), 'SIGTERM');
    expect(r.sent).toBe(true);
    expect(r.code).toBe(143);
    const pid = Number(fs.readFileSync(marker, 'utf8'));
    expect(r.stderr).toBe(`interrupted (SIGTERM): Python (pid ${pid}) stopped; temporary outputs removed\n`);
    expect(fs.readdirSync(tmp)).toEqual(['loading']);
    expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  }, 60_000);
});

describe('a reader that closes the pipe', () => {
  withPython('invoke-local | head: the CLI ends as SIGPIPE would (141), without a stack trace', async (python) => {
    const model = path.join(work, 'big-answer');
    writeTree(model, [{ name: 'code/inference.py', data: Buffer.from('def model_fn(d):\n    return 0\n\ndef transform_fn(m, b, c, a):\n    return "x" * 1000000\n') }]);
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [bundle, 'invoke-local', '--model', model, '--body', '{}', '--python', python], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk) => { stderr += chunk; });
      // Read the first bytes of the answer, then close the pipe as `head -c 10` does.
      child.stdout.once('data', () => child.stdout.destroy());
      child.on('exit', (code) => resolve({ code, stderr }));
    });
    expect(r.code).toBe(141);
    expect(r.stderr).not.toMatch(/EPIPE|at .*\.js:\d+/);
  }, 60_000);
});
