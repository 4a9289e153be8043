/**
 * What the CLI cleans up when a signal ends it: on every catchable signal whose default action terminates the process
 * (SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGPIPE, SIGUSR2, SIGALRM, SIGVTALRM, SIGXCPU, SIGXFSZ), the child processes
 * are stopped (SIGTERM to their process group, SIGKILL after a grace of {@link CHILD_GRACE_MS}, so a `model_fn` that
 * ignores SIGTERM cannot outlive the CLI), then the registered temporary paths are removed, and the process exits
 * with 128 + the signal's number (130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP, 131 for SIGQUIT), as a shell
 * reports a process the signal ended. A second signal during that cleanup skips the rest of the grace (SIGKILL at
 * once).
 *
 * Not handled: SIGKILL and SIGSTOP (they cannot be caught), SIGUSR1 (Node.js reserves it for its debugger), and the
 * signals of faults (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT), after which no JavaScript can run safely.
 */
import { ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';

/** The catchable signals whose default action ends the process, on this platform. */
export const TERMINATING_SIGNALS: readonly NodeJS.Signals[] = process.platform === 'win32'
  ? ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK']
  : ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGPIPE', 'SIGUSR2', 'SIGALRM', 'SIGVTALRM', 'SIGXCPU', 'SIGXFSZ'];

/** How long a child gets to end after SIGTERM before it is killed. */
export const CHILD_GRACE_MS = 2_500;
/** How long the CLI waits for a killed child to be reaped (SIGKILL cannot be refused; this only bounds the wait). */
const KILL_WAIT_MS = 2_000;

const paths = new Set<string>();
const children = new Map<ChildProcess, { readonly what: string; readonly exited: Promise<void> }>();
let installed = false;
let interruption: NodeJS.Signals | undefined;

/** The exit code of a process ended by `signal`: 128 + its number. */
export function exitCodeOf(signal: NodeJS.Signals): number {
  return 128 + (os.constants.signals[signal] ?? 0);
}

/** The signal the CLI is being ended by, once one has arrived: the command's own outcome no longer matters. */
export function interruptedBy(): NodeJS.Signals | undefined {
  return interruption;
}

/** Removes `path` (a file or a directory tree) if the CLI is interrupted; call the result once it is no longer temporary. */
export function removeOnInterrupt(path: string): () => void {
  paths.add(path);
  return () => { paths.delete(path); };
}

/**
 * Stops `child` if the CLI is interrupted; forgotten once it exits. `child` should be the leader of its own process
 * group (spawned with `detached: true`): the signals then reach what it started too.
 *
 * @param what how to name it in the message, e.g. 'Python'
 */
export function stopOnInterrupt(child: ChildProcess, what: string): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  children.set(child, { what, exited });
  void exited.then(() => children.delete(child));
}

/** Installs the handlers of {@link TERMINATING_SIGNALS} (once per process). */
export function installInterruptHandlers(): void {
  if (installed) return;
  installed = true;
  for (const signal of TERMINATING_SIGNALS) {
    try {
      process.on(signal, () => onSignal(signal));
    } catch {
      // A signal this platform's Node.js cannot watch: its default action stays.
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  if (interruption !== undefined) {
    // A second signal: no more grace.
    for (const child of children.keys()) signalChild(child, 'SIGKILL');
    return;
  }
  interruption = signal;
  void stopChildren().then((notes) => {
    for (const path of paths) fs.rmSync(path, { recursive: true, force: true });
    process.stderr.write(`interrupted (${signal}): ${[...notes, 'temporary outputs removed'].join('; ')}\n`);
    process.exit(exitCodeOf(signal));
  });
}

/** SIGTERM to every child, SIGKILL to those still running after the grace; resolves once all have exited. */
async function stopChildren(): Promise<string[]> {
  const running = [...children.entries()];
  const notes: string[] = [];
  await Promise.all(running.map(async ([child, { what, exited }]) => {
    signalChild(child, 'SIGTERM');
    if (await within(exited, CHILD_GRACE_MS)) {
      notes.push(`${what} (pid ${child.pid}) stopped`);
      return;
    }
    signalChild(child, 'SIGKILL');
    const killed = await within(exited, KILL_WAIT_MS);
    notes.push(`${what} (pid ${child.pid}) ignored SIGTERM for ${CHILD_GRACE_MS / 1000} s and was ${killed ? 'killed' : 'sent SIGKILL'}`);
  }));
  return notes;
}

/** Whether `promise` settles within `ms`. */
async function within(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([promise.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)))]);
  clearTimeout(timer);
  return settled;
}

/** Sends `signal` to the child's process group (what it started included), or to the child alone if that fails. */
function signalChild(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    if (process.platform !== 'win32') {
      process.kill(-child.pid, signal);
      return;
    }
  } catch {
    // Not a group leader, or the group is gone: the child alone.
  }
  try {
    child.kill(signal);
  } catch {
    // Already gone.
  }
}
