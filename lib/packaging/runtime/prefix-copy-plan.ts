import { createHash } from 'crypto';
import { MiB, S3_MAX_COPY_OBJECT_SIZE, S3_MAX_PARTS, S3_MAX_PART_SIZE, S3_MIN_PART_SIZE } from './s3-limits';

/** One object of the original prefix, as ListObjectsV2 reports it. */
export interface ListedObject {
  /** The key relative to the prefix. */
  readonly name: string;
  readonly size: number;
  /** With quotes, as S3 returns it; every copy is conditioned on it. */
  readonly etag: string;
}

/** How one object is copied: one CopyObject, or a multipart upload of UploadPartCopy ranges. */
export interface ObjectCopy {
  readonly object: ListedObject;
  readonly method: 'CopyObject' | 'UploadPartCopy';
  /** The ranges of the parts, for UploadPartCopy ([start, end), end exclusive). */
  readonly parts: ReadonlyArray<{ readonly start: number; readonly end: number }>;
}

/** The server-side rates the plan is estimated with (assumptions, not measurements: AWS publishes none). */
export interface CopyRates {
  /** Fixed cost of one S3 request (list page, copy, upload, delete), milliseconds. */
  readonly requestMs: number;
  /** Bytes per second one copy request (CopyObject or UploadPartCopy) moves inside S3. */
  readonly copyBytesPerSecond: number;
}

export const DEFAULT_COPY_RATES: CopyRates = { requestMs: 100, copyBytesPerSecond: 50 * MiB };

/** Limits of the plan; tests scale them down to run a multipart copy against a local server. */
export interface CopyLimits {
  /** The largest object one CopyObject copies (S3: 5 GB). */
  readonly singleCopyLimit: number;
  /** The preferred UploadPartCopy part size (parts are between 5 MiB and 5 GiB, at most 10,000 per object). */
  readonly partSize: number;
  /** Copy requests in flight. */
  readonly concurrency: number;
}

export const DEFAULT_COPY_LIMITS: CopyLimits = { singleCopyLimit: 5 * 1000 ** 3, partSize: 512 * MiB, concurrency: 50 };

export interface PrefixCopyPlan {
  readonly copies: ObjectCopy[];
  /** Objects of the original under `code/`, replaced by the new code (never mixed with it). */
  readonly replacedCode: ListedObject[];
  readonly objects: number;
  readonly bytes: number;
  /** Copy requests (CopyObject + UploadPartCopy + the Create/Complete of each multipart upload). */
  readonly requests: number;
  readonly concurrency: number;
  /** Estimated seconds for the copies, by {@link CopyRates}: work / concurrency + the longest request. */
  readonly estimatedSeconds: number;
}

/** Whether a relative key belongs to the inference code directory that the injection replaces. */
export function isCodeKey(name: string): boolean {
  return name === 'code' || name.startsWith('code/');
}

/** The ranges of the parts of one large object: near-equal parts within S3's limits. */
export function planObjectParts(size: number, limits: CopyLimits): Array<{ start: number; end: number }> {
  // floor: every part is at least `target` (>= 5 MiB) and below 2 x target; target >= size / 10,000 keeps the count
  // within 10,000, and target <= 2.5 GiB (S3's largest object is 5 TiB) keeps every part within 5 GiB.
  const target = Math.max(S3_MIN_PART_SIZE, limits.partSize, Math.ceil(size / S3_MAX_PARTS));
  const count = Math.max(1, Math.floor(size / target));
  const base = Math.floor(size / count);
  const remainder = size % count;
  const parts: Array<{ start: number; end: number }> = [];
  let position = 0;
  for (let i = 0; i < count; i++) {
    const length = base + (i < remainder ? 1 : 0);
    parts.push({ start: position, end: position + length });
    position += length;
  }
  return parts;
}

