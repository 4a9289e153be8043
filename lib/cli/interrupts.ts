/**
 * Temporary outputs and child processes to clean up when the CLI is interrupted: on SIGINT (Ctrl-C) or SIGTERM the
 * registered paths are removed and the children stopped before the process exits with 128 + the signal number
 * (130, 143), so an interrupted run leaves no hidden `.tmp` file or extracted model behind.
 */
import { ChildProcess } from 'child_process';
import * as fs from 'fs';

const paths = new Set<string>();
const children = new Set<ChildProcess>();
const EXIT_CODES: { readonly [signal: string]: number } = { SIGINT: 130, SIGTERM: 143 };
let installed = false;

/** Removes `path` (a file or a directory tree) if the CLI is interrupted; call the result once it is no longer temporary. */
export function removeOnInterrupt(path: string): () => void {
  paths.add(path);
  return () => { paths.delete(path); };
}

/** Stops `child` (SIGTERM) if the CLI is interrupted; forgotten once it exits. */
export function stopOnInterrupt(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
}

/** Installs the SIGINT and SIGTERM handlers (once per process). */
export function installInterruptHandlers(): void {
  if (installed) return;
  installed = true;
  for (const signal of Object.keys(EXIT_CODES)) {
    process.on(signal, () => {
      for (const child of children) child.kill('SIGTERM');
      for (const path of paths) fs.rmSync(path, { recursive: true, force: true });
      process.stderr.write(`interrupted (${signal}): temporary outputs removed\n`);
      process.exit(EXIT_CODES[signal]);
    });
  }
}
