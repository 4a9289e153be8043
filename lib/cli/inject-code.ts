/**
 * `inject-code`: runs the engine on a local artifact and writes the result next to OUT under a temporary name,
 * renamed only on success, so a failure never leaves a partial OUT behind.
 */
import * as fs from 'fs';
import * as path from 'path';
import { fileSource, injectCode, InjectionStats, StrategyName } from '../packaging/engine';
import { readCodeDirectory } from './code-dir';

export interface InjectCodeArgs {
  readonly artifact: string;
  readonly code: string;
  readonly out: string;
  readonly strategy: StrategyName;
}

export interface InjectCodeReport extends InjectionStats {
  readonly strategy: string;
  readonly reason: string;
  readonly seconds: number;
}

const COPY_CHUNK = 8 * 1024 * 1024;

async function copyRange(from: fs.promises.FileHandle, to: fs.promises.FileHandle, start: number, end: number): Promise<void> {
  const buf = Buffer.allocUnsafe(Math.min(COPY_CHUNK, Math.max(1, end - start)));
  for (let pos = start; pos < end; ) {
    const { bytesRead } = await from.read(buf, 0, Math.min(buf.length, end - pos), pos);
    if (bytesRead === 0) throw new Error('the artifact changed while it was being copied');
    await to.write(buf, 0, bytesRead);
    pos += bytesRead;
  }
}

export async function runInjectCode(args: InjectCodeArgs): Promise<InjectCodeReport> {
  const started = process.hrtime.bigint();
  const files = readCodeDirectory(args.code);
  if (path.resolve(args.artifact) === path.resolve(args.out)) throw new Error('--out must differ from --artifact (the original is never modified)');
  const source = await fileSource(args.artifact);
  const temp = path.join(path.dirname(path.resolve(args.out)), `.${path.basename(args.out)}.${process.pid}.tmp`);
  let output: fs.promises.FileHandle | undefined;
  let copyFrom: fs.promises.FileHandle | undefined;
  try {
    const result = await injectCode(source, files, { strategy: args.strategy });
    let first = true;
    for await (const segment of result.segments) {
      if (first && segment.kind === 'copy' && segment.start === 0) {
        // The common patch shape (a copy of the original's head, then a small tail): let the kernel copy the file
        // (copy_file_range or a reflink, no bytes through this process), then cut it where the new tail starts.
        await fs.promises.copyFile(args.artifact, temp);
        await fs.promises.truncate(temp, segment.end);
        output = await fs.promises.open(temp, 'a');
        first = false;
        continue;
      }
      output ??= await fs.promises.open(temp, 'w');
      first = false;
      if (segment.kind === 'copy') {
        copyFrom ??= await fs.promises.open(args.artifact, 'r');
        await copyRange(copyFrom, output, segment.start, segment.end);
      } else {
        await output.write(segment.bytes);
      }
    }
    output ??= await fs.promises.open(temp, 'w');
    await output.close();
    output = undefined;
    await fs.promises.rename(temp, args.out);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { strategy: result.strategy, reason: result.reason, ...result.stats(), seconds };
  } catch (err) {
    await output?.close().catch(() => undefined);
    await fs.promises.rm(temp, { force: true });
    throw err;
  } finally {
    await copyFrom?.close();
    await source.close();
  }
}