/**
 * Plans the copy of a listed prefix: which objects, how (CopyObject up to `singleCopyLimit`, UploadPartCopy parts
 * above), how many requests, and how long it should take. Computed before anything is written, so that a copy that
 * cannot finish in time fails at once.
 */
export function planPrefixCopy(listing: readonly ListedObject[], limits: CopyLimits = DEFAULT_COPY_LIMITS, rates: CopyRates = DEFAULT_COPY_RATES): PrefixCopyPlan {
  const copies: ObjectCopy[] = [];
  const replacedCode: ListedObject[] = [];
  let workSeconds = 0;
  let longest = 0;
  let requests = 0;
  let bytes = 0;
  const requestSeconds = (length: number) => rates.requestMs / 1000 + length / rates.copyBytesPerSecond;
  for (const object of listing) {
    if (isCodeKey(object.name)) {
      replacedCode.push(object);
      continue;
    }
    bytes += object.size;
    if (object.size <= limits.singleCopyLimit) {
      copies.push({ object, method: 'CopyObject', parts: [] });
      requests += 1;
      const seconds = requestSeconds(object.size);
      workSeconds += seconds;
      longest = Math.max(longest, seconds);
      continue;
    }
    const parts = planObjectParts(object.size, limits);
    copies.push({ object, method: 'UploadPartCopy', parts });
    requests += parts.length + 2;
    workSeconds += (2 * rates.requestMs) / 1000;
    for (const part of parts) {
      const seconds = requestSeconds(part.end - part.start);
      workSeconds += seconds;
      longest = Math.max(longest, seconds);
    }
  }
  return {
    copies,
    replacedCode,
    objects: copies.length,
    bytes,
    requests,
    concurrency: limits.concurrency,
    estimatedSeconds: workSeconds / limits.concurrency + longest,
  };
}

/** Checks a plan against S3's multipart rules; returns the violations (none for a good plan). */
export function planViolations(plan: PrefixCopyPlan, limits: CopyLimits = DEFAULT_COPY_LIMITS): string[] {
  const problems: string[] = [];
  for (const copy of plan.copies) {
    const { name, size } = copy.object;
    if (copy.method === 'CopyObject') {
      if (size > Math.min(limits.singleCopyLimit, S3_MAX_COPY_OBJECT_SIZE)) problems.push(`${name}: CopyObject of ${size} bytes`);
      continue;
    }
    if (copy.parts.length > S3_MAX_PARTS) problems.push(`${name}: ${copy.parts.length} parts`);
    let position = 0;
    copy.parts.forEach((part, i) => {
      const length = part.end - part.start;
      if (part.start !== position) problems.push(`${name}: part ${i + 1} starts at ${part.start}, not ${position}`);
      if (length > S3_MAX_PART_SIZE) problems.push(`${name}: part ${i + 1} has ${length} bytes`);
      if (i < copy.parts.length - 1 && length < S3_MIN_PART_SIZE) problems.push(`${name}: part ${i + 1} has ${length} bytes`);
      position = part.end;
    });
    if (position !== size) problems.push(`${name}: parts cover ${position} of ${size} bytes`);
  }
  return problems;
}

/** Bump when the layout of the copy changes, so that old copies are not reused. */
export const PREFIX_COPY_FORMAT_VERSION = 'prefix-1';

/**
 * The content directory of a copy: a hash of every listed object (name, size, ETag), of the code and of the resource
 * that writes it (its owner, see ownership.ts), so that a changed original or changed code gives a new prefix, the
 * same inputs the same one for the same resource, and another resource never shares it.
 */
export function prefixCopyDirectory(outputPrefix: string, listing: readonly ListedObject[], codeSha256: string, owner: string): string {
  const objects = [...listing].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((o) => [o.name, o.size, o.etag]);
  const hash = createHash('sha256').update(JSON.stringify([PREFIX_COPY_FORMAT_VERSION, owner, objects, codeSha256])).digest('hex').slice(0, 32);
  return `${outputPrefix}${hash}/`;
}
