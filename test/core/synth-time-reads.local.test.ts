/**
 * Checks that could happen at synth (issue 20, item 7): `codeInjection: { strategy: SCAN }` on a local archive that
 * already holds code/ is refused at synth, as the `inject-code` CLI refuses the same archive; `inference.py` with a
 * syntax error is refused at synth where a Python is on the PATH (one Python start per synth), and where none is,
 * one warning names what was not checked.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { InferenceCode, InjectionStrategy, ModelData, PytorchCustomEndpoint } from '../../lib';
import { SYNTAX_CHECK_CONTEXT, SYNTAX_NOT_CHECKED_WARNING } from '../../lib/common/python-syntax';
import { readLocalArchive } from '../../lib/core/local-archive';

const root = path.join(__dirname, '..', '..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-reads-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const GOOD = 'def model_fn(model_dir):\n    return 1\n';
/** A missing colon on line 4, as typed in a hurry. */
const BROKEN = 'import json\n\n\ndef model_fn(model_dir)\n    return json\n';

let counter = 0;
/** A directory of `files` (relative path -> text). */
function tree(files: { [name: string]: string }): string {
  const dir = path.join(work, `t${counter++}`);
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

/** model.tar.gz of `files`, as a user makes it with GNU tar (`./code/inference.py` names). */
function archive(files: { [name: string]: string }): string {
  const dir = tree(files);
  const out = `${dir}.tar.gz`;
  execFileSync('tar', ['czf', out, '-C', dir, '.']);
  return out;
}

function stack(): Stack {
  return new Stack(new App(), 'S', { env: { account: '123456789012', region: 'us-east-1' } });
}

describe('SCAN on a local archive that already holds code/', () => {
  const withCode = archive({ 'model.pt': 'weights', 'code/inference.py': GOOD });
  const serving = tree({ 'inference.py': GOOD });

  test('refused at synth, naming the entries and the strategies that work', () => {
    expect(() => new PytorchCustomEndpoint(stack(), 'E', {
      model: ModelData.fromAsset(withCode),
      inferenceCode: InferenceCode.fromDirectory(serving),
      codeInjection: { strategy: InjectionStrategy.SCAN },
    })).toThrow(`ModelData.fromAsset: ${withCode} already holds code/ (./code/, ./code/inference.py), and InjectionStrategy.SCAN never replaces it: ` +
      "the injection would fail at deploy time, as 'cdk-pytorch-sagemaker inject-code --strategy scan' fails on this archive now. " +
      'Use InjectionStrategy.AUTO or STREAM (both replace the old code/), or build the archive without code/.');
  });

  test('the CLI refuses the same archive with the same strategy, and accepts it with auto (so synth and CLI agree)', () => {
    const cli = (strategy: string) => spawnSync(process.execPath, [path.join(root, 'assets', 'cli', 'main.js'), 'inject-code',
      '--artifact', withCode, '--code', serving, '--out', path.join(work, `out-${strategy}.tar.gz`), '--strategy', strategy, '--json'], { encoding: 'utf8' });
    const scan = cli('scan');
    expect(scan.status).toBe(1);
    expect(JSON.parse(scan.stdout).code).toBe('STRATEGY_NOT_APPLICABLE');
    expect(cli('auto').status).toBe(0);
    expect(() => new PytorchCustomEndpoint(stack(), 'E', {
      model: ModelData.fromAsset(withCode),
      inferenceCode: InferenceCode.fromDirectory(serving),
      codeInjection: { strategy: InjectionStrategy.AUTO },
    })).not.toThrow();
  });

  test('an archive without code/ is accepted with SCAN', () => {
    const weightsOnly = archive({ 'model.pt': 'weights' });
    expect(() => new PytorchCustomEndpoint(stack(), 'E', {
      model: ModelData.fromAsset(weightsOnly), inferenceCode: InferenceCode.fromDirectory(serving), codeInjection: { strategy: InjectionStrategy.SCAN },
    })).not.toThrow();
  });

  test('a gzip that holds no tar is refused at synth with any strategy', () => {
    const notTar = path.join(work, 'not-tar.tar.gz');
    execFileSync('sh', ['-c', `printf 'just text' | gzip > ${notTar}`]);
    expect(() => new PytorchCustomEndpoint(stack(), 'E', { model: ModelData.fromAsset(notTar), inferenceCode: InferenceCode.fromDirectory(serving) }))
      .toThrow(/^S\/E\/CodeInjection: ModelData\.fromAsset: \S+not-tar\.tar\.gz cannot be read as a tar\.gz \(TAR_BAD_ARCHIVE/);
  });

  test('the archive is read once per synth (served and injected share the read) and again when it changes', () => {
    const file = archive({ 'model.pt': 'w', 'code/inference.py': GOOD });
    const first = readLocalArchive(file);
    expect(readLocalArchive(file)).toBe(first);
    fs.utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect(readLocalArchive(file)).not.toBe(first);
  });
});

describe('inference.py syntax at synth', () => {
  test('a syntax error in InferenceCode.fromDirectory fails the synth with the file, the line and Python\'s message', () => {
    const s = stack();
    const serving = tree({ 'inference.py': BROKEN });
    new PytorchCustomEndpoint(s, 'E', { model: ModelData.fromBucket(s3.Bucket.fromBucketName(s, 'B', 'models'), 'm.tar.gz'), inferenceCode: InferenceCode.fromDirectory(serving) });
    expect(() => s.node.root.node.tryFindChild('S') && (s.node.root as App).synth()).toThrow(
      new RegExp(`${path.join(serving, 'inference.py').replace(/[.]/g, '\\.')}, line 4: (expected ':'|invalid syntax) \\("def model_fn\\(model_dir\\)"\\): ` +
        'the serving container could not import it and would never pass its health check\\. Fix the syntax, then synth again \\(checked with python3? \\d+\\.\\d+\\.\\d+ at synth\\)\\.'));
  });

  test('a syntax error in code/inference.py of a local archive served as it is fails the synth too', () => {
    const s = stack();
    const served = archive({ 'model.pt': 'w', 'code/inference.py': BROKEN });
    new PytorchCustomEndpoint(s, 'E', { model: ModelData.fromAsset(served) });
    expect(() => (s.node.root as App).synth()).toThrow(new RegExp(`code/inference\\.py in ${served.replace(/[.]/g, '\\.')}, line 4: `));
  });

  test('valid code synthesizes', () => {
    const s = stack();
    new PytorchCustomEndpoint(s, 'E', { model: ModelData.fromAsset(archive({ 'model.pt': 'w', 'code/inference.py': GOOD })) });
    expect(() => (s.node.root as App).synth()).not.toThrow();
  });

  describe('which Python, and how often', () => {
    const savedPath = process.env.PATH;
    afterEach(() => { process.env.PATH = savedPath; });

    test('one Python start per synth, whatever the number of files', () => {
      const python = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).stdout.trim();
      expect(python).not.toBe('');
      const bin = tree({});
      const log = path.join(bin, 'starts.log');
      fs.writeFileSync(path.join(bin, 'python3'), `#!/bin/sh\necho start >> ${log}\nexec ${python} "$@"\n`, { mode: 0o755 });
      process.env.PATH = `${bin}${path.delimiter}${savedPath}`;
      const s = stack();
      const models = s3.Bucket.fromBucketName(s, 'B', 'models');
      // Three code directories with different contents (never checked before in this process: fresh text).
      for (const i of [1, 2, 3]) {
        new PytorchCustomEndpoint(s, `E${i}`, { model: ModelData.fromBucket(models, `m${i}.tar.gz`), inferenceCode: InferenceCode.fromDirectory(tree({ 'inference.py': `${GOOD}# ${i} ${Date.now()}\n` })) });
      }
      (s.node.root as App).synth();
      expect(fs.readFileSync(log, 'utf8')).toBe('start\n');
    });

    test('the context key turns the check off: no Python starts, nothing is said, a syntax error synthesizes', () => {
      const bin = tree({});
      const log = path.join(bin, 'starts.log');
      fs.writeFileSync(path.join(bin, 'python3'), `#!/bin/sh\necho start >> ${log}\nexit 1\n`, { mode: 0o755 });
      process.env.PATH = `${bin}${path.delimiter}${savedPath}`;
      for (const value of [false, 'false']) {
        const app = new App({ context: { [SYNTAX_CHECK_CONTEXT]: value } });
        const s = new Stack(app, 'S', { env: { account: '123456789012', region: 'us-east-1' } });
        new PytorchCustomEndpoint(s, 'E', { model: ModelData.fromBucket(s3.Bucket.fromBucketName(s, 'B', 'models'), 'm.tar.gz'), inferenceCode: InferenceCode.fromDirectory(tree({ 'inference.py': `${BROKEN}# off ${Date.now()}\n` })) });
        const warnings = Annotations.fromStack(s).findWarning('*', Match.anyValue());
        expect(warnings.filter((w) => String(w.entry.data).includes('was not checked'))).toEqual([]);
      }
      expect(fs.existsSync(log)).toBe(false);
    });

    test('no Python on the PATH: the synth succeeds with one warning naming every file that was not checked', () => {
      process.env.PATH = tree({});
      const s = stack();
      const models = s3.Bucket.fromBucketName(s, 'B', 'models');
      const dirs = [1, 2].map((i) => tree({ 'inference.py': `${BROKEN}# unchecked ${i} ${Date.now()}\n` }));
      dirs.forEach((dir, i) => new PytorchCustomEndpoint(s, `E${i}`, { model: ModelData.fromBucket(models, `m${i}.tar.gz`), inferenceCode: InferenceCode.fromDirectory(dir) }));
      const warnings = Annotations.fromStack(s).findWarning('*', Match.anyValue());
      process.env.PATH = savedPath;
      const mine = warnings.filter((w) => String(w.entry.data).includes('was not checked at synth'));
      expect(mine).toHaveLength(1);
      expect(String(mine[0].entry.data)).toBe(
        `No Python (python3 or python) was found on the PATH, so the syntax of ${dirs.map((d) => path.join(d, 'inference.py')).join(', ')} was not checked at synth: ` +
        'a syntax error would show only after the deploy, when the serving container fails to import it. Install Python 3 to have it checked ' +
        `(or run 'cdk-pytorch-sagemaker invoke-local' before deploying). [ack: ${SYNTAX_NOT_CHECKED_WARNING}]`);
    });
  });
});
