/**
 * `invoke-local`: one request against a model, in the user's Python, with the request semantics of the SageMaker
 * PyTorch serving container (the rules, and the toolkit sources they follow, are in invoke_local.py beside this
 * file, which ships in assets/cli/ with the bundle). No Docker, no image pull: seconds instead of a deploy.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readCodeOption } from './code-dir';
import { Command, ParsedOptions, PROGRAM, usageHint } from './command';
import { CliError, UsageError } from './errors';
import { removeOnInterrupt, stopOnInterrupt } from './interrupts';
import { prepareLocalModel } from './local-model';
import { requireDirectory, requireFile } from './paths';
import { choosePython, ChosenPython, describeProbe, missingModuleError, noTorchWarning } from './python-choice';

/** The runner's file name; scripts/bundle.mjs copies it next to the bundle (assets/cli/). */
const RUNNER = 'invoke_local.py';

/** What the runner reports (invoke_local.py, `result`). */
interface RunnerResult {
  readonly status: number | null;
  readonly contentType: string | null;
  readonly toolkit: string;
  readonly modelLoadMs: number | null;
  readonly invokeMs: number | null;
  readonly warnings: string[];
  readonly error: string | null;
  readonly traceback: string | null;
  readonly stage: 'model_fn' | 'request' | null;
  /** `torch` or `numpy` when the failure is this Python lacking a module the serving container has. */
  readonly missingModule: string | null;
}

/** The outcome of one local invocation. */
export interface InvokeLocalReport extends RunnerResult {
  readonly body: Buffer;
}

export interface InvokeLocalArgs {
  readonly model: string;
  readonly code?: string;
  /** The request's Content-Type; undefined sends none. */
  readonly contentType?: string;
  /** The request's Accept; undefined sends none (the container then uses its default accept). */
  readonly accept?: string;
  readonly body: Buffer;
  readonly python: string;
  /** Called once the model is prepared, just before Python starts (e.g. to say which Python runs). */
  readonly beforeRun?: () => void;
}

/** The runner script: beside this module, in the bundle (assets/cli) as in the sources (lib/cli). */
export function runnerPath(): string {
  const runner = path.join(__dirname, RUNNER);
  if (!fs.existsSync(runner)) {
    throw new CliError(`the Python runner ${runner} is missing from the installation: reinstall cdk-pytorch-sagemaker.`, 'RUNNER_MISSING');
  }
  return runner;
}

/** Runs the runner with `python`, its stdout and stderr (the user's prints and logs) on this process's stderr. */
function runPython(python: string, args: string[]): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, args, {
      stdio: ['ignore', 2, 2],
      // No __pycache__ in the user's code directory; prints appear as they happen, as in the container's log.
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' },
      // Its own process group: when the CLI is interrupted, SIGTERM (then SIGKILL) reaches Python and whatever
      // model_fn started (DataLoader workers, subprocesses), and nothing of it outlives the CLI.
      detached: true,
    });
    stopOnInterrupt(child, 'Python');
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'ENOENT'
        ? new CliError(`--python ${python} was not found: install Python 3, or give the path of one with --python.`, 'PYTHON_NOT_FOUND')
        : new CliError(`--python ${python} cannot be run (${error.code ?? error.message}): give the path of a Python 3 executable.`, 'PYTHON_NOT_RUNNABLE'));
    });
    child.once('exit', (code, signal) => resolve(signal ? null : code));
  });
}

/** Prepares the model, runs one request through the runner and returns what it reports. */
export async function invokeLocal(args: InvokeLocalArgs): Promise<InvokeLocalReport> {
  const runner = runnerPath();
  const code = args.code === undefined ? undefined : readCodeOption(args.code);
  const model = await prepareLocalModel(args.model, code);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-pytorch-sagemaker-request-'));
  const forget = removeOnInterrupt(work);
  try {
    const file = (name: string) => path.join(work, name);
    fs.writeFileSync(file('body'), args.body);
    fs.writeFileSync(file('request.json'), JSON.stringify({
      modelDir: model.directory,
      bodyFile: file('body'),
      contentType: args.contentType ?? null,
      accept: args.accept ?? null,
      responseFile: file('response'),
      resultFile: file('result.json'),
    }));
    args.beforeRun?.();
    const exitCode = await runPython(args.python, [runner, file('request.json')]);
    if (!fs.existsSync(file('result.json'))) {
      throw new CliError(`${args.python} ended (exit code ${exitCode}) without an answer: it must be Python 3.8 or newer; see its output above.`, 'PYTHON_FAILED');
    }
    const result = JSON.parse(fs.readFileSync(file('result.json'), 'utf8')) as RunnerResult;
    // Tracebacks name the files Python ran: say where they come from, not the temporary copy.
    const shown = (text: string | null) => text && userPaths(text, model.directory, args);
    const body = fs.readFileSync(file('response'));
    // A failed request's body is the container's error text (message and trace): the same paths, shown the same way.
    const shownBody = result.status === 200 ? body : Buffer.from(userPaths(body.toString('utf8'), model.directory, args), 'utf8');
    return { ...result, error: shown(result.error), traceback: shown(result.traceback), body: shownBody };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
    forget();
    model.dispose();
  }
}

