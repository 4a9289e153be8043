/**
 * `scan`: one native inflate pass over the whole archive (zlib verifies every member's CRC-32 and ISIZE), a walk of
 * every tar header (so `code/` anywhere and unsafe names are seen, and the marker offset E is known exactly), then the
 * tail patch located from a small window at the end. Nothing of the model is recompressed.
 */
import { Readable, Writable } from 'stream';
import { pipeline } from 'stream/promises';
import * as zlib from 'zlib';
import { readChunks } from './source-reader';
import { buildTailPatch, locateTail } from './tail-patch';
import { isCodeEntry, RECORD } from './tar-format';
import { TarWalker } from './tar-walker';
import { archiveTail, CodeEntries } from './tar-writer';
import { ByteSource, InjectionError, InjectionStats } from './types';
import { gunzipError, trailingBytesError } from './zlib-errors';

/** How much of the uncompressed end is kept to check the tail decode against (and to spell shortened matches). */
const RING_BYTES = 8 * 1024 * 1024;

export interface ScanOutcome {
  readonly keep: number;
  readonly bytes: Uint8Array;
}

/** Keeps the last `capacity` bytes of a stream of chunks. */
class TailRing {
  private chunks: Uint8Array[] = [];
  private total = 0;
  constructor(private readonly capacity: number) {}
  push(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.total += chunk.length;
    while (this.chunks.length > 1 && this.total - this.chunks[0].length >= this.capacity) this.total -= this.chunks.shift()!.length;
  }
  /** The kept bytes; `result[0]` is at stream offset `streamLength - result.length`. */
  bytes(): Uint8Array {
    return Buffer.concat(this.chunks);
  }
}

export async function scanAndPatch(source: ByteSource, entries: CodeEntries, stats: InjectionStats): Promise<ScanOutcome> {
  const ring = new TailRing(RING_BYTES);
  const walker = new TarWalker({
    onEntry: (entry) => {
      if (isCodeEntry(entry.normalizedName)) {
        throw new InjectionError(`scan cannot replace the existing ${JSON.stringify(entry.name)}: the archive already contains code/`, 'STRATEGY_NOT_APPLICABLE');
      }
      return true;
    },
  });
  const gunzip = zlib.createGunzip({ chunkSize: 256 * 1024 });
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
  const tailBytes = ring.bytes();
  const tailOffset = total - tailBytes.length;
  const original = (abs: number): number | undefined => (abs >= tailOffset && abs < total ? tailBytes[abs - tailOffset] : undefined);

  const located = await locateTail(source, {
    initialWindow: 64 * 1024,
    maxWindow: 16 * 1024 * 1024,
    maxOut: 64 * 1024 * 1024,
    onRead: (n) => (stats.bytesRead += n),
    onDecoded: (n) => (stats.bytesInflated += n),
    judge: (decoding) => {
      const offset = total - decoding.length;
      if (offset < 0) return { kind: 'reject', why: 'the decode is longer than the archive' };
      // Every byte the decode knows must equal the real content (which the scan kept).
      for (let i = Math.max(0, tailOffset - offset); i < decoding.length; i++) {
        if (!decoding.unknown[i] && decoding.out[i] !== tailBytes[offset + i - tailOffset]) {
          return { kind: 'reject', why: 'a candidate block start decodes to different bytes' };
        }
      }
      if (end < offset || end - offset < decoding.blocks[0].out) {
        return { kind: 'grow', why: 'the block holding the end-of-archive marker starts before the window' };
      }
      return { kind: 'accept', end: end - offset };
    },
  });
  if ('failed' in located) {
    throw new InjectionError(`scan could not locate the deflate block holding the end-of-archive marker: ${located.failed}`, 'STRATEGY_NOT_APPLICABLE');
  }
  const offset = total - located.decoding.length;
  const patch = buildTailPatch(located, () => archiveTail(entries, end % RECORD), (i) => original(offset + i));
  stats.bytesDeflated += patch.bytesDeflated;
  return { keep: patch.keep, bytes: patch.bytes };
}
