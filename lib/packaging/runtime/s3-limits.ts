/**
 * Amazon S3's multipart upload rules, and the sizes this library plans with.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html
 */

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

/** Every part but the last must be at least this large. */
export const S3_MIN_PART_SIZE = 5 * MiB;
/** No part (uploaded or copied) may be larger. */
export const S3_MAX_PART_SIZE = 5 * GiB;
/** Part numbers run from 1 to 10,000. */
export const S3_MAX_PARTS = 10_000;
/** The largest object one CopyObject request copies; larger ones are copied in UploadPartCopy parts. */
export const S3_MAX_COPY_OBJECT_SIZE = 5 * GiB;

/**
 * A range of the original shorter than this is read and re-uploaded instead of copied server side, and an
 * output that never reaches one data part is written with a single PutObject: below ~10 MiB a multipart
 * upload costs more requests than it saves.
 */
export const COPY_THRESHOLD = 10 * MiB;

/** Server-side copy parts are at least this large (then fewer requests) ... */
export const MIN_COPY_PART_SIZE = 16 * MiB;
/** ... and a range is split in about this many parts, so that parallel copies keep S3 busy. */
export const COPY_PARTS_PER_RANGE = 64;

/**
 * The cut (the start of the re-encoded tail) is always within the last few MiB of the original, so copies of
 * [0, size - margin) can start before the scan has found it.
 */
export const SPECULATION_MARGIN = 16 * MiB;

/** Smallest part for new bytes; larger for huge outputs so that they stay under 10,000 parts. */
export const MIN_DATA_PART_SIZE = 16 * MiB;