/** `text` with the temporary model directory replaced by what the user gave: the --code directory, or the model. */
function userPaths(text: string, modelDirectory: string, args: InvokeLocalArgs): string {
  let shown = text;
  if (args.code !== undefined) shown = shown.split(`${modelDirectory}${path.sep}code${path.sep}`).join(`${path.resolve(args.code)}${path.sep}`);
  // An archive's files are shown as inside it: model.tar.gz!/code/inference.py.
  const model = path.resolve(args.model);
  const shownModel = fs.statSync(model).isDirectory() ? model : `${model}!`;
  return shown.split(`${modelDirectory}${path.sep}`).join(`${shownModel}${path.sep}`).split(modelDirectory).join(shownModel);
}

/** The body as text when it is valid UTF-8, else base64. */
function encodeBody(body: Buffer): { body: string; bodyEncoding: 'utf8' | 'base64' } {
  const text = body.toString('utf8');
  return Buffer.from(text, 'utf8').equals(body) ? { body: text, bodyEncoding: 'utf8' } : { body: body.toString('base64'), bodyEncoding: 'base64' };
}

/**
 * The failure as the CLI's error: exit code 1, with the stage in the code. A missing torch (or numpy) is this
 * machine's Python, not the model: the container has them, so it says that and how to give another Python.
 */
function failure(report: InvokeLocalReport, python: ChosenPython): CliError {
  if (report.missingModule) return missingModuleError(python, report.missingModule);
  return new CliError(report.error ?? 'the handler failed', report.stage === 'model_fn' ? 'MODEL_LOAD_FAILED' : 'REQUEST_FAILED');
}

/** Whether stdout and stderr write to the same place (one terminal, `2>&1`, one file): then their lines interleave. */
function sharedOutput(): boolean {
  try {
    const out = fs.fstatSync(1);
    const err = fs.fstatSync(2);
    return out.dev === err.dev && out.ino === err.ino;
  } catch {
    return false;
  }
}

/** The summary line: status, sizes, times, handlers and the Python that ran them. */
function summary(report: InvokeLocalReport, python: ChosenPython): string {
  const handlers = report.toolkit === 'built-in' ? 'built-in equivalent of the serving toolkit' : report.toolkit;
  return `invoke-local: ${report.status} ${report.contentType ?? '(no content type)'}, ${report.body.length} bytes; ` +
    `model_fn ${report.modelLoadMs} ms, request ${report.invokeMs} ms; handlers: ${handlers}; python: ${python.probe.executable}${python.probe.hasTorch ? ` (torch ${python.probe.torchVersion ?? 'found'})` : ' (no torch)'}\n`;
}

