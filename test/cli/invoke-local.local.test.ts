/**
 * invoke-local end to end: the bundled CLI (assets/cli/main.js, rebuilt by the jest global setup) running its Python
 * runner (assets/cli/invoke_local.py) in a real Python on real inference modules, against model directories and
 * model.tar.gz archives made with GNU tar. Tests that need torch run with a Python that has it (see ./python.ts).
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PLAIN_PYTHON, testWith, TORCH_PYTHON } from './python';

const root = path.join(__dirname, '..', '..');
const bundle = path.join(root, 'assets', 'cli', 'main.js');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'invoke-local-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const withPython = testWith(PLAIN_PYTHON, 'Python 3.8+');
const withTorch = testWith(TORCH_PYTHON, 'Python with torch');

interface Run {
  readonly code: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
  /** stdout parsed, for --json runs. */
  json(): any;
}

/** Runs `invoke-local` with a temporary folder of its own (TMPDIR) that the test can check is left empty. */
function invoke(args: string[], options: { env?: NodeJS.ProcessEnv; tmp?: string } = {}): Run {
  const tmp = options.tmp ?? fs.mkdtempSync(path.join(work, 'tmp-'));
  const r = spawnSync(process.execPath, [bundle, 'invoke-local', ...args], {
    env: { ...process.env, TMPDIR: tmp, ...options.env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.toString(), json: () => JSON.parse(r.stdout.toString()) };
}

let counter = 0;
/** A model directory: `files` by relative path (code/inference.py, weights, ...). */
function modelDir(files: { [name: string]: string | Buffer }): string {
  const dir = path.join(work, `model-${counter++}`);
  for (const [name, data] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), data);
  }
  return dir;
}

/** model.tar.gz of a directory, as a user makes it (`tar czf model.tar.gz -C dir .`). */
function archive(dir: string): string {
  const out = `${dir}.tar.gz`;
  execFileSync('tar', ['czf', out, '-C', dir, '.']);
  return out;
}

/** Every file under `dir`, relative, sorted. */
function listTree(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => !e.isDirectory())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

const WEIGHTS = JSON.stringify({ scale: 2 });

/** All four functions, no torch: model_fn reads weights.json, input_fn checks that a JSON body arrives as str. */
const ALL_FOUR = `
import json, os

def model_fn(model_dir):
    with open(os.path.join(model_dir, "weights.json")) as f:
        return json.load(f)

def input_fn(body, content_type):
    if content_type != "application/json":
        raise ValueError("Unsupported content type " + str(content_type) + ": send application/json")
    assert isinstance(body, str), type(body)
    return json.loads(body)["inputs"]

def predict_fn(data, model):
    print("predicting", len(data), "rows")
    return [x * model["scale"] for x in data]

def output_fn(prediction, accept):
    return json.dumps({"outputs": prediction, "accept": accept})
`;

