// The synth-time syntax check of the inference module: a syntax error in inference.py otherwise shows up only after a
// deploy, when the serving container fails to import it and never passes its health check. Every file registered
// in an app is compiled (never run) by one Python start at synth, found as `python3` or `python` on the PATH; where
// there is none, one warning names what was not checked. Internal: not exported from lib/index.ts.
import { spawnSync } from 'child_process';
import * as crypto from 'crypto';
import { Annotations } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';

/**
 * The context key that turns the check off (`cdk.json` `"context": { "cdk-pytorch-sagemaker:pythonSyntaxCheck":
 * false }`, or `-c cdk-pytorch-sagemaker:pythonSyntaxCheck=false`): no Python is started and nothing is said.
 */
export const SYNTAX_CHECK_CONTEXT = 'cdk-pytorch-sagemaker:pythonSyntaxCheck';

/** The acknowledgeable id of the warning given when no Python could check the syntax. */
export const SYNTAX_NOT_CHECKED_WARNING = 'cdk-pytorch-sagemaker:pythonSyntaxNotChecked';

/** A Python source to check: how to name it in messages, and its bytes. */
export interface PythonSource {
  readonly label: string;
  readonly data: Buffer;
}

/** What Python's compile() said of one source: undefined when it compiles. */
type Outcome = { readonly line?: number; readonly message: string; readonly text?: string } | undefined;

/** The interpreters asked, in order, on the PATH. */
const PYTHONS = ['python3', 'python'];

/** compile() each source given on stdin (base64), without running anything; report the first error of each. */
const CHECKER = `
import base64, json, sys
out = []
for source in json.load(sys.stdin):
    try:
        compile(base64.b64decode(source), "<source>", "exec", dont_inherit=True)
        out.append(None)
    except SyntaxError as e:
        out.append({"line": e.lineno, "message": e.msg, "text": (e.text or "").strip()})
    except ValueError as e:
        out.append({"message": str(e)})
print(json.dumps({"version": "%d.%d.%d" % tuple(sys.version_info[:3]), "results": out}))
`;

/** Outcomes by content hash, for the whole process: an unchanged file is compiled once however many apps bind it. */
const outcomes = new Map<string, Outcome>();
/** The Python that checked, e.g. `python3 3.11.7`, for the messages. */
let checkedWith: string | undefined;

function hash(data: Buffer): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

/** Compiles the sources not checked yet with one Python start; false when no Python could run. */
function compileAll(sources: readonly PythonSource[]): boolean {
  const pending = new Map<string, Buffer>();
  for (const source of sources) {
    const key = hash(source.data);
    if (!outcomes.has(key)) pending.set(key, source.data);
  }
  if (pending.size === 0) return true;
  const input = JSON.stringify([...pending.values()].map((data) => data.toString('base64')));
  for (const python of PYTHONS) {
    // The PATH of process.env as it is now (passed explicitly: a host that swaps process.env, as jest does, is obeyed).
    const r = spawnSync(python, ['-c', CHECKER], { input, encoding: 'utf8', timeout: 60_000, maxBuffer: 16 * 1024 * 1024, env: process.env });
    if (r.error || r.status !== 0) continue;
    try {
      const parsed = JSON.parse(r.stdout) as { version: string; results: Outcome[] };
      [...pending.keys()].forEach((key, i) => outcomes.set(key, parsed.results[i] ?? undefined));
      checkedWith = `${python} ${parsed.version}`;
      return true;
    } catch {
      continue;
    }
  }
  return false;
}

/** The sources of one app, and whether the "not checked" warning was given. */
interface AppChecks {
  readonly sources: PythonSource[];
  warned: boolean;
}

const apps = new WeakMap<IConstruct, AppChecks>();

/**
 * Checks the syntax of `sources` when the app synthesizes, together with every other source registered in the
 * app (one Python start); a syntax error fails the synth on `scope` with the file, the line and Python's message.
 */
export function checkPythonSyntaxAtSynth(scope: Construct, sources: PythonSource[]): void {
  const enabled = scope.node.tryGetContext(SYNTAX_CHECK_CONTEXT);
  if (enabled === false || enabled === 'false') return;
  const root = scope.node.root;
  let app = apps.get(root);
  if (!app) {
    app = { sources: [], warned: false };
    apps.set(root, app);
  }
  const checks = app;
  checks.sources.push(...sources);
  scope.node.addValidation({
    validate: () => {
      if (!compileAll(checks.sources)) {
        if (!checks.warned) {
          checks.warned = true;
          const labels = [...new Set(checks.sources.map((s) => s.label))];
          Annotations.of(scope).addWarningV2(SYNTAX_NOT_CHECKED_WARNING,
            `No Python (${PYTHONS.join(' or ')}) was found on the PATH, so the syntax of ${labels.join(', ')} was not checked at synth: ` +
            'a syntax error would show only after the deploy, when the serving container fails to import it. Install Python 3 ' +
            "to have it checked (or run 'cdk-pytorch-sagemaker invoke-local' before deploying).");
        }
        return [];
      }
      return sources.flatMap((source) => {
        const outcome = outcomes.get(hash(source.data));
        if (!outcome) return [];
        const where = outcome.line ? `${source.label}, line ${outcome.line}` : source.label;
        const text = outcome.text ? ` (${JSON.stringify(outcome.text.slice(0, 120))})` : '';
        return [`${where}: ${outcome.message}${text}: the serving container could not import it and would never pass its health ` +
          `check. Fix the syntax, then synth again (checked with ${checkedWith} at synth).`];
      });
    },
  });
}
