/**
 * Runs `inject-code` through the bundled CLI (assets/cli/main.js, what users run) and classifies what it did:
 * a success (its JSON report, the output file), a refusal (its one-line error and code) or anything else, with what
 * it left in the output directory.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export const CLI_BUNDLE = path.join(__dirname, '..', '..', '..', 'assets', 'cli', 'main.js');
const USAGE_REPORTER = path.join(__dirname, '..', '..', '..', 'scripts', 'report-usage.js');

export interface InjectReport {
  readonly strategy: string;
  readonly reason: string;
  readonly bytesRead: number;
  readonly bytesInflated: number;
  readonly bytesDeflated: number;
  readonly bytesCopied: number;
  readonly bytesWritten: number;
  readonly entries: string[];
  readonly seconds: number;
}

export interface CliOutcome {
  /** exit status, or the signal that ended it, or 'timeout'. */
  readonly exit: number | string;
  readonly stdout: string;
  readonly stderr: string;
  /** The JSON report of a success (with --json). */
  readonly report?: InjectReport;
  /** The JSON error of a refusal (with --json). */
  readonly error?: { readonly error: string; readonly code: string };
  /** The output file, when it exists. */
  readonly output?: string;
  /** Files in the output directory other than the output. */
  readonly leftovers: string[];
  /** Peak resident memory of the CLI process, bytes. */
  readonly maxRss?: number;
  readonly ms: number;
}

export interface CliRunOptions {
  readonly json?: boolean;
  readonly timeoutMs?: number;
  readonly extraArgs?: readonly string[];
}

/** Runs `inject-code --artifact ARTIFACT --code CODE --out OUT_DIR/out.tar.gz --strategy STRATEGY`. */
export function runInjectCode(artifact: string, codeDir: string, outDir: string, strategy: string, options: CliRunOptions = {}): CliOutcome {
  fs.mkdirSync(outDir, { recursive: true });
  const out = path.join(outDir, 'out.tar.gz');
  const usageFile = path.join(path.dirname(outDir), `.${path.basename(outDir)}.usage`);
  const json = options.json ?? true;
  const args = [
    '-r', USAGE_REPORTER, CLI_BUNDLE, 'inject-code', '--artifact', artifact, '--code', codeDir, '--out', out, '--strategy', strategy,
    ...(json ? ['--json'] : []), ...(options.extraArgs ?? []),
  ];
  const started = Date.now();
  const r = spawnSync(process.execPath, args, {
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 120_000,
    env: { ...process.env, REPORT_USAGE_FILE: usageFile },
    maxBuffer: 16 * 1024 * 1024,
  });
  const ms = Date.now() - started;
  let maxRss: number | undefined;
  if (fs.existsSync(usageFile)) {
    maxRss = (JSON.parse(fs.readFileSync(usageFile, 'utf8')) as { maxRss: number }).maxRss;
    fs.rmSync(usageFile);
  }
  const timedOut = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
  const exit = timedOut ? 'timeout' : r.status ?? r.signal ?? 'unknown';
  const entries = fs.readdirSync(outDir);
  const outcome = {
    exit,
    stdout: r.stdout ?? '',
    stderr: r.stderr ?? '',
    output: entries.includes('out.tar.gz') ? out : undefined,
    leftovers: entries.filter((e) => e !== 'out.tar.gz'),
    maxRss,
    ms,
  };
  if (json && exit === 0) return { ...outcome, report: parseJson(outcome.stdout) as InjectReport | undefined };
  if (json && exit !== 0) return { ...outcome, error: parseJson(outcome.stdout) as CliOutcome['error'] };
  return outcome;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * What is wrong with a refusal: it must exit 1 with one JSON object (`error` one line, `code` a name) on stdout and
 * nothing on stderr with --json (one `error: ...` line on stderr without it), and leave nothing in the output
 * directory. Undefined when it is clean.
 */
export function refusalProblem(outcome: CliOutcome, json = true): string | undefined {
  if (outcome.exit !== 1) return `exit ${outcome.exit} (expected 1); stderr ${JSON.stringify(outcome.stderr.slice(0, 500))}`;
  if (outcome.output || outcome.leftovers.length > 0) return `left ${[outcome.output, ...outcome.leftovers].filter(Boolean).join(', ')} behind`;
  if (json) {
    if (outcome.stderr !== '') return `stderr is not empty with --json: ${JSON.stringify(outcome.stderr.slice(0, 500))}`;
    if (!outcome.error || typeof outcome.error.error !== 'string' || !/^[A-Z_]+$/.test(outcome.error.code ?? '')) return `not one JSON error object: ${JSON.stringify(outcome.stdout.slice(0, 500))}`;
    if (outcome.stdout.trim().includes('\n') || outcome.error.error.includes('\n')) return `more than one line: ${JSON.stringify(outcome.stdout)}`;
    return undefined;
  }
  if (outcome.stdout !== '') return `stdout is not empty: ${JSON.stringify(outcome.stdout.slice(0, 500))}`;
  if (!/^error: \S[^\n]*\n$/.test(outcome.stderr)) return `stderr is not one "error: ..." line: ${JSON.stringify(outcome.stderr.slice(0, 500))}`;
  return undefined;
}