describe('handler combinations (plain Python)', () => {
  withPython('all four functions on a model directory: the body on stdout, prints and a summary on stderr', (python) => {
    const dir = modelDir({ 'weights.json': WEIGHTS, 'code/inference.py': ALL_FOUR });
    const r = invoke(['--model', dir, '--body', '{"inputs": [1, 2.5]}', '--python', python]);
    expect(r.stderr).toMatch(/predicting 2 rows\n/);
    expect(r.stderr).toMatch(/invoke-local: 200 application\/json, \d+ bytes; model_fn [\d.]+ ms, request [\d.]+ ms; handlers: built-in equivalent of the serving toolkit; python: \S+ \((no torch|torch [^)]+)\)\n$/);
    expect(r.code).toBe(0);
    // No Accept: the container's default accept (application/json) reaches output_fn and is the response type.
    expect(JSON.parse(r.stdout.toString())).toEqual({ outputs: [2, 5], accept: 'application/json' });
  });

  withPython('the same on a model.tar.gz, with --json', (python) => {
    const tgz = archive(modelDir({ 'weights.json': WEIGHTS, 'code/inference.py': ALL_FOUR }));
    const r = invoke(['--model', tgz, '--body', '{"inputs": [3]}', '--python', python, '--json']);
    expect(r.code).toBe(0);
    const out = r.json();
    expect(out).toEqual({
      status: 200, contentType: 'application/json', body: '{"outputs": [6], "accept": "application/json"}', bodyEncoding: 'utf8',
      toolkit: 'built-in', modelLoadMs: expect.any(Number), invokeMs: expect.any(Number), python: expect.any(String),
      // A Python without torch is said once; this module needs none.
      warnings: python === TORCH_PYTHON ? [] : [expect.stringMatching(/^--python .*: no torch: running in .*, where code that imports torch cannot run, although the SageMaker PyTorch serving container has torch/)],
    });
    expect(out.modelLoadMs).toBeGreaterThan(0);
  });

  withPython('transform_fn only, returning a (body, content_type) tuple', (python) => {
    const dir = modelDir({ 'code/inference.py': `
def model_fn(model_dir):
    return "m"

def transform_fn(model, body, content_type, accept):
    return "%s|%s|%s|%s" % (model, body, content_type, accept), "text/plain"
` });
    const out = invoke(['--model', dir, '--body', 'x', '--content-type', 'text/csv', '--accept', 'text/csv', '--python', python, '--json']).json();
    expect([out.status, out.contentType, out.body]).toEqual([200, 'text/plain', 'm|x|text/csv|text/csv']);
  });

  withPython('context-taking variants get the context as the trailing argument; others do not', (python) => {
    const dir = modelDir({ 'code/inference.py': `
import os

def model_fn(model_dir, context):
    return {"dir_matches": context.system_properties["model_dir"] == model_dir}

def input_fn(body, content_type, context):
    return {"ct": content_type, "header": context.get_request_header(0, "Content-Type")}

def predict_fn(data, model):
    return dict(data, **model)

def output_fn(prediction, accept, context=None):
    # A defaulted parameter still counts in the arity: three parameters, so the context is passed.
    return repr(sorted(prediction.items())) + " context=" + type(context).__name__, "text/x-repr"
` });
    const out = invoke(['--model', dir, '--body', '{}', '--python', python, '--json']).json();
    expect(out.body).toBe("[('ct', 'application/json'), ('dir_matches', True), ('header', 'application/json')] context=LocalContext");
    expect(out.contentType).toBe('text/x-repr');
  });

  withPython('transform_fn with the context', (python) => {
    const dir = modelDir({ 'code/inference.py': `
def model_fn(model_dir):
    return 1

def transform_fn(model, body, content_type, accept, context):
    context.set_response_content_type(0, "ignored/overwritten")
    return "with context " + context.get_request_header(0, "Accept")
` });
    const out = invoke(['--model', dir, '--body', '{}', '--accept', 'application/x-custom', '--python', python, '--json']).json();
    // The transformer sets the response type after transform_fn returns: the Accept, as the body is no tuple.
    expect([out.body, out.contentType]).toEqual(['with context application/x-custom', 'application/x-custom']);
  });

  withPython('tuple returns from output_fn set the response type; bytes come back as they are (base64 in --json)', (python) => {
    const dir = modelDir({ 'code/inference.py': `
def model_fn(model_dir):
    return None

def input_fn(body, content_type):
    return body

def predict_fn(data, model):
    return data

def output_fn(prediction, accept):
    return b"\\x00\\xff" + prediction, "application/octet-stream"
` });
    const out = invoke(['--model', dir, '--body', 'AB', '--content-type', 'application/octet-stream', '--python', python, '--json']).json();
    expect([out.contentType, out.bodyEncoding]).toEqual(['application/octet-stream', 'base64']);
    expect(Buffer.from(out.body, 'base64')).toEqual(Buffer.from([0x00, 0xff, 0x41, 0x42]));
  });

  withPython('a value that is neither str nor bytes becomes JSON with indent 2, as TorchServe sends it', (python) => {
    const dir = modelDir({ 'code/inference.py': 'def model_fn(d):\n    return 0\n\ndef transform_fn(m, b, c, a):\n    return {"a": [1]}\n' });
    expect(invoke(['--model', dir, '--body', '{}', '--python', python, '--json']).json().body).toBe('{\n  "a": [\n    1\n  ]\n}');
  });

  withPython('request bodies are str exactly for application/json and text/csv; every other type, parameters included, gets bytes', (python) => {
    const dir = modelDir({ 'code/inference.py': 'def model_fn(d):\n    return 0\n\ndef transform_fn(m, body, content_type, accept):\n    return type(body).__name__\n' });
    const typeFor = (contentType: string) => invoke(['--model', dir, '--body', '1,2', '--content-type', contentType, '--python', python, '--json']).json().body;
    expect(typeFor('application/json')).toBe('str');
    expect(typeFor('text/csv')).toBe('str');
    expect(typeFor('application/json; charset=utf-8')).toBe('bytes');
    expect(typeFor('text/plain')).toBe('bytes');
    expect(typeFor('application/x-npy')).toBe('bytes');
  });

  withPython('Accept: none or */* is the default accept, SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT sets it, any other passes through', (python) => {
    const dir = modelDir({ 'code/inference.py': 'def model_fn(d):\n    return 0\n\ndef transform_fn(m, b, c, accept):\n    return accept\n' });
    const accept = (args: string[], env: NodeJS.ProcessEnv = {}) =>
      invoke(['--model', dir, '--body', '{}', '--python', python, '--json', ...args], { env }).json().body;
    expect(accept([])).toBe('application/json');
    expect(accept(['--accept', '*/*'])).toBe('application/json');
    expect(accept(['--accept', '*/*'], { SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT: 'text/csv' })).toBe('text/csv');
    expect(accept(['--accept', 'application/x-npy, */*'])).toBe('application/x-npy, */*');
  });

  withPython('SAGEMAKER_PROGRAM names the module, with or without .py', (python) => {
    const dir = modelDir({ 'code/inference.py': 'raise RuntimeError("not this one")\n', 'code/serve.py': 'def model_fn(d):\n    return 0\n\ndef transform_fn(m, b, c, a):\n    return __name__\n' });
    expect(invoke(['--model', dir, '--body', '{}', '--python', python, '--json'], { env: { SAGEMAKER_PROGRAM: 'serve.py' } }).json().body).toBe('serve');
    expect(invoke(['--model', dir, '--body', '{}', '--python', python, '--json'], { env: { SAGEMAKER_PROGRAM: 'serve' } }).json().body).toBe('serve');
  });

  withPython('helper modules next to inference.py import, as code/ is first on the path', (python) => {
    const dir = modelDir({
      'code/inference.py': 'import helpers\n\ndef model_fn(d):\n    return 0\n\ndef transform_fn(m, b, c, a):\n    return helpers.NAME\n',
      'code/helpers/__init__.py': 'NAME = "helpers from code/"\n',
    });
    expect(invoke(['--model', dir, '--body', '{}', '--python', python, '--json']).json().body).toBe('helpers from code/');
  });
});

