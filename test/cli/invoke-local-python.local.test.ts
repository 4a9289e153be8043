/**
 * invoke-local picks a Python that can run the model (issue 20, item 4): the one given with --python, else the first
 * candidate that has torch; it says which; when none has torch it says so, that the container has torch, and how
 * to give one, never "the container would fail its health check". And its output ends with a line of its own.
 *
 * The exact input: `python3` first on the PATH has no torch (pyenv's here), /usr/bin/python3 has Debian's
 * python3-torch (.ci/run installs it).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { choosePython, defaultPythonCandidates, noTorchWarning } from '../../lib/cli/python-choice';
import { PLAIN_PYTHON, testWith, TORCH_PYTHON } from './python';

const root = path.join(__dirname, '..', '..');
const bundle = path.join(root, 'assets', 'cli', 'main.js');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'invoke-local-python-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const withBoth = testWith(PLAIN_PYTHON && TORCH_PYTHON, 'Python with torch');
const withPython = testWith(PLAIN_PYTHON, 'Python 3.8+');

/** A model whose inference.py imports torch, as every real one does. */
const TORCH_MODEL = `
import json
import torch

def model_fn(model_dir):
    return torch.nn.Identity()

def input_fn(input_data, content_type):
    return torch.tensor(json.loads(input_data)["inputs"])

def predict_fn(data, model):
    return model(data)

def output_fn(prediction, accept):
    return json.dumps({"outputs": prediction.tolist()})
`;

function modelDir(name: string, inference: string): string {
  const dir = path.join(work, name);
  fs.mkdirSync(path.join(dir, 'code'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'code', 'inference.py'), inference);
  return dir;
}

/**
 * A folder to put first on the PATH whose `python3` and `python` have no torch: the plain python3 itself when it
 * has none (pyenv's here: the exact case), else that interpreter without its site-packages (`-S`).
 */
function pathWithoutTorchFirst(): string {
  const bin = path.join(work, 'no-torch-bin');
  if (fs.existsSync(bin)) return bin;
  fs.mkdirSync(bin);
  const hasTorch = spawnSync(PLAIN_PYTHON!, ['-c', 'import torch']).status === 0;
  for (const name of ['python3', 'python']) {
    if (!hasTorch) fs.symlinkSync(PLAIN_PYTHON!, path.join(bin, name));
    else fs.writeFileSync(path.join(bin, name), `#!/bin/sh\nexec ${PLAIN_PYTHON} -S "$@"\n`, { mode: 0o755 });
  }
  return bin;
}

