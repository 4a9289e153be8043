/**
 * Checks of the paths a user gives, before any work: each failure names the option and the path and says what to
 * give instead, so no ENOENT, EISDIR or temporary file name ever reaches the user.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CliError } from './errors';

function statOrUndefined(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch {
    return undefined;
  }
}

/** `file` must be an existing regular file; `expected` is what the option takes, e.g. 'the path of a model.tar.gz file'. */
export function requireFile(role: string, file: string, expected: string): void {
  const stat = statOrUndefined(file);
  if (!stat) throw new CliError(`${role} ${file} does not exist: give ${expected}.`, 'NOT_FOUND');
  if (stat.isDirectory()) throw new CliError(`${role} ${file} is a directory: give ${expected}.`, 'IS_A_DIRECTORY');
  if (!stat.isFile()) throw new CliError(`${role} ${file} is not a regular file: give ${expected}.`, 'NOT_A_FILE');
}

/** `dir` must be an existing directory. */
export function requireDirectory(role: string, dir: string, expected: string): void {
  const stat = statOrUndefined(dir);
  if (!stat) throw new CliError(`${role} ${dir} does not exist: give ${expected}.`, 'NOT_FOUND');
  if (!stat.isDirectory()) throw new CliError(`${role} ${dir} is not a directory: give ${expected}.`, 'NOT_A_DIRECTORY');
}

/** The folder `out` goes into must exist, and `out` must not be a directory. */
export function requireOutputFolder(role: string, out: string): void {
  const folder = path.dirname(path.resolve(out));
  const stat = statOrUndefined(folder);
  if (!stat || !stat.isDirectory()) {
    throw new CliError(`the folder of ${role} ${out} (${folder}) does not exist: create it first, or write elsewhere.`, 'NO_OUTPUT_FOLDER');
  }
  if (statOrUndefined(out)?.isDirectory()) {
    throw new CliError(`${role} ${out} is a directory: give the path of the file to write.`, 'IS_A_DIRECTORY');
  }
}