describe('failures: exit 1 with the Python traceback', () => {
  const FAILING_MODEL_FN = 'def model_fn(model_dir):\n    raise ValueError("weights are missing in " + model_dir)\n\ndef predict_fn(d, m):\n    return d\n';

  withPython('a failing model_fn: the traceback names the user\'s file, then one error line', (python) => {
    const dir = modelDir({ 'code/inference.py': FAILING_MODEL_FN });
    const r = invoke(['--model', dir, '--body', '{}', '--python', python]);
    expect(r.code).toBe(1);
    expect(r.stdout.toString()).toBe('');
    expect(r.stderr).toContain(`File "${path.join(dir, 'code', 'inference.py')}", line 2, in model_fn`);
    expect(r.stderr).toMatch(/ValueError: weights are missing in \S+\nerror: the model did not load \(the container would fail its health check\): ValueError: weights are missing in \S+\n$/);
    expect(r.stderr).not.toContain('invoke_local.py');
  });

  withPython('a failing model_fn with --json: status null, error, stage and traceback on stdout; temporary paths never shown', (python) => {
    const tgz = archive(modelDir({ 'code/inference.py': FAILING_MODEL_FN }));
    const r = invoke(['--model', tgz, '--body', '{}', '--python', python, '--json']);
    expect(r.code).toBe(1);
    const out = r.json();
    expect(out).toMatchObject({ status: null, stage: 'model_fn', body: '', toolkit: 'built-in' });
    // The archive's files are named as inside the archive, not by the folder it was extracted to.
    expect(out.error).toBe(`the model did not load (the container would fail its health check): ValueError: weights are missing in ${tgz}!`);
    expect(out.traceback).toContain(`File "${tgz}!${path.sep}code${path.sep}inference.py", line 2, in model_fn`);
    expect(r.stdout.toString()).not.toMatch(/cdk-pytorch-sagemaker-invoke-/);
  });

  withPython('a wrong content type: input_fn raises, the container would answer 500 with the message and trace', (python) => {
    const dir = modelDir({ 'weights.json': WEIGHTS, 'code/inference.py': ALL_FOUR });
    const r = invoke(['--model', dir, '--body', '1,2', '--content-type', 'text/csv', '--python', python]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/line \d+, in input_fn\n.*\nValueError: Unsupported content type text\/csv: send application\/json\n/s);
    expect(r.stderr).toMatch(/error: the request failed with status 500: Unsupported content type text\/csv: send application\/json\n$/);
    const out = invoke(['--model', dir, '--body', '1,2', '--content-type', 'text/csv', '--python', python, '--json']).json();
    expect(out).toMatchObject({ status: 500, stage: 'request', error: 'the request failed with status 500: Unsupported content type text/csv: send application/json' });
    expect(out.body).toMatch(/^Unsupported content type text\/csv: send application\/json\nTraceback/);
    expect(out.body).toContain(`File "${path.join(dir, 'code', 'inference.py')}"`);
  });

  withPython('transform_fn combined with predict_fn: the container refuses the module at start-up', (python) => {
    const dir = modelDir({ 'code/inference.py': 'def model_fn(d):\n    return 0\n\ndef transform_fn(m, b, c, a):\n    return b\n\ndef predict_fn(d, m):\n    return d\n' });
    const out = invoke(['--model', dir, '--body', '{}', '--python', python, '--json']).json();
    expect(out.stage).toBe('model_fn');
    expect(out.error).toContain('ValueError: Cannot use transform_fn implementation in conjunction with input_fn, predict_fn, and/or output_fn implementation');
  });

  withPython('a handler whose arity fits neither form is a TypeError, answered 500', (python) => {
    const dir = modelDir({ 'code/inference.py': 'def model_fn(d):\n    return 0\n\ndef transform_fn(m, b):\n    return b\n' });
    expect(invoke(['--model', dir, '--body', '{}', '--python', python, '--json']).json().error)
      .toBe('the request failed with status 500: transform_fn takes 2 arguments but 4 were given.');
  });

  withPython('no inference.py: a warning, then the container\'s default handlers (which need torch: said, not crashed)', (python) => {
    const dir = modelDir({ 'code/helpers.py': 'X = 1\n' });
    const out = invoke(['--model', dir, '--body', '{}', '--python', python, '--json']).json();
    expect(out.warnings).toContain("no module 'inference' in code/: the container would serve with its default handlers only");
    if (!TORCH_PYTHON || python !== TORCH_PYTHON) expect(out.error).toMatch(/^\S+ cannot import (torch|numpy), which the SageMaker PyTorch serving container has: this is about the Python on this machine, not your model/);
  });
});

