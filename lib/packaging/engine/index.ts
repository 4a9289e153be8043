/**
 * The code-injection engine: writes a new `model.tar.gz` = the original + `code/`, described as copy ranges of the
 * original and new bytes. Pure and I/O-agnostic: the CLI runs it on local files, the Lambda on S3.
 */
import * as os from 'os';
import { looksLikeGzip } from './gzip-format';
import { scanAndPatch } from './scan';
import { strategyProblem } from './strategies';
import { streamRewrite } from './stream';
import { BLOCK, isZeroBlock, looksLikeTarHeader } from './tar-format';
import { buildCodeEntries } from './tar-writer';
import {
  ByteSource, CodeFile, ConcreteStrategy, InjectionError, InjectionOptions, InjectionResult, InjectionStats, OutputSegment,
} from './types';

export * from './types';
export { REMOVED_STRATEGIES, STRATEGY_NAMES, strategyProblem } from './strategies';
export { bufferSource, fileSource } from './source-reader';
export { buildCodeEntries, validateCodePath, CODE_MTIME } from './tar-writer';

type InputKind = 'gzip' | 'tar';

async function detectInput(source: ByteSource, stats: InjectionStats): Promise<InputKind> {
  if (source.size === 0) throw new InjectionError('not a gzip or tar file: the input is empty', 'NOT_GZIP_OR_TAR');
  const head = await source.read(0, Math.min(source.size, 512));
  stats.bytesRead += head.length;
  if (looksLikeGzip(head)) {
    if (source.size < 20) throw new InjectionError(`truncated gzip file: only ${source.size} bytes`, 'TRUNCATED');
    return 'gzip';
  }
  // A tar header, or a zero block: an empty archive (GNU tar, Python tarfile and bsdtar list no member; the walker
  // then checks that only zeros follow).
  if (looksLikeTarHeader(head) || (head.length === BLOCK && isZeroBlock(head))) return 'tar';
  throw new InjectionError('not a gzip or tar file: the input starts with neither a gzip header nor a tar header', 'NOT_GZIP_OR_TAR');
}

function patchResult(strategy: ConcreteStrategy, reason: string, size: number, keep: number, bytes: Uint8Array, stats: InjectionStats): InjectionResult {
  stats.bytesCopied = keep;
  stats.bytesWritten = keep + bytes.length;
  async function* segments(): AsyncGenerator<OutputSegment> {
    if (keep > 0) yield { kind: 'copy', start: 0, end: keep };
    yield { kind: 'data', bytes };
  }
  if (keep > size) throw new Error('internal error: copy range beyond the source');
  return { strategy, reason, segments: segments(), stats: () => ({ ...stats, entries: [...stats.entries] }) };
}

function streamResult(source: ByteSource, kind: InputKind, entries: ReturnType<typeof buildCodeEntries>, reason: string, options: InjectionOptions, stats: InjectionStats): InjectionResult {
  const concurrency = options.concurrency ?? (os.availableParallelism?.() ?? os.cpus().length);
  return {
    strategy: 'stream',
    reason,
    segments: streamRewrite(source, entries, { gzip: kind === 'gzip', concurrency }, stats),
    stats: () => ({ ...stats, entries: [...stats.entries] }),
  };
}

/**
 * Plans the new artifact: the original `source` plus `files` under `code/`. Every strategy reads the input whole and
 * strictly: an archive GNU tar, Python tarfile and bsdtar would read differently (AMBIGUOUS_ARCHIVE: a PAX global
 * header with per-member keys, a link with a size, data after the end-of-archive marker, ...) is refused.
 *
 * - `scan`: verifies the whole input (CRC-32, ISIZE, every tar header) in one native inflate pass, then patches only
 *   the tail, and checks what it wrote; refuses (STRATEGY_NOT_APPLICABLE) when `code/` already exists, the input
 *   is a plain tar, or the cut cannot be proven within the search's bounds.
 * - `stream`: rewrites the whole archive, replacing old `code/` entries, with parallel deflate.
 * - `auto`: `scan`, or `stream` where `scan` does not apply.
 *
 * (`tail`, which patched from the last few MiB alone and could not prove its output, was removed in 0.2.0.)
 */
export async function injectCode(source: ByteSource, files: CodeFile[], options: InjectionOptions): Promise<InjectionResult> {
  const problem = strategyProblem(String(options.strategy), 'strategy', 'scan (or auto)');
  if (problem) throw new InjectionError(problem, 'STRATEGY_NOT_APPLICABLE');
  const entries = buildCodeEntries(files);
  const stats: InjectionStats = { bytesRead: 0, bytesInflated: 0, bytesDeflated: 0, bytesCopied: 0, bytesWritten: 0, entries: entries.names };
  const kind = await detectInput(source, stats);
  switch (options.strategy) {
    case 'stream':
      return streamResult(source, kind, entries, 'requested', options, stats);
    case 'scan': {
      if (kind === 'tar') {
        throw new InjectionError('scan needs a gzip-compressed archive; this is a plain tar (use stream)', 'STRATEGY_NOT_APPLICABLE');
      }
      const patch = await scanAndPatch(source, entries, stats);
      return patchResult('scan', 'requested', source.size, patch.keep, patch.bytes, stats);
    }
    default: {
      if (kind === 'tar') {
        return streamResult(source, kind, entries, 'the input is a plain tar: stream writes it gzip-compressed, as SageMaker expects', options, stats);
      }
      try {
        const patch = await scanAndPatch(source, entries, stats);
        return patchResult('scan', 'the archive has no code/ entries: one verifying inflate pass, then only the tail is rewritten', source.size, patch.keep, patch.bytes, stats);
      } catch (err) {
        if (!(err instanceof InjectionError) || err.code !== 'STRATEGY_NOT_APPLICABLE') throw err;
        return streamResult(source, kind, entries, `scan does not apply (${err.message}); stream rewrites the archive`, options, stats);
      }
    }
  }
}
