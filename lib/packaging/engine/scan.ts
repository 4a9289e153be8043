/**
 * `scan`: one native inflate pass over the whole archive (zlib verifies every member's CRC-32 and ISIZE) feeding a
 * strict walk of every tar header (so `code/` anywhere, unsafe names, every form the usual readers read differently
 * and any data after the end-of-archive marker are seen, and the marker offset E is known exactly), then the tail
 * patch located from a small window at the end, and checked. Nothing of the model is recompressed.
 */
import { Readable, Writable } from 'stream';
import { pipeline } from 'stream/promises';
import * as zlib from 'zlib';
import { readChunks } from './source-reader';
import { buildTailPatch, locateTail } from './tail-patch';
import { isCodeEntry, quote, RECORD } from './tar-format';
import { TarWalker } from './tar-walker';
import { archiveTail, CodeEntries, checkArchiveTail } from './tar-writer';
import { ByteSource, InjectionError, InjectionStats } from './types';
import { gunzipError, trailingBytesError } from './zlib-errors';

/**
 * How much of the uncompressed end is kept to check decodes against (and to resolve history bytes). A proven cut
 * may need two of gzip's largest blocks (about 8.4 MB of output each, for runs of zeros) plus the zeros after the
 * marker.
 */
const RING_BYTES = 24 * 1024 * 1024;
/** The most one decode attempt may produce: everything it yields must be checked against the kept content. */
const MAX_DECODE = RING_BYTES - 64 * 1024;
/**
 * The most zero bytes after the marker `scan` re-encodes (every one of them is decoded again to find the cut); past
 * it, `auto` streams (a tar with megabytes of zeros after its marker, e.g. a zero-filled tail).
 */
export const MAX_ZEROS_AFTER_END = 4 * 1024 * 1024;
/**
 * The most compressed bytes searched for the cut. The block holding the marker ends within a few hundred KB of the
 * end in every archive measured (its zeros compress to almost nothing); 4 MiB leaves room for large blocks.
 */
const MAX_WINDOW = 4 * 1024 * 1024;
/** The most bytes all decode attempts together may produce (a few seconds of the pure-JS decoder at most). */
const MAX_WORK = 64 * 1024 * 1024;

export interface ScanOutcome {
  readonly keep: number;
  readonly bytes: Uint8Array;
}

/**
 * Keeps the last `capacity` bytes of a stream of chunks, by reference (the inflate output, never copied while the
 * pass runs); a caller copies out only the stretch it needs.
 */
class TailRing {
  private chunks: Uint8Array[] = [];
  private kept = 0;
  /** Bytes pushed so far. */
  public length = 0;
  constructor(private readonly capacity: number) {}
  push(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.kept += chunk.length;
    this.length += chunk.length;
    while (this.chunks.length > 1 && this.kept - this.chunks[0].length >= this.capacity) this.kept -= this.chunks.shift()!.length;
  }
  /** Stream offset of the first byte kept. */
  get keptFrom(): number {
    return this.length - this.kept;
  }
  /** Bytes [from, length) of the stream (from >= keptFrom). */
  tail(from: number): Uint8Array {
    let offset = this.keptFrom;
    const parts: Uint8Array[] = [];
    for (const chunk of this.chunks) {
      const end = offset + chunk.length;
      if (end > from) parts.push(chunk.subarray(Math.max(0, from - offset)));
      offset = end;
    }
    return Buffer.concat(parts);
  }
}

export async function scanAndPatch(source: ByteSource, entries: CodeEntries, stats: InjectionStats): Promise<ScanOutcome> {
  const ring = new TailRing(RING_BYTES);
  const walker = new TarWalker({
    onEntry: (entry) => {
      if (isCodeEntry(entry.normalizedName)) {
        throw new InjectionError(`scan cannot replace the existing ${quote(entry.name)}: the archive already contains code/`, 'STRATEGY_NOT_APPLICABLE');
      }
      return true;
    },
  });
  const gunzip = zlib.createGunzip({ chunkSize: 1024 * 1024 });
  let inflated = 0;
  const sink = new Writable({
    highWaterMark: 4 * 1024 * 1024,
    write(chunk: Buffer, _enc, done) {
      try {
        inflated += chunk.length;
        walker.push(chunk);
        ring.push(chunk);
        done();
      } catch (err) {
        done(err as Error);
      }
    },
  });
  const input = Readable.from(
    (async function* () {
      for await (const chunk of readChunks(source, 0, source.size)) {
        stats.bytesRead += chunk.length;
        yield chunk;
      }
    })(),
    { objectMode: false, highWaterMark: 2 },
  );
  try {
    await pipeline(input, gunzip, sink);
  } catch (err) {
    throw gunzipError(err, stats.bytesRead);
  } finally {
    stats.bytesInflated += inflated;
  }
  if (gunzip.bytesWritten < source.size) throw trailingBytesError(source.size - gunzip.bytesWritten);
  walker.finish();
  const end = walker.endOfArchive!;
  const total = inflated;
  if (total - end > MAX_ZEROS_AFTER_END) {
    throw new InjectionError(
      `scan cannot patch this archive: ${total - end} bytes of zeros follow the end-of-archive marker, more than the ${MAX_ZEROS_AFTER_END} it re-encodes (stream rewrites it without them)`,
      'STRATEGY_NOT_APPLICABLE',
    );
  }
  const located = await locateTail(source, { total, end, keptFrom: ring.keptFrom, tail: (from) => ring.tail(from) }, {
    initialWindow: 64 * 1024,
    maxWindow: MAX_WINDOW,
    maxOut: MAX_DECODE,
    maxWork: MAX_WORK,
    onRead: (n) => (stats.bytesRead += n),
    onDecoded: (n) => (stats.bytesInflated += n),
  });
  if ('failed' in located) {
    throw new InjectionError(`scan could not prove where the deflate block holding the end-of-archive marker starts: ${located.failed} (stream rewrites the archive)`, 'STRATEGY_NOT_APPLICABLE');
  }
  const newContent = archiveTail(entries, end % RECORD);
  checkArchiveTail(newContent, entries, end);
  const historyFrom = Math.max(ring.keptFrom, located.decodingStart - 32768);
  const content = ring.tail(historyFrom);
  const patch = buildTailPatch(located, newContent, (i) => content[located.decodingStart + i - historyFrom]);
  stats.bytesDeflated += patch.bytesDeflated;
  return { keep: patch.keep, bytes: patch.bytes };
}