function invoke(args: string[], cwd: string = work) {
  const env = { ...process.env, PATH: `${pathWithoutTorchFirst()}${path.delimiter}${process.env.PATH}` };
  const r = spawnSync(process.execPath, [bundle, 'invoke-local', ...args], { env, cwd });
  return { code: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

describe('choosing the Python', () => {
  withBoth('python3 first on the PATH has no torch: the first candidate with torch runs the model, and the output says which', () => {
    const model = modelDir('needs-torch', TORCH_MODEL);
    const r = invoke(['--model', model, '--body', '{"inputs": [1, 2]}']);
    expect(r.stderr).not.toContain('health check');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ outputs: [1, 2] });
    const torchExecutable = spawnSync(TORCH_PYTHON!, ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).stdout.trim();
    // The candidates passed over are named, then the summary names the interpreter that ran.
    expect(r.stderr).toMatch(new RegExp(`^invoke-local: python3 \\(\\S+\\): no torch(; [^\\n]*)?: running in ${torchExecutable}, the first candidate with torch \\(--python picks another\\)\\n`));
    expect(r.stderr).toMatch(new RegExp(`; python: ${torchExecutable} \\(torch [^)]+\\)\\n$`));
  }, 60_000);

  withBoth('--python without torch: one error that says this Python lacks torch, the container has it, and how to give one', () => {
    const model = modelDir('needs-torch-given', TORCH_MODEL);
    const noTorch = path.join(pathWithoutTorchFirst(), 'python3');
    const r = invoke(['--model', model, '--body', '{"inputs": [1]}', '--python', noTorch]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toContain('the container would fail its health check');
    expect(r.stderr).toMatch(/^error: \S+ cannot import torch, which the SageMaker PyTorch serving container has: this is about the Python on this machine, not your model\. Run again with a Python that has torch: --python PATH \(e\.g\. python3 -m venv \.venv && \.venv\/bin\/pip install torch numpy\)\.\n$/);
    const json = invoke(['--model', model, '--body', '{"inputs": [1]}', '--python', noTorch, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ status: null, stage: 'model_fn', error: expect.stringMatching(/cannot import torch, which the SageMaker PyTorch serving container has/) });
  }, 60_000);

  withBoth('a torch import inside a handler fails the request the same way, not as a model error', () => {
    const model = modelDir('lazy-torch', 'def model_fn(d):\n    return 0\n\ndef transform_fn(m, body, ct, accept):\n    import torch\n    return "x"\n');
    const r = invoke(['--model', model, '--body', '{}', '--python', path.join(pathWithoutTorchFirst(), 'python3')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: \S+ cannot import torch, which the SageMaker PyTorch serving container has/m);
  }, 60_000);

  withPython('a project .venv in the working directory comes first', async () => {
    const project = path.join(work, 'project');
    fs.mkdirSync(path.join(project, '.venv', 'bin'), { recursive: true });
    fs.symlinkSync(PLAIN_PYTHON!, path.join(project, '.venv', 'bin', 'python3'));
    expect(defaultPythonCandidates(project)[0]).toBe(path.join(project, '.venv', 'bin', 'python3'));
    const chosen = await choosePython(undefined, [path.join(project, '.venv', 'bin', 'python3'), path.join(work, 'missing', 'python3')]);
    expect(chosen.tried[0].command).toBe(path.join(project, '.venv', 'bin', 'python3'));
  });

  withPython('no candidate has torch: the first usable Python runs, with a warning naming every candidate, that the container has torch, and --python', async () => {
    const noTorch = path.join(pathWithoutTorchFirst(), 'python3');
    const missing = path.join(work, 'missing', 'python3');
    const chosen = await choosePython(undefined, [missing, noTorch]);
    expect(chosen.probe.command).toBe(noTorch);
    expect(chosen.probe.hasTorch).toBe(false);
    expect(noTorchWarning(chosen)).toBe(`no Python here has torch (tried ${missing} (not found); ${noTorch}: no torch): ` +
      `running in ${chosen.probe.executable}, where code that imports torch cannot run, although the SageMaker PyTorch serving container has torch; ` +
      'give a Python with torch with --python PATH (e.g. python3 -m venv .venv && .venv/bin/pip install torch numpy).');
  });

  test('no Python at all: an error naming what was tried and --python', async () => {
    const missing = path.join(work, 'nowhere', 'python3');
    await expect(choosePython(undefined, [missing])).rejects.toThrow(
      `no Python 3.8 or newer was found (tried ${missing} (not found)): install Python 3 with torch, or give one with --python PATH.`);
  });

  test('--python that is not a Python 3: refused before the model is touched', () => {
    const model = modelDir('any', TORCH_MODEL);
    const r = invoke(['--model', model, '--body', '{}', '--python', '/bin/false']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: --python /bin/false is not Python 3.8 or newer (it exited with code 1): give the path of a Python 3.8+ with torch.\n');
  });
});

describe('the output ends with a line of its own', () => {
  /** Runs with stdout and stderr on the files given (the same file when both are one). */
  function runTo(args: string[], outFile: string, errFile: string) {
    const out = fs.openSync(outFile, 'w');
    const err = errFile === outFile ? out : fs.openSync(errFile, 'w');
    const r = spawnSync(process.execPath, [bundle, 'invoke-local', ...args], { stdio: ['ignore', out, err] });
    fs.closeSync(out);
    if (err !== out) fs.closeSync(err);
    return r.status;
  }
  const NO_NEWLINE = 'def model_fn(d):\n    return 0\n\ndef transform_fn(m, body, ct, accept):\n    return \'{"outputs": [1]}\'\n';

  withPython('stdout and stderr to one file (2>&1): the body, a newline, then the summary line', (python) => {
    const model = modelDir('no-newline', NO_NEWLINE);
    const both = path.join(work, 'both.txt');
    expect(runTo(['--model', model, '--body', '{}', '--python', python], both, both)).toBe(0);
    expect(fs.readFileSync(both, 'utf8')).toMatch(/^(warning: [^\n]*\n)?\{"outputs": \[1\]\}\ninvoke-local: 200 [^\n]*\n$/);
  });

  withPython('stdout to its own file: exactly the body, byte for byte (nothing added)', (python) => {
    const model = modelDir('no-newline-2', NO_NEWLINE);
    const out = path.join(work, 'out.json');
    const err = path.join(work, 'err.txt');
    expect(runTo(['--model', model, '--body', '{}', '--python', python], out, err)).toBe(0);
    expect(fs.readFileSync(out, 'utf8')).toBe('{"outputs": [1]}');
    expect(fs.readFileSync(err, 'utf8')).toMatch(/^(warning: [^\n]*\n)?invoke-local: 200 [^\n]*\n$/);
  });
});
