/**
 * The model directory `invoke-local` serves, laid out as the container sees /opt/ml/model: a model.tar.gz is
 * extracted into a temporary directory; a directory is used where it is, or, when code is placed into it, mirrored
 * into a temporary directory (its entries linked, code/ copied) so that the user's files are never touched. Every
 * temporary directory is removed at the end and on every terminating signal (interrupts.ts).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tar from 'tar';
import { CodeFile } from '../packaging/engine';
import { CliError } from './errors';
import { removeOnInterrupt } from './interrupts';
import { isGzipFile } from '../common/gzip-file';

/** A model directory ready to serve, and how to remove what was made for it. */
export interface LocalModel {
  readonly directory: string;
  /** 'archive' (extracted) or 'directory'. */
  readonly source: 'archive' | 'directory';
  /** Removes the temporary directory, if one was made. */
  dispose(): void;
}

function temporaryDirectory(): { directory: string; dispose: () => void } {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-pytorch-sagemaker-invoke-'));
  const forget = removeOnInterrupt(directory);
  return { directory, dispose: () => { fs.rmSync(directory, { recursive: true, force: true }); forget(); } };
}


async function extract(archive: string, into: string): Promise<void> {
  if (!isGzipFile(archive)) {
    throw new CliError(`--model ${archive} is neither a directory nor a gzip file: give a model.tar.gz (tar czf model.tar.gz -C <model dir> .) or the model directory.`, 'NOT_GZIP');
  }
  try {
    // tar strips absolute names and `..` (as SageMaker's extraction must not write outside the model directory).
    await tar.x({ file: archive, cwd: into, strict: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const reason = /TAR_[A-Z_]+:[^)\n]*/.exec(message)?.[0] ?? message.split('\n')[0];
    throw new CliError(`--model ${archive} is gzip-compressed but holds no readable tar archive (${reason}): build it again with tar czf model.tar.gz -C <model dir> .`, 'NOT_TAR');
  }
}

function writeCode(modelDirectory: string, files: CodeFile[]): void {
  const code = path.join(modelDirectory, 'code');
  // Like the injection (stream, and auto when the archive already has code/): the given code replaces the old.
  fs.rmSync(code, { recursive: true, force: true });
  for (const file of files) {
    const target = path.join(code, ...file.path.split('/'));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, file.data, { mode: file.executable ? 0o755 : 0o644 });
  }
}

/**
 * Prepares `model` (a model.tar.gz or a model directory) with `code` placed under code/ when given.
 *
 * @param model the --model path (already known to exist)
 * @param code the code files, or undefined to serve the model's own code/
 */
export async function prepareLocalModel(model: string, code: CodeFile[] | undefined): Promise<LocalModel> {
  const stat = fs.statSync(model);
  if (stat.isDirectory() && code === undefined) {
    return { directory: path.resolve(model), source: 'directory', dispose: () => undefined };
  }
  const temp = temporaryDirectory();
  try {
    if (stat.isDirectory()) {
      // The weights stay where they are (linked, not copied: they may be gigabytes); code/ is the given code.
      for (const entry of fs.readdirSync(model)) {
        if (entry !== 'code') fs.symlinkSync(path.resolve(model, entry), path.join(temp.directory, entry));
      }
    } else {
      await extract(model, temp.directory);
    }
    if (code !== undefined) writeCode(temp.directory, code);
    return { directory: temp.directory, source: stat.isDirectory() ? 'directory' : 'archive', dispose: temp.dispose };
  } catch (error) {
    temp.dispose();
    throw error;
  }
}
