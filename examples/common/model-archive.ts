import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tar from 'tar';

/** Options of {@link buildModelArchive}. */
export interface ModelArchiveOptions {
  /**
   * Refuse a directory without `code/inference.py`. Turn off for an artifact whose code is injected at deploy time.
   * @default true
   */
  readonly requireInferenceCode?: boolean;
}

/**
 * Builds `model.tar.gz` from a directory laid out the way the SageMaker PyTorch container expects (weights at the
 * root, `code/inference.py`), deterministically: sorted entries, fixed mtime and no owner names, so the same files
 * always give the same bytes, the same CDK asset hash, and no redeploy when nothing changed.
 *
 * CDK directory assets are always zip files, which SageMaker cannot read; hence this file asset.
 *
 * @param modelDir the directory to pack; its contents become the archive root (no top-level folder)
 * @param outDir where to write the archive. Default: a content-addressed folder under the OS temp dir
 * @param options see {@link ModelArchiveOptions}
 * @returns the path of the archive
 */
export function buildModelArchive(modelDir: string, outDir?: string, options: ModelArchiveOptions = {}): string {
  const files = listFiles(modelDir);
  if ((options.requireInferenceCode ?? true) && !files.includes('code/inference.py')) {
    throw new Error(`${modelDir} has no code/inference.py: the serving container would silently use its default handlers.`);
  }
  const hash = crypto.createHash('sha256');
  for (const file of files) {
    hash.update(file).update('\0').update(fs.readFileSync(path.join(modelDir, file))).update('\0');
  }
  const dir = outDir ?? path.join(os.tmpdir(), 'cdk-pytorch-sagemaker-examples', hash.digest('hex').slice(0, 16));
  fs.mkdirSync(dir, { recursive: true });
  const archive = path.join(dir, 'model.tar.gz');
  // Write next to the target and rename, so a concurrent synth never reads a half-written archive.
  const partial = `${archive}.${process.pid}.partial`;
  tar.create({ gzip: true, file: partial, cwd: modelDir, sync: true, portable: true, mtime: new Date(0), noDirRecurse: true }, files);
  fs.renameSync(partial, archive);
  return archive;
}

/** Every regular file under `dir`, as sorted POSIX relative paths. */
function listFiles(dir: string, prefix = ''): string[] {
  const result: string[] = [];
  for (const entry of fs.readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (entry.name !== '__pycache__') {
        result.push(...listFiles(dir, relative));
      }
    } else if (entry.isFile()) {
      result.push(relative);
    }
  }
  return result.sort();
}
