/**
 * The contract between the code-injection engine (pure, I/O-agnostic) and the shells that run it
 * (the CLI on local files, the Lambda on S3).
 *
 * The engine reads the original `model.tar.gz` through a {@link ByteSource} and describes the new artifact as
 * an ordered sequence of {@link OutputSegment}s: ranges of the original to copy unchanged (server side on S3,
 * with `UploadPartCopy`) and new bytes. It never writes anything itself.
 */

/** Random-access, read-only bytes: a local file, an S3 object, a buffer in a test. */
export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /** Bytes [start, end) of the source. Must return exactly `end - start` bytes. */
  read(start: number, end: number): Promise<Uint8Array>;
  /**
   * Bytes [start, end) in order, as chunks. Optional: a source that can do better than sequential `read`s
   * (S3 with parallel ranged GETs) implements it; the engine falls back to `read` in large chunks otherwise.
   */
  stream?(start: number, end: number): AsyncIterable<Uint8Array>;
}

/** A file to place under `code/` in the artifact. */
export interface CodeFile {
  /** Path relative to `code/`, POSIX separators, e.g. `inference.py` or `lib/helpers.py`. */
  readonly path: string;
  readonly data: Uint8Array;
  /** True for an executable file (mode 0755 instead of 0644). */
  readonly executable?: boolean;
}

export type StrategyName = 'auto' | 'scan' | 'stream';
export type ConcreteStrategy = 'scan' | 'stream';

/** Copy bytes [start, end) of the original unchanged. */
export interface CopySegment {
  readonly kind: 'copy';
  readonly start: number;
  readonly end: number;
}

/** New bytes. */
export interface DataSegment {
  readonly kind: 'data';
  readonly bytes: Uint8Array;
}

export type OutputSegment = CopySegment | DataSegment;

/** Counters a run reports (the CLI prints them with --json; the Lambda logs them). */
export interface InjectionStats {
  /** Bytes read from the source. */
  bytesRead: number;
  /** Uncompressed bytes produced by inflating the source. */
  bytesInflated: number;
  /** Uncompressed bytes fed to a deflate compressor. */
  bytesDeflated: number;
  /** Bytes of the source copied unchanged into the output (copy segments). */
  bytesCopied: number;
  /** Total bytes of the output (copy + data segments). */
  bytesWritten: number;
  /** The `code/` entry names written, in archive order (directories end with `/`). */
  entries: string[];
}

export interface InjectionOptions {
  readonly strategy: StrategyName;
  /** Parallel deflate workers for `stream`. Default: the number of CPUs. */
  readonly concurrency?: number;
}

export interface InjectionResult {
  /** The strategy that ran. */
  readonly strategy: ConcreteStrategy;
  /** Why it ran (for `auto`: why auto chose it). */
  readonly reason: string;
  /**
   * The new artifact, in order. Consume it exactly once. For `scan` this is one copy segment
   * followed by one small data segment; for `stream` it is a sequence of data segments.
   */
  readonly segments: AsyncIterable<OutputSegment>;
  /** Counters; final once `segments` has been consumed to the end. */
  stats(): InjectionStats;
}

/** An input the engine refuses, with a one-line message that says what is wrong. */
export class InjectionError extends Error {
  constructor(message: string, public readonly code: InjectionErrorCode) {
    super(message);
    this.name = 'InjectionError';
  }
}

export type InjectionErrorCode =
  | 'NOT_GZIP_OR_TAR'
  | 'TRUNCATED'
  | 'CRC_MISMATCH'
  /** The compressed data is invalid (a deflate error other than a checksum). */
  | 'CORRUPT_DATA'
  | 'NOT_TAR'
  /** GNU tar, Python tarfile and bsdtar would read the archive differently (the message names what was found). */
  | 'AMBIGUOUS_ARCHIVE'
  /** A member type the engine does not pass through (sparse files, volume labels, ...). */
  | 'UNSUPPORTED_ENTRY'
  | 'UNSAFE_ENTRY'
  | 'BAD_CODE_FILE'
  /** Past a bound the engine keeps on memory or work (an extended header over 1 MiB, ...). */
  | 'LIMIT_EXCEEDED'
  | 'STRATEGY_NOT_APPLICABLE';