describe('requirements, the code directory and the user\'s files', () => {
  withPython('requirements.txt packages this Python lacks are listed as a warning; nothing is installed', (python) => {
    const dir = modelDir({
      'code/inference.py': 'def model_fn(d):\n    return 0\n\ndef transform_fn(m, b, c, a):\n    return "ok"\n',
      'code/requirements.txt': '# pinned\nnumpy>=1.0\nno-such-package-cdk-pytorch-sagemaker==1.0  # comment\n-r other.txt\n\n',
    });
    const r = invoke(['--model', dir, '--body', '{}', '--python', python]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^warning: code\/requirements.txt names packages \S+ has not installed: no-such-package-cdk-pytorch-sagemaker \(the container pip-installs them at start-up; invoke-local installs nothing\)\n/m);
  });

  withPython('--code replaces code/ in a temporary copy: the model directory and the code directory are left as they were', (python) => {
    const dir = modelDir({ 'weights.json': WEIGHTS, 'code/inference.py': 'raise RuntimeError("the old code")\n', 'code/old_only.py': '' });
    const code = path.join(modelDir({ 'inference.py': ALL_FOUR, '__pycache__/x.pyc': 'junk' }), '');
    const before = [listTree(dir), listTree(code)];
    const tmp = fs.mkdtempSync(path.join(work, 'tmp-'));
    const r = invoke(['--model', dir, '--code', code, '--body', '{"inputs": [1]}', '--python', python], { tmp });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout.toString()).outputs).toEqual([2]);
    expect([listTree(dir), listTree(code)]).toEqual(before);
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  withPython('--code into a model.tar.gz: the archive\'s own code/ is replaced, as the injection does', (python) => {
    const tgz = archive(modelDir({ 'weights.json': WEIGHTS, 'code/inference.py': 'raise RuntimeError("the old code")\n' }));
    const code = modelDir({ 'inference.py': ALL_FOUR });
    const bytes = fs.readFileSync(tgz);
    const out = invoke(['--model', tgz, '--code', code, '--body', '{"inputs": [4]}', '--python', python, '--json']).json();
    expect(JSON.parse(out.body).outputs).toEqual([8]);
    expect(fs.readFileSync(tgz).equals(bytes)).toBe(true);
  });
});

