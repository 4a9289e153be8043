import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import * as tar from 'tar';
import { IConstruct } from 'constructs';
import { ValidationError } from '../common/validation';

/**
 * Names left out of a source archive: caches, VCS metadata and OS litter that would change the archive (and so
 * retrain) without changing the training code.
 */
export const EXCLUDED_NAMES: readonly string[] = [
  '__pycache__', '.git', '.hg', '.svn', '.DS_Store', 'Thumbs.db', '.ipynb_checkpoints', '.pytest_cache',
  '.mypy_cache', '.ruff_cache', '.venv', 'node_modules', '.idea', '.vscode',
];

/** File name suffixes left out of a source archive (compiled Python). */
export const EXCLUDED_SUFFIXES: readonly string[] = ['.pyc', '.pyo'];

/** The mtime of every entry: a fixed date, so an archive depends on contents only. */
export const FIXED_MTIME = new Date('1980-01-01T00:00:00Z');

/** Whether a file or directory name is left out of source archives. */
export function isExcluded(name: string): boolean {
  return EXCLUDED_NAMES.includes(name) || EXCLUDED_SUFFIXES.some((suffix) => name.endsWith(suffix));
}

/**
 * The relative paths (POSIX separators) of the files and directories to archive, sorted, with excluded names
 * left out at any depth. Symbolic links are refused: they make the archive depend on things outside the directory.
 */
export function listSourceEntries(scope: IConstruct, directory: string): string[] {
  const entries: string[] = [];
  const walk = (relative: string) => {
    const absolute = path.join(directory, relative);
    const names = fs.readdirSync(absolute).filter((n) => !isExcluded(n)).sort();
    for (const name of names) {
      const rel = relative ? `${relative}/${name}` : name;
      const stat = fs.lstatSync(path.join(directory, rel));
      if (stat.isSymbolicLink()) {
        throw new ValidationError(`Source directory ${directory} contains the symbolic link '${rel}': replace it by the file it points to (links make the archive depend on files outside the directory).`, scope);
      }
      if (stat.isDirectory()) {
        entries.push(`${rel}/`);
        walk(rel);
      } else if (stat.isFile()) {
        entries.push(rel);
      }
    }
  };
  walk('');
  return entries;
}

/**
 * Packs a directory into a deterministic gzip tar (the `sourcedir.tar.gz` the SageMaker training toolkit
 * downloads and extracts into `/opt/ml/code`): sorted entries, a fixed mtime, no owner ids or names
 * (`portable`), normalized modes (0644, 0755 for executables), and a gzip header without time or OS. The same directory contents always give
 * the same bytes, on any machine.
 */
export function packSourceDirectory(scope: IConstruct, directory: string): Buffer {
  const entries = listSourceEntries(scope, directory);
  if (entries.length === 0) {
    throw new ValidationError(`Source directory ${directory} has no files to archive.`, scope);
  }
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'sourcedir-'));
  try {
    // Copy into a scratch tree with normalized modes (0644, or 0755 for executables and directories): the umask of
    // the machine that checked the code out must not change the archive.
    const staged = path.join(scratch, 'src');
    fs.mkdirSync(staged);
    for (const entry of entries) {
      const target = path.join(staged, entry);
      if (entry.endsWith('/')) {
        fs.mkdirSync(target);
        fs.chmodSync(target, 0o755);
      } else {
        fs.copyFileSync(path.join(directory, entry), target);
        const executable = (fs.statSync(path.join(directory, entry)).mode & 0o100) !== 0;
        fs.chmodSync(target, executable ? 0o755 : 0o644);
      }
    }
    const tarFile = path.join(scratch, 'sourcedir.tar');
    tar.create({
      sync: true,
      file: tarFile,
      cwd: staged,
      portable: true,
      mtime: FIXED_MTIME,
      noDirRecurse: true,
    }, entries);
    const gz = zlib.gzipSync(fs.readFileSync(tarFile), { level: 9 });
    // RFC 1952 header: bytes 4-7 MTIME (zlib writes 0), byte 9 OS (zlib writes the build's OS): 255 = unknown.
    gz[9] = 255;
    return gz;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Writes the archive of `directory` to a content-addressed file under the OS temp directory and returns its path:
 * a CDK file asset made from it has a hash that changes exactly when the archive's bytes do.
 */
export function stageSourceArchive(scope: IConstruct, directory: string): string {
  const archive = packSourceDirectory(scope, directory);
  const digest = crypto.createHash('sha256').update(archive).digest('hex');
  const dir = path.join(os.tmpdir(), 'cdk-pytorch-sagemaker-sourcedir', digest.slice(0, 32));
  const file = path.join(dir, 'sourcedir.tar.gz');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dir, { recursive: true });
    const partial = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(partial, archive);
    fs.renameSync(partial, file);
  }
  return file;
}
