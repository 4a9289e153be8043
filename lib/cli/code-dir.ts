/**
 * Reads the inference code directory for `inject-code`: every file under DIR with its path relative to DIR.
 * Skips what never belongs in an artifact (`__pycache__/`, `.git/`, `*.pyc`); follows symbolic links only when they
 * stay inside DIR (a link out of it would ship an arbitrary file), and refuses the others.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CodeFile, InjectionError } from '../packaging/engine';
import { CliError, describeFileError } from './errors';

const SKIPPED_DIRECTORIES = new Set(['__pycache__', '.git']);

function skipped(name: string, isDirectory: boolean): boolean {
  return isDirectory ? SKIPPED_DIRECTORIES.has(name) : name.endsWith('.pyc');
}

export function readCodeDirectory(dir: string): CodeFile[] {
  let root: string;
  try {
    root = fs.realpathSync(dir);
  } catch {
    throw new InjectionError(`code directory ${dir} does not exist`, 'BAD_CODE_FILE');
  }
  if (!fs.statSync(root).isDirectory()) throw new InjectionError(`code path ${dir} is not a directory`, 'BAD_CODE_FILE');
  const files: CodeFile[] = [];
  const visited = new Set<string>([root]);
  const walk = (real: string, rel: string): void => {
    for (const entry of fs.readdirSync(real, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      let target = path.join(real, entry.name);
      if (entry.isSymbolicLink()) {
        const resolved = fs.realpathSync(target);
        if (resolved !== root && !resolved.startsWith(root + path.sep)) {
          throw new InjectionError(`refusing symbolic link ${relPath} in the code directory: it points outside it, to ${resolved}`, 'BAD_CODE_FILE');
        }
        target = resolved;
      }
      const stat = fs.statSync(target);
      if (skipped(entry.name, stat.isDirectory())) continue;
      if (stat.isDirectory()) {
        if (visited.has(target)) continue; // a link back into the tree: already walked
        visited.add(target);
        walk(target, relPath);
      } else if (stat.isFile()) {
        files.push({ path: relPath, data: fs.readFileSync(target), executable: (stat.mode & 0o111) !== 0 });
      }
    }
  };
  walk(root, '');
  if (files.length === 0) throw new InjectionError(`code directory ${dir} holds no files`, 'BAD_CODE_FILE');
  return files;
}

/** The files of the directory given as --code, or a CliError that names it and says what to give. */
export function readCodeOption(dir: string): CodeFile[] {
  try {
    return readCodeDirectory(dir);
  } catch (error) {
    if (error instanceof InjectionError) throw new CliError(`--code: ${error.message}; give the directory that holds inference.py.`, error.code);
    throw describeFileError(error, '--code', dir, 'the directory that holds inference.py');
  }
}