describe('the serving toolkit, when importable, is used itself', () => {
  // The real package (sagemaker-pytorch-inference) comes from PyPI, which this machine cannot reach; a stand-in
  // with its module layout and HandlerService interface shows that the runner finds it, hands it the model
  // directory and the request the way TorchServe does, and reports it. The built-in rules are tested above.
  withPython('a sagemaker_pytorch_serving_container on the path handles the request and is named in the report', (python) => {
    const site = modelDir({
      'sagemaker_pytorch_serving_container/__init__.py': '',
      'sagemaker_pytorch_serving_container/handler_service.py': `
class HandlerService(object):
    def initialize(self, context):
        self.model_dir = context.system_properties["model_dir"]

    def handle(self, data, context):
        headers = context.request_processor[0].get_request_properties()
        context.set_response_content_type(0, "application/x-stand-in")
        return [b"stand-in saw " + data[0]["body"] + b" as " + headers["Content-Type"].encode()]
`,
    });
    const dir = modelDir({ 'code/inference.py': 'def model_fn(d):\n    raise RuntimeError("the toolkit stand-in does not call it")\n' });
    const out = invoke(['--model', dir, '--body', '{"x": 1}', '--python', python, '--json'], { env: { PYTHONPATH: site } }).json();
    expect(out).toMatchObject({ status: 200, contentType: 'application/x-stand-in', toolkit: 'sagemaker-pytorch-inference', body: 'stand-in saw {"x": 1} as application/json' });
  });
});

