/**
 * Checks of the paths a user gives, before any work: each failure names the option and the path and says what to
 * give instead, so no ENOENT, EISDIR or temporary file name ever reaches the user.
 *
 * Files are compared by identity (device and inode, after following links), never by their path strings: a path
 * through a symbolic link to a folder, a hard link or a `..` detour names the same file as another spelling.
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

function lstatOrUndefined(file: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(file);
  } catch {
    return undefined;
  }
}

/** Whether two stats are the same file: the same inode on the same device. */
export function sameFile(a: fs.Stats | undefined, b: fs.Stats | undefined): boolean {
  return a !== undefined && b !== undefined && a.dev === b.dev && a.ino === b.ino;
}

/** What a non-regular file is, in words: 'a directory', 'a FIFO (named pipe)', ... */
export function fileKind(stat: fs.Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO (named pipe)';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSocket()) return 'a socket';
  if (stat.isSymbolicLink()) return 'a symbolic link';
  return stat.isFile() ? 'a regular file' : 'not a regular file';
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

/** The files an output must never be or land in. */
export interface ProtectedInputs {
  /** The input file (`--artifact`): the output must not be this file by any path. */
  readonly file: { readonly role: string; readonly path: string };
  /** An input directory (`--code`): the output must not be written inside it. */
  readonly directory?: { readonly role: string; readonly path: string };
}

/**
 * `out` may be written (a new file renamed over it): its folder exists; it is absent or an existing regular file
 * that is not the input by any path (symbolic links, a symlinked folder, a hard link); it is not a symbolic link, a
 * directory, a device, a FIFO or a socket (renaming over one would replace it with a regular file); and it is not
 * inside the input directory.
 */
export function requireWritableOutput(role: string, out: string, inputs: ProtectedInputs): void {
  const folder = path.dirname(path.resolve(out));
  const folderStat = statOrUndefined(folder);
  if (!folderStat || !folderStat.isDirectory()) {
    throw new CliError(`the folder of ${role} ${out} (${folder}) does not exist: create it first, or write elsewhere.`, 'NO_OUTPUT_FOLDER');
  }
  const link = lstatOrUndefined(out);
  const target = statOrUndefined(out);
  if (sameFile(target, statOrUndefined(inputs.file.path))) {
    throw new CliError(
      `${role} ${out} is the artifact itself (the same file as ${inputs.file.role} ${inputs.file.path}, by another path or a link): ` +
        'give another path (the original is never modified).',
      'SAME_PATH',
    );
  }
  if (link?.isSymbolicLink()) {
    throw new CliError(
      `${role} ${out} is a symbolic link (to ${fs.readlinkSync(out)}): give the path of a regular file or a new one; links are not written through or replaced.`,
      'OUTPUT_IS_A_LINK',
    );
  }
  if (link?.isDirectory()) throw new CliError(`${role} ${out} is a directory: give the path of the file to write.`, 'IS_A_DIRECTORY');
  if (link && !link.isFile()) {
    throw new CliError(`${role} ${out} is ${fileKind(link)}, not a regular file: give the path of a regular file or a new one (it is never replaced).`, 'NOT_A_FILE');
  }
  if (inputs.directory) {
    const directory = realpathOrUndefined(inputs.directory.path);
    const realFolder = fs.realpathSync(folder);
    if (directory && (realFolder === directory || realFolder.startsWith(directory + path.sep))) {
      throw new CliError(
        `${role} ${out} is inside the code directory ${inputs.directory.role} ${inputs.directory.path}: write it elsewhere ` +
          '(the next run would ship it under code/).',
        'OUTPUT_INSIDE_CODE',
      );
    }
  }
}

function realpathOrUndefined(file: string): string | undefined {
  try {
    return fs.realpathSync(file);
  } catch {
    return undefined;
  }
}