export const INVOKE_LOCAL: Command = {
  name: 'invoke-local',
  summary: 'Run inference.py on a model in this machine\'s Python, the way the SageMaker PyTorch serving container does: no Docker, no deploy.',
  options: [
    { name: 'model', type: 'string', placeholder: 'PATH', required: true, description: 'A model.tar.gz, or the model directory as the container sees it (weights at the root, code/inference.py).' },
    { name: 'code', type: 'string', placeholder: 'DIR', description: 'A code directory to place under code/ first, as the injection would (in a temporary copy: your files are never touched).' },
    { name: 'content-type', type: 'string', placeholder: 'T', description: 'The request\'s Content-Type.', defaultValue: 'application/json' },
    { name: 'accept', type: 'string', placeholder: 'A', description: 'The request\'s Accept (none or */* means the container\'s default, SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT or application/json).' },
    { name: 'body', type: 'string', placeholder: 'TEXT', description: 'The request body (give this or --body-file).' },
    { name: 'body-file', type: 'string', placeholder: 'FILE', description: 'A file holding the request body, sent as its bytes.' },
    { name: 'python', type: 'string', placeholder: 'PATH', description: 'The Python to run the model in: it needs what inference.py imports (torch, ...). Default: the first of .venv/bin/python3, python3, python, /usr/local/bin/python3, /usr/bin/python3 that has torch.' },
  ],
  details: `
The module named by SAGEMAKER_PROGRAM (default inference.py) is imported from code/; model_fn runs once, then
input_fn -> predict_fn -> output_fn (or transform_fn), each with or without the trailing context argument by its
arity; application/json and text/csv bodies arrive as str, others as bytes; a (body, content_type) tuple sets the
response's type; omitted functions use the container's defaults (JSON/CSV/NPY with torch). When the serving toolkit
(sagemaker_pytorch_serving_container) is importable in that Python it is used itself, otherwise a built-in
equivalent that follows its sources rule by rule. Packages named in code/requirements.txt that the Python lacks are
listed as a warning (nothing is installed).

The Python: --python, else the first of .venv/bin/python3 (in the working directory), python3 and python on the
PATH, /usr/local/bin/python3 and /usr/bin/python3 that can import torch (the serving container has torch). The
summary names the one used; when none has torch, the first Python 3.8+ runs with a warning, and a model that
imports torch fails with a message saying so (not as if the endpoint would fail).

The response body goes to stdout, byte for byte; your code's prints, warnings and a summary go to stderr, the
summary on a line of its own (when stdout and stderr share a terminal or a file, a newline is added before it
if the body does not end with one).
--json prints {"status", "contentType", "body", "bodyEncoding": "utf8"|"base64", "toolkit", "modelLoadMs",
"invokeMs", "warnings", "python"} (with "error" and "traceback" when a handler failed).

examples:
  ${PROGRAM} invoke-local --model model.tar.gz --code serving --body '{"inputs": [[0.5, 1.5]]}'
  ${PROGRAM} invoke-local --model build/model --content-type application/x-npy --body-file x.npy --accept application/json --json

exit codes: 0 the request succeeded (status 200), 1 the model did not load or the request failed (the Python
traceback is shown), 2 bad usage, 128+N interrupted by signal N (130 SIGINT, 143 SIGTERM, 129 SIGHUP, 131 SIGQUIT,
...): Python is stopped (SIGTERM, then SIGKILL after 2.5 s) and the extracted model removed first.`,
  validate(options: ParsedOptions): void {
    const given = ['body', 'body-file'].filter((name) => options.strings[name] !== undefined);
    if (given.length !== 1) {
      throw new UsageError(`give the request body with exactly one of --body TEXT and --body-file FILE (${usageHint(INVOKE_LOCAL)})`);
    }
  },
  async run(options: ParsedOptions, json: boolean): Promise<number> {
    const model = options.strings.model!;
    if (!fs.existsSync(model)) throw new CliError(`--model ${model} does not exist: give a model.tar.gz or the model directory.`, 'NOT_FOUND');
    const bodyFile = options.strings['body-file'];
    if (bodyFile !== undefined) requireFile('--body-file', bodyFile, 'a file holding the request body');
    if (options.strings.code !== undefined) requireDirectory('--code', options.strings.code, 'the directory that holds inference.py');
    const python = await choosePython(options.strings.python);
    const pythonWarning = noTorchWarning(python);
    const report = await invokeLocal({
      model,
      code: options.strings.code,
      contentType: options.strings['content-type'],
      accept: options.strings.accept,
      body: bodyFile !== undefined ? fs.readFileSync(bodyFile) : Buffer.from(options.strings.body!, 'utf8'),
      python: python.probe.executable!,
      // Said when Python starts: after any refusal of the model, before the model's own output.
      beforeRun: () => {
        const passedOver = python.tried.filter((p) => p.usable && !p.hasTorch && p !== python.probe);
        if (!json && python.probe.hasTorch && passedOver.length > 0) {
          process.stderr.write(`invoke-local: ${passedOver.map(describeProbe).join('; ')}: running in ${python.probe.executable}, the first candidate with torch (--python picks another)\n`);
        }
      },
    });
    const failed = report.status !== 200;
    // When the run failed for want of torch, the error says it all; otherwise a Python without torch is worth a warning.
    const warnings = [...(pythonWarning && !report.missingModule ? [pythonWarning] : []), ...report.warnings];
    if (json) {
      const { body, traceback, error, stage, missingModule, ...rest } = report;
      const failedWith = failed ? { error: missingModule ? failure(report, python).message : error, stage, traceback } : {};
      process.stdout.write(`${JSON.stringify({ ...rest, warnings, python: python.probe.executable, ...encodeBody(body), ...failedWith })}\n`);
      return failed ? 1 : 0;
    }
    for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
    if (failed) {
      // A missing torch is about this machine: its traceback (the user's import line) would only distract.
      if (report.traceback && !report.missingModule) process.stderr.write(report.traceback.endsWith('\n') ? report.traceback : `${report.traceback}\n`);
      throw failure(report, python);
    }
    process.stdout.write(report.body);
    const endsLine = report.body.length === 0 || report.body[report.body.length - 1] === 0x0a;
    // The body stays byte for byte on stdout unless it goes to a terminal; when both streams share one place, the
    // summary starts a line of its own (on stderr, so a redirected stdout never gets a byte that was not sent).
    if (!endsLine && process.stdout.isTTY) process.stdout.write('\n');
    else if (!endsLine && sharedOutput()) process.stderr.write('\n');
    process.stderr.write(summary(report, python));
    return 0;
  },
};