describe('with torch: the container\'s default handlers and TorchScript models', () => {
  let scripted: string;
  /** A TorchScript Linear(2 -> 1) with weights [1, 2] and bias 0.5: [a, b] -> a + 2b + 0.5. */
  const makeModel = (python: string) => {
    if (scripted) return scripted;
    scripted = path.join(work, 'scripted');
    fs.mkdirSync(scripted, { recursive: true });
    execFileSync(python, ['-c', `
import torch
m = torch.nn.Linear(2, 1)
with torch.no_grad():
    m.weight.copy_(torch.tensor([[1.0, 2.0]]))
    m.bias.fill_(0.5)
torch.jit.script(m).save("${path.join(scripted, 'model.pt')}")
`]);
    return scripted;
  };

  withTorch('only model_fn in inference.py: default input_fn (JSON -> tensor), predict_fn and output_fn (JSON)', (python) => {
    const model = makeModel(python);
    const code = modelDir({ 'inference.py': 'import os, torch\n\ndef model_fn(model_dir):\n    return torch.jit.load(os.path.join(model_dir, "model.pt"))\n' });
    const out = invoke(['--model', model, '--code', code, '--body', '[[1, 2], [0, 0]]', '--python', python, '--json']).json();
    expect([out.status, out.contentType]).toEqual([200, 'application/json']);
    expect(JSON.parse(out.body)).toEqual([[5.5], [0.5]]);
  }, 60_000);

  withTorch('default model_fn (model.pt as TorchScript), NPY in, CSV and NPY out by Accept', (python) => {
    const model = makeModel(python);
    const code = modelDir({ 'inference.py': '# no handlers: every one is the container\'s default\nX = 1\n' });
    const npy = path.join(work, 'x.npy');
    execFileSync(python, ['-c', `import numpy; numpy.save("${npy}", numpy.array([[1, 1], [2, 0]], dtype=numpy.float32))`]);
    const csv = invoke(['--model', model, '--code', code, '--body-file', npy, '--content-type', 'application/x-npy', '--accept', 'text/csv', '--python', python, '--json']).json();
    expect([csv.status, csv.contentType, csv.body]).toEqual([200, 'text/csv', '3.5\n2.5\n']);
    const asNpy = invoke(['--model', model, '--code', code, '--body-file', npy, '--content-type', 'application/x-npy', '--accept', 'application/x-npy', '--python', python, '--json']).json();
    expect([asNpy.contentType, asNpy.bodyEncoding]).toEqual(['application/x-npy', 'base64']);
    expect(Buffer.from(asNpy.body, 'base64').subarray(0, 6).toString('latin1')).toBe('\x93NUMPY');
  }, 60_000);

  withTorch('an Accept the default output_fn cannot encode: 500 with the toolkit\'s UnsupportedFormatError message', (python) => {
    const model = makeModel(python);
    const code = modelDir({ 'inference.py': 'X = 1\n' });
    const out = invoke(['--model', model, '--code', code, '--body', '[[1, 2]]', '--accept', 'image/png', '--python', python, '--json']).json();
    expect(out.status).toBe(500);
    expect(out.body).toMatch(/^Content type image\/png is not supported by this framework\./);
  }, 60_000);

  withTorch('the example\'s trained model: train.py writes model.pt, invoke-local serves it with examples/train-and-serve/serving', (python) => {
    const modelDirectory = path.join(work, 'example-model');
    execFileSync(python, [path.join(root, 'examples', 'train-and-serve', 'training', 'train.py')], {
      env: { ...process.env, SM_HPS: '{"epochs": 2}', SM_MODEL_DIR: modelDirectory },
      stdio: 'ignore',
    });
    const serving = path.join(root, 'examples', 'train-and-serve', 'serving');
    const body = JSON.stringify({ inputs: [Array(16).fill(0.5), Array(16).fill(-1)] });
    const fromDirectory = invoke(['--model', modelDirectory, '--code', serving, '--body', body, '--python', python]);
    expect(fromDirectory.code).toBe(0);
    const outputs = JSON.parse(fromDirectory.stdout.toString()).outputs;
    expect(outputs).toHaveLength(2);
    // The same model as the training job's model.tar.gz gives the same answer.
    const tgz = archive(modelDirectory);
    const fromArchive = invoke(['--model', tgz, '--code', serving, '--body', body, '--python', python, '--json']).json();
    expect(JSON.parse(fromArchive.body).outputs).toEqual(outputs);
  }, 120_000);
});
