import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tar from 'tar';

/** The example classifier shared by the scenarios: its weights and its SageMaker serving handlers. */
export const CLASSIFIER_WEIGHTS = path.join(__dirname, 'classifier', 'weights.json');
export const CLASSIFIER_SERVING = path.join(__dirname, 'classifier', 'serving');

/** What goes into a model archive. */
export interface ModelArchiveContents {
  /** Files placed at the root of the archive (the weights). */
  readonly rootFiles: string[];
  /**
   * A directory whose files go under `code/` (`inference.py`, `requirements.txt`, helpers).
   * @default - no `code/`: the inference code is injected at deploy time
   */
  readonly codeDirectory?: string;
}

/**
 * Builds `model.tar.gz` in the layout the SageMaker PyTorch container expects (weights at the root, optionally
 * `code/inference.py`), deterministically: sorted entries, fixed mtime and no owner names, so the same files always
 * give the same bytes, the same CDK asset hash, and no redeploy when nothing changed.
 *
 * CDK directory assets are always zip files, which SageMaker cannot read; hence this file asset.
 *
 * @param contents the files to pack
 * @param outDir where to write the archive. Default: a content-addressed folder under the OS temp dir
 * @returns the path of the archive
 */
export function buildModelArchive(contents: ModelArchiveContents, outDir?: string): string {
  const entries: Array<{ name: string; source: string }> = contents.rootFiles.map((file) => ({ name: path.basename(file), source: file }));
  if (contents.codeDirectory) {
    const code = listFiles(contents.codeDirectory);
    if (!code.includes('inference.py')) {
      throw new Error(`${contents.codeDirectory} has no inference.py: the serving container would silently use its default handlers.`);
    }
    entries.push(...code.map((file) => ({ name: `code/${file}`, source: path.join(contents.codeDirectory!, file) })));
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  const hash = crypto.createHash('sha256');
  for (const entry of entries) hash.update(entry.name).update('\0').update(fs.readFileSync(entry.source)).update('\0');
  const dir = outDir ?? path.join(os.tmpdir(), 'cdk-pytorch-sagemaker-examples', hash.digest('hex').slice(0, 16));
  fs.mkdirSync(dir, { recursive: true });

  // The archive's root and code/ come from different folders: lay them out in a staging folder, then pack it.
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'model-archive-'));
  try {
    for (const entry of entries) {
      fs.mkdirSync(path.dirname(path.join(staging, entry.name)), { recursive: true });
      fs.copyFileSync(entry.source, path.join(staging, entry.name));
    }
    const archive = path.join(dir, 'model.tar.gz');
    // Write next to the target and rename, so a concurrent synth never reads a half-written archive.
    const partial = `${archive}.${process.pid}.partial`;
    tar.create(
      { gzip: true, file: partial, cwd: staging, sync: true, portable: true, mtime: new Date(0), noDirRecurse: true },
      entries.map((entry) => entry.name),
    );
    fs.renameSync(partial, archive);
    return archive;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** Every regular file under `dir`, as sorted POSIX relative paths (`__pycache__` left out). */
function listFiles(dir: string, prefix = ''): string[] {
  const result: string[] = [];
  for (const entry of fs.readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (entry.name !== '__pycache__') result.push(...listFiles(dir, relative));
    } else if (entry.isFile()) {
      result.push(relative);
    }
  }
  return result.sort();
}
