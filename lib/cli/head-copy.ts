/**
 * The local copy of the original's head, started while the engine still scans. `scan`'s output is a copy of the
 * original up to a cut within its last few MiB, then a small new tail: the kernel copies the whole artifact to the
 * temporary output (a reflink where the file system has them, else copy_file_range: no bytes through this process)
 * while the scan inflates it, and the copy is cut where the new tail starts. The S3 shell does the same with
 * UploadPartCopy.
 *
 * The copy starts once the scan has read its first 16 MiB without a refusal: an input refused at its start costs no
 * copy, and a refusal never races the copy's creation of the temporary file (it waits for the copy, then removes it).
 */
import * as fs from 'fs';
import { ByteSource } from '../packaging/engine';

const START_AFTER = 16 * 1024 * 1024;

/**
 * How the temporary output is made from the original: created exclusively (a file or link already at the fresh
 * temporary name is never written through), as a reflink where the file system has them.
 */
export const TEMP_COPY_FLAGS = fs.constants.COPYFILE_EXCL | fs.constants.COPYFILE_FICLONE;

export interface HeadCopy {
  /** The source to give the engine: the same bytes, counted. */
  readonly source: ByteSource;
  /** Resolves once the copy (if it started) is complete; rejects with its error. */
  finished(): Promise<void>;
  /** True when the copy started: the temporary file then holds (part of) the original. */
  started(): boolean;
  /**
   * No copy may start from now on: call it before writing the temporary file otherwise (`auto` may switch to
   * `stream` after the scan, and the stream reads the same source).
   */
  stop(): void;
}

/** Copies `artifact` to `temp` in the background once `source` has streamed 16 MiB (never when `enabled` is false). */
export function headCopy(artifact: string, temp: string, source: ByteSource, enabled: boolean): HeadCopy {
  let copy: Promise<void> | undefined;
  let streamed = 0;
  let stopped = !enabled;
  const start = () => {
    if (stopped || copy) return;
    copy = fs.promises.copyFile(artifact, temp, TEMP_COPY_FLAGS);
    copy.catch(() => undefined);
  };
  const inner = source.stream?.bind(source);
  const counted: ByteSource = {
    size: source.size,
    read: (s, e) => source.read(s, e),
    stream: inner && (async function* (s: number, e: number) {
      for await (const chunk of inner(s, e)) {
        streamed += chunk.length;
        if (streamed >= START_AFTER) start();
        yield chunk;
      }
    }),
  };
  return {
    source: counted,
    finished: async () => {
      if (copy) await copy;
    },
    started: () => copy !== undefined,
    stop: () => {
      stopped = true;
    },
  };
}
