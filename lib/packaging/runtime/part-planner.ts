import {
  COPY_PARTS_PER_RANGE,
  COPY_THRESHOLD,
  MIN_COPY_PART_SIZE,
  MIN_DATA_PART_SIZE,
  MiB,
  S3_MAX_PARTS,
  S3_MAX_PART_SIZE,
  SPECULATION_MARGIN,
} from './s3-limits';

/** Bytes [start, end) of an object. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/**
 * Splits [start, end) of the original into server-side copy parts.
 *
 * Returns no parts for a range shorter than {@link COPY_THRESHOLD}: such a range is cheaper to read and
 * re-upload. Otherwise the parts are of near-equal size, each between 8 MiB and 5 GiB (the part target is at
 * least 16 MiB, and n = ceil(length / target) parts of length / n bytes are each longer than target / 2), and
 * there are at most 64 of them up to 320 GiB (beyond, ceil(length / 5 GiB) parts: 1,024 for a 5 TiB object).
 */
export function planCopyParts(start: number, end: number): ByteRange[] {
  const length = end - start;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || length < 0) {
    throw new Error(`invalid copy range [${start}, ${end})`);
  }
  if (length < COPY_THRESHOLD) return [];
  const target = Math.min(S3_MAX_PART_SIZE, Math.max(MIN_COPY_PART_SIZE, Math.ceil(length / COPY_PARTS_PER_RANGE)));
  const count = Math.ceil(length / target);
  const base = Math.floor(length / count);
  const remainder = length % count;
  const parts: ByteRange[] = [];
  let position = start;
  for (let i = 0; i < count; i++) {
    // The first `remainder` parts take one byte more, so the parts cover the range exactly.
    const size = base + (i < remainder ? 1 : 0);
    parts.push({ start: position, end: position + size });
    position += size;
  }
  return parts;
}

/**
 * The copy parts to start before the engine has found the cut: [0, size - margin) of the original, or none
 * when that is too short to be worth a multipart upload.
 */
export function planSpeculativeCopy(sourceSize: number): ByteRange[] {
  const end = sourceSize - SPECULATION_MARGIN;
  return end >= COPY_THRESHOLD ? planCopyParts(0, end) : [];
}

/**
 * How many leading speculative parts the real plan can keep, once it is known that the output starts with
 * bytes [0, copiedPrefix) of the original: the parts that end at or before the cut. The others are discarded
 * (never listed when the upload completes) and what they covered is planned again.
 */
export function keptSpeculativeParts(parts: readonly ByteRange[], copiedPrefix: number): number {
  let kept = 0;
  while (kept < parts.length && parts[kept].end <= copiedPrefix) kept++;
  return kept;
}

/**
 * Size of the parts that carry new bytes (the stream strategy's output, the re-encoded tail): at least
 * 16 MiB, and large enough that an output of `expectedBytes` (plus 25% for a worse compression ratio) fits
 * in 9,000 parts, leaving room for the copy parts that may precede them.
 */
export function dataPartSize(expectedBytes: number): number {
  const forPartLimit = Math.ceil((expectedBytes * 1.25) / (S3_MAX_PARTS - 1_000) / MiB) * MiB;
  return Math.min(S3_MAX_PART_SIZE, Math.max(MIN_DATA_PART_SIZE, forPartLimit));
}
