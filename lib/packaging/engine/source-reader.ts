/** Sequential reading of a {@link ByteSource}, and the two sources the engine ships (buffer, local file). */
import * as fs from 'fs';
import { ByteSource } from './types';

/** Chunk size for sequential reads when the source has no `stream`: large, so per-call overhead vanishes. */
const READ_CHUNK = 4 * 1024 * 1024;

/** Bytes [start, end) of `source` in order: its own `stream` when it has one, else `read`s with one read ahead. */
export async function* readChunks(source: ByteSource, start: number, end: number): AsyncGenerator<Uint8Array> {
  if (source.stream) {
    yield* source.stream(start, end);
    return;
  }
  let pos = start;
  let pending: Promise<Uint8Array> | undefined;
  const next = (): Promise<Uint8Array> | undefined => {
    if (pos >= end) return undefined;
    const s = pos;
    const e = Math.min(end, pos + READ_CHUNK);
    pos = e;
    return source.read(s, e);
  };
  pending = next();
  while (pending) {
    const current = await pending;
    pending = next();
    yield current;
  }
}

/** A source over bytes in memory (tests, small objects). */
export function bufferSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read: async (start, end) => {
      if (start < 0 || end > bytes.length || start > end) throw new RangeError(`read [${start}, ${end}) outside [0, ${bytes.length})`);
      return bytes.subarray(start, end);
    },
  };
}

/** A source over a local file. The file is opened once and read with positional reads. */
export async function fileSource(path: string): Promise<ByteSource & { close(): Promise<void> }> {
  const handle = await fs.promises.open(path, 'r');
  const { size } = await handle.stat();
  return {
    size,
    read: async (start, end) => {
      const buf = Buffer.allocUnsafe(end - start);
      let done = 0;
      while (done < buf.length) {
        const { bytesRead } = await handle.read(buf, done, buf.length - done, start + done);
        if (bytesRead === 0) throw new Error(`${path} is shorter than expected (changed while reading?)`);
        done += bytesRead;
      }
      return buf;
    },
    stream: (start, end) => {
      if (end <= start) return (async function* () {})();
      return fs.createReadStream(path, { start, end: end - 1, highWaterMark: 1024 * 1024 }) as AsyncIterable<Uint8Array>;
    },
    close: () => handle.close(),
  };
}
