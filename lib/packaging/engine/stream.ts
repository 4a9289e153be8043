/**
 * `stream`: gunzip -> tar passthrough (old `code/` members dropped, headers kept byte for byte) -> new `code/`
 * members + marker -> parallel deflate -> gzip. Neither the archive nor its content is held in memory or on disk:
 * memory is bounded by the deflate jobs in flight.
 */
import { Readable } from 'stream';
import * as zlib from 'zlib';
import { GZIP_HEADER, gzipTrailer } from './gzip-format';
import { ParallelDeflater } from './parallel-deflate';
import { readChunks } from './source-reader';
import { isCodeEntry, quote, RECORD, safeEntryName } from './tar-format';
import { TarWalker } from './tar-walker';
import { archiveTail, checkArchiveTail, CodeEntries } from './tar-writer';
import { ByteSource, InjectionError, InjectionStats, OutputSegment } from './types';
import { gunzipError, trailingBytesError } from './zlib-errors';

export interface StreamOptions {
  readonly gzip: boolean;
  readonly concurrency: number;
}

export async function* streamRewrite(source: ByteSource, entries: CodeEntries, options: StreamOptions, stats: InjectionStats): AsyncGenerator<OutputSegment> {
  const deflater = new ParallelDeflater({ concurrency: Math.max(2, options.concurrency * 2) });
  const walker = new TarWalker({
    onEntry: (entry) => {
      if (isCodeEntry(entry.normalizedName)) return false;
      // A hard link to an old code/ file would dangle once that file is dropped.
      if (entry.typeflag === '1' && isCodeEntry(safeEntryName(entry.linkname))) {
        throw new InjectionError(`cannot replace code/: the hard link ${quote(entry.name)} points to ${quote(entry.linkname)}`, 'STRATEGY_NOT_APPLICABLE');
      }
      return true;
    },
    onOutput: (bytes) => deflater.write(bytes),
  });
  const emit = (bytes: Uint8Array): OutputSegment => {
    stats.bytesWritten += bytes.length;
    return { kind: 'data', bytes };
  };
  yield emit(GZIP_HEADER);

  const raw = (async function* () {
    for await (const chunk of readChunks(source, 0, source.size)) {
      stats.bytesRead += chunk.length;
      yield chunk;
    }
  })();
  let gunzip: zlib.Gunzip | undefined;
  let input: AsyncIterable<Uint8Array> = raw;
  if (options.gzip) {
    gunzip = zlib.createGunzip({ chunkSize: 256 * 1024 });
    const g = gunzip;
    const from = Readable.from(raw, { objectMode: false, highWaterMark: 2 });
    from.on('error', (err) => g.destroy(err));
    input = from.pipe(g);
  }
  try {
    for await (const chunk of input) {
      if (gunzip) stats.bytesInflated += chunk.length;
      walker.push(chunk);
      while (deflater.saturated) yield emit(await deflater.next()!);
    }
  } catch (err) {
    throw gunzipError(err, stats.bytesRead);
  }
  if (gunzip && gunzip.bytesWritten < source.size) throw trailingBytesError(source.size - gunzip.bytesWritten);
  walker.finish();
  const tail = archiveTail(entries, deflater.length % RECORD);
  checkArchiveTail(tail, entries, deflater.length);
  deflater.write(tail);
  deflater.end();
  stats.bytesDeflated = deflater.length;
  for (let job = deflater.next(); job; job = deflater.next()) yield emit(await job);
  yield emit(gzipTrailer(deflater.crc, deflater.length));
}
