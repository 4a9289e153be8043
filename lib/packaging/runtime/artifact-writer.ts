import { createHash } from 'crypto';
import type { ByteSource, OutputSegment } from '../engine/types';
import { ByteRange, dataPartSize, keptSpeculativeParts, planCopyParts, planSpeculativeCopy } from './part-planner';
import { SourceObject, sourceChanged } from './s3-byte-source';
import { S3_MAX_PARTS, S3_MIN_PART_SIZE } from './s3-limits';
import { abortUploadCompletely, withCleanupProblems } from './multipart-abort';
import { CallOptions, S3Operations, copySourceOf, isNotImplemented, isPreconditionFailed, s3Uri } from './s3-operations';
import { ForeignObjectError } from './ownership';
import { Semaphore } from './semaphore';

export interface ObjectLocation {
  readonly bucket: string;
  readonly key: string;
}

export interface WriteArtifactOptions {
  readonly ops: S3Operations;
  /** The original artifact; never written to. */
  readonly source: SourceObject;
  /** Reads ranges of the original that are too short to copy server side (normally an S3 byte source). */
  readonly reader: ByteSource;
  /** Where the new artifact goes. Must differ from the source. */
  readonly destination: ObjectLocation;
  /**
   * User metadata of the new object (x-amz-meta-*), set by the request that creates it. It must name this writer
   * uniquely (see ownership.ts): when S3 refuses the write because the key exists (412), an object carrying exactly
   * this metadata is this writer's own (a retried request whose first answer was lost); any other is someone else's.
   */
  readonly metadata: Record<string, string>;
  /**
   * Starts the engine and returns its segments. Called after the speculative copies have been started, so that
   * they run while the engine scans.
   */
  readonly produce: () => Promise<AsyncIterable<OutputSegment>>;
  /** Start copying [0, size - 16 MiB) before the plan is known. @default true */
  readonly speculate?: boolean;
  /** UploadPartCopy requests in flight. @default 8 */
  readonly copyConcurrency?: number;
  /** UploadPart requests in flight (each holds one data part in memory). @default 4 */
  readonly uploadConcurrency?: number;
  /**
   * Called just before the request that creates the destination object (CompleteMultipartUpload or PutObject) is
   * sent: from then on the object may exist, even if that request or the size check after it fails (a request
   * cancelled by the signal may still have been carried out). Before it, nothing but an upload (aborted on failure)
   * exists.
   */
  readonly onCommit?: () => void;
  /**
   * How long a failed or abandoned write waits for the UploadPartCopy requests already sent before it aborts the
   * upload: S3 runs a sent copy to its end even when the client gives up on it, so an abort sent meanwhile may leave
   * the copied part behind. @default 15000
   */
  readonly inFlightCopyWaitMs?: number;
  readonly signal?: AbortSignal;
  readonly log?: (message: string) => void;
}

/** One part of the completed multipart upload. */
export interface PartRecord {
  readonly partNumber: number;
  /** `copy`: UploadPartCopy; `copy-through`: the copy streamed through (GET + UploadPart); `upload`: new bytes. */
  readonly kind: 'copy' | 'copy-through' | 'upload';
  readonly size: number;
  /** For copies: the range of the original. */
  readonly range?: ByteRange;
}

export interface WriteArtifactResult {
  readonly method: 'PutObject' | 'MultipartUpload';
  /** Bytes of the new object. */
  readonly size: number;
  /** The new object's ETag, as S3 reports it after the write. */
  readonly etag: string;
  /** Uploads that could not be aborted (the speculative one, unused), each described with what to do; normally none. */
  readonly uploadsLeftOpen: string[];
  /** The parts of the completed upload, in order (empty for PutObject). */
  readonly parts: PartRecord[];
  readonly bytesCopiedServerSide: number;
  readonly bytesCopiedThrough: number;
  /** Bytes sent from the function (new bytes and short ranges of the original it read). */
  readonly bytesUploaded: number;
  /** Speculative copy parts started but not used because the cut fell inside them (or the output was streamed). */
  readonly speculativePartsDiscarded: number;
}

interface PartJob {
  readonly partNumber: number;
  readonly size: number;
  readonly range?: ByteRange;
  cancelled: boolean;
  /** Resolves to undefined when cancelled before it started. */
  readonly done: Promise<{ etag: string; kind: PartRecord['kind'] } | undefined>;
}

/**
 * Turns the engine's segments into the new S3 object without touching the original:
 *
 * - copy segments become UploadPartCopy parts (server side, ETag-guarded), or, when the store does not
 *   implement UploadPartCopy, ranged GETs streamed into UploadPart; ranges shorter than 10 MiB are read and
 *   re-uploaded with the bytes around them;
 * - data segments are gathered into parts of at least 16 MiB and uploaded as they fill, with a bounded number
 *   in memory;
 * - an output that never fills one data part and copies nothing server side is written with one PutObject;
 * - copies of [0, size - 16 MiB) start before the engine is even called, and are kept as far as the cut allows;
 * - the object is created only where none exists (`If-None-Match: *` on PutObject and CompleteMultipartUpload): an
 *   object at the key that this writer did not write is never replaced ({@link ForeignObjectError}); a 409
 *   (a concurrent conditional write) is rethrown for the caller to retry the whole upload;
 * - on any failure the multipart upload is aborted and the error rethrown; an upload that could not be aborted is
 *   named in the error's message.
 */
export async function writeArtifact(options: WriteArtifactOptions): Promise<WriteArtifactResult> {
  const writer = new ArtifactWriter(options);
  let iterator: AsyncIterator<OutputSegment> | undefined;
  try {
    writer.startSpeculativeCopies();
    const segments = await untilAborted(options.produce(), options.signal);
    iterator = segments[Symbol.asyncIterator]();
    for (;;) {
      // The engine does not know the signal: stop waiting for it when the work is abandoned.
      const next = await untilAborted(iterator.next(), options.signal);
      if (next.done) break;
      await writer.add(next.value);
    }
    iterator = undefined;
    return await writer.finish();
  } catch (error) {
    // Let the engine release what it holds; not awaited, since an engine stuck in a read may never answer.
    iterator?.return?.().catch(() => undefined);
    const leftOpen = await writer.abort();
    throw withCleanupProblems(error, leftOpen);
  }
}

/** `promise`, or a rejection with the signal's reason as soon as it is aborted. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

class ArtifactWriter {
  private readonly ops: S3Operations;
  private readonly source: SourceObject;
  private readonly destination: ObjectLocation;
  private readonly call: CallOptions;
  private readonly copySlots: Semaphore;
  private readonly uploadSlots: Semaphore;
  private readonly partSize: number;
  private readonly log: (message: string) => void;

  private uploadId: string | undefined;
  private creatingUpload: Promise<string> | undefined;
  private jobs: PartJob[] = [];
  private nextPartNumber = 1;
  private pending: Uint8Array[] = [];
  private pendingLength = 0;
  private outputLength = 0;
  private sawFirstSegment = false;
  private speculative: { ranges: ByteRange[]; jobs: PartJob[] } | undefined;
  private speculativePartsDiscarded = 0;
  private readonly uploadsLeftOpen: string[] = [];
  private copyUnsupported = false;
  private firstError: unknown;
  private bytesUploaded = 0;

  constructor(private readonly options: WriteArtifactOptions) {
    this.ops = options.ops;
    this.source = options.source;
    this.destination = options.destination;
    if (this.destination.bucket === this.source.bucket && this.destination.key === this.source.key) {
      throw new Error(`the new artifact must not overwrite the original ${s3Uri(this.source.bucket, this.source.key)}`);
    }
    this.call = { abortSignal: options.signal };
    this.copySlots = new Semaphore(options.copyConcurrency ?? 8);
    this.uploadSlots = new Semaphore(options.uploadConcurrency ?? 4);
    // The output is about as large as the original (plus the code, minus nothing that compresses).
    this.partSize = dataPartSize(this.source.size);
    this.log = options.log ?? (() => undefined);
  }

  /** Copies [0, size - margin) of the original while the engine scans; see {@link resolveSpeculation}. */
  startSpeculativeCopies(): void {
    if (this.options.speculate === false) return;
    const ranges = planSpeculativeCopy(this.source.size);
    if (ranges.length === 0) return;
    const jobs = ranges.map((range) => this.scheduleCopy(range));
    this.speculative = { ranges, jobs };
    this.log(`speculative copy: ${ranges.length} parts over [0, ${ranges[ranges.length - 1].end})`);
  }

  async add(segment: OutputSegment): Promise<void> {
    this.throwIfFailed();
    if (!this.sawFirstSegment) {
      this.sawFirstSegment = true;
      const covered = await this.resolveSpeculation(segment);
      if (covered > 0) {
        this.outputLength += covered;
        if (segment.kind === 'copy' && segment.end > covered) await this.addCopy(covered, segment.end);
        return;
      }
    }
    if (segment.kind === 'copy') await this.addCopy(segment.start, segment.end);
    else await this.addData(segment.bytes);
  }

  /**
   * Keeps the speculative parts that end at or before the cut (the output starts with bytes [0, P) of the
   * original), cancels the queued ones beyond it and waits for those already running (they are discarded:
   * never listed at completion), so that their part numbers can be reused. Returns the bytes covered.
   */
  private async resolveSpeculation(first: OutputSegment): Promise<number> {
    const speculative = this.speculative;
    if (!speculative) return 0;
    this.speculative = undefined;
    const prefix = first.kind === 'copy' && first.start === 0 ? first.end : 0;
    const kept = keptSpeculativeParts(speculative.ranges, prefix);
    const discarded = speculative.jobs.slice(kept);
    for (const job of discarded) job.cancelled = true;
    await Promise.allSettled(discarded.map((job) => job.done));
    this.speculativePartsDiscarded = discarded.length;
    this.jobs = speculative.jobs.slice(0, kept);
    this.nextPartNumber = kept + 1;
    if (discarded.length > 0) {
      this.log(`speculative copy: kept ${kept} parts, discarded ${discarded.length} (cut at ${prefix})`);
    }
    return kept > 0 ? speculative.ranges[kept - 1].end : 0;
  }

  private async addCopy(start: number, end: number): Promise<void> {
    if (!(0 <= start && start <= end && end <= this.source.size)) {
      throw new Error(`the engine asked to copy [${start}, ${end}) of a ${this.source.size}-byte original`);
    }
    this.outputLength += end - start;
    // Bytes waiting to be uploaded must form a part of at least 5 MiB before a copy part can follow them:
    // borrow the head of the copy range for that.
    if (this.pendingLength > 0) {
      const borrow = Math.min(end - start, Math.max(0, S3_MIN_PART_SIZE - this.pendingLength));
      if (borrow > 0) {
        this.appendPending(await this.options.reader.read(start, start + borrow));
        start += borrow;
      }
      if (start === end) {
        await this.flushFullParts();
        return;
      }
      await this.flushPending(this.pendingLength);
    }
    const ranges = planCopyParts(start, end);
    if (ranges.length === 0) {
      // Too short to be worth a copy part: it travels with the new bytes.
      this.appendPending(await this.options.reader.read(start, end));
      await this.flushFullParts();
      return;
    }
    for (const range of ranges) this.jobs.push(this.scheduleCopy(range));
  }

  private async addData(bytes: Uint8Array): Promise<void> {
    this.outputLength += bytes.length;
    this.appendPending(bytes);
    await this.flushFullParts();
  }

  private appendPending(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.pending.push(bytes);
    this.pendingLength += bytes.length;
  }

  private async flushFullParts(): Promise<void> {
    while (this.pendingLength >= this.partSize) await this.flushPending(this.partSize);
  }

  /** Uploads the first `length` pending bytes as the next part; waits while too many parts are in memory. */
  private async flushPending(length: number): Promise<void> {
    const body = this.takePending(length);
    await this.uploadSlots.acquire();
    let partNumber: number;
    try {
      this.throwIfFailed();
      partNumber = this.takePartNumber();
    } catch (error) {
      this.uploadSlots.release();
      throw error;
    }
    const done = (async () => {
      try {
        const uploadId = await this.ensureUpload();
        const response = await this.ops.uploadPart(
          { ...this.destinationParams(), UploadId: uploadId, PartNumber: partNumber, Body: body, ContentLength: body.length, ContentMD5: md5Base64(body) },
          this.call,
        );
        this.bytesUploaded += body.length;
        return { etag: requireEtag(response.ETag, partNumber), kind: 'upload' as const };
      } finally {
        this.uploadSlots.release();
      }
    })();
    this.jobs.push(this.track({ partNumber, size: body.length, cancelled: false, done }));
  }

  private takePending(length: number): Buffer {
    const all = Buffer.concat(this.pending, this.pendingLength);
    const body = all.subarray(0, length);
    const rest = all.subarray(length);
    this.pending = rest.length > 0 ? [rest] : [];
    this.pendingLength = rest.length;
    return body;
  }

  private takePartNumber(): number {
    if (this.nextPartNumber > S3_MAX_PARTS) {
      throw new Error(`the new artifact needs more than ${S3_MAX_PARTS} parts (S3's limit); this is a bug in the part planner`);
    }
    return this.nextPartNumber++;
  }

  /** Queues a copy part; it runs when a copy slot is free unless it was cancelled in the meantime. */
  private scheduleCopy(range: ByteRange): PartJob {
    const partNumber = this.takePartNumber();
    const job: { cancelled: boolean } = { cancelled: false };
    const done = this.copySlots.run(async () => {
      if (job.cancelled || this.firstError !== undefined) return undefined;
      const uploadId = await this.ensureUpload();
      return this.copyPart(uploadId, partNumber, range);
    });
    return this.track(Object.assign(job, { partNumber, size: range.end - range.start, range, done }));
  }

  private async copyPart(uploadId: string, partNumber: number, range: ByteRange) {
    const size = range.end - range.start;
    if (!this.copyUnsupported) {
      try {
        const response = await this.ops.uploadPartCopy(
          {
            ...this.destinationParams(),
            UploadId: uploadId,
            PartNumber: partNumber,
            CopySource: copySourceOf(this.source.bucket, this.source.key),
            CopySourceRange: `bytes=${range.start}-${range.end - 1}`,
            CopySourceIfMatch: this.source.etag,
          },
          // Not bound to the abort signal: cancelling it would only stop the client from waiting, while S3 runs the
          // copy to its end; abort() waits for it (bounded) instead, so that the upload is aborted after it.
          {},
        );
        return { etag: requireEtag(response.CopyPartResult?.ETag, partNumber), kind: 'copy' as const };
      } catch (error) {
        if (isPreconditionFailed(error)) throw sourceChanged(this.source);
        if (!isNotImplemented(error)) throw error;
        if (!this.copyUnsupported) this.log('UploadPartCopy is not implemented by this store: streaming the copy through');
        this.copyUnsupported = true;
      }
    }
    // Streamed through: the GET's body goes straight into UploadPart, so memory stays small whatever the part size.
    let body;
    try {
      body = (await this.ops.getObject(
        { Bucket: this.source.bucket, Key: this.source.key, Range: `bytes=${range.start}-${range.end - 1}`, IfMatch: this.source.etag },
        this.call,
      )).Body;
    } catch (error) {
      if (isPreconditionFailed(error)) throw sourceChanged(this.source);
      throw error;
    }
    if (!body) throw new Error(`empty body for bytes ${range.start}-${range.end - 1} of ${s3Uri(this.source.bucket, this.source.key)}`);
    const response = await this.ops.uploadPart(
      { ...this.destinationParams(), UploadId: uploadId, PartNumber: partNumber, Body: body as never, ContentLength: size },
      this.call,
    );
    return { etag: requireEtag(response.ETag, partNumber), kind: 'copy-through' as const };
  }

  /** Remembers the first failure (so the producer stops early) without leaving rejections unhandled. */
  private track(job: PartJob): PartJob {
    job.done.catch((error) => {
      if (this.firstError === undefined) this.firstError = error;
    });
    return job;
  }

  private throwIfFailed(): void {
    if (this.firstError !== undefined) throw this.firstError;
    this.options.signal?.throwIfAborted();
  }

  private ensureUpload(): Promise<string> {
    if (!this.creatingUpload) {
      this.creatingUpload = this.ops
        .createMultipartUpload({ ...this.destinationParams(), ContentType: 'application/gzip', Metadata: this.options.metadata }, this.call)
        .then((response) => {
          if (!response.UploadId) throw new Error('CreateMultipartUpload returned no UploadId');
          this.uploadId = response.UploadId;
          return response.UploadId;
        });
    }
    return this.creatingUpload;
  }

  private destinationParams() {
    return { Bucket: this.destination.bucket, Key: this.destination.key };
  }

  async finish(): Promise<WriteArtifactResult> {
    if (!this.sawFirstSegment) throw new Error('the engine produced no output');
    this.throwIfFailed();
    if (this.jobs.length === 0) return this.putWhole();
    if (this.pendingLength > 0) await this.flushPending(this.pendingLength);
    const parts: PartRecord[] = [];
    const completed: Array<{ PartNumber: number; ETag: string }> = [];
    for (const job of this.jobs) {
      const result = await job.done;
      this.throwIfFailed();
      if (!result) throw new Error(`part ${job.partNumber} was cancelled but is needed`);
      completed.push({ PartNumber: job.partNumber, ETag: result.etag });
      parts.push({ partNumber: job.partNumber, kind: result.kind, size: job.size, range: job.range });
    }
    this.throwIfFailed();
    const uploadId = await this.ensureUpload();
    this.options.onCommit?.();
    await this.createOnlyIfAbsent(() => this.ops.completeMultipartUpload(
      { ...this.destinationParams(), UploadId: uploadId, MultipartUpload: { Parts: completed }, IfNoneMatch: '*' },
      this.call,
    ));
    this.uploadId = undefined;
    return this.result('MultipartUpload', parts, await this.verifySize());
  }

  /**
   * Runs the request that creates the object (`If-None-Match: *`). On 412 the key holds an object: this writer's own
   * when its metadata is exactly this writer's (the SDK retried a request S3 had carried out), otherwise someone
   * else's, which is left alone.
   */
  private async createOnlyIfAbsent(create: () => Promise<unknown>): Promise<void> {
    try {
      await create();
    } catch (error) {
      if (!isPreconditionFailed(error)) throw error;
      const head = await this.ops.headObject(this.destinationParams());
      const expected = Object.entries(this.options.metadata);
      if (expected.length === 0 || !expected.every(([name, value]) => head.Metadata?.[name] === value)) {
        throw new ForeignObjectError(this.destination.bucket, this.destination.key, head.Metadata);
      }
      this.log(`${s3Uri(this.destination.bucket, this.destination.key)} was created by this writer's own earlier attempt of the request`);
    }
  }

  /** Small outputs: one PutObject of everything (and an unused speculative upload, if any, is aborted). */
  private async putWhole(): Promise<WriteArtifactResult> {
    const body = this.takePending(this.pendingLength);
    const leftOpen = await this.abortUpload();
    if (leftOpen) this.uploadsLeftOpen.push(leftOpen);
    this.options.onCommit?.();
    await this.createOnlyIfAbsent(() => this.ops.putObject(
      {
        ...this.destinationParams(), Body: body, ContentLength: body.length, ContentMD5: md5Base64(body), ContentType: 'application/gzip',
        Metadata: this.options.metadata, IfNoneMatch: '*',
      },
      this.call,
    ));
    this.bytesUploaded += body.length;
    return this.result('PutObject', [], await this.verifySize());
  }

  /** A last check that S3 holds exactly the bytes the engine described; the object's ETag. */
  private async verifySize(): Promise<string> {
    const head = await this.ops.headObject(this.destinationParams(), this.call);
    if (head.ContentLength !== this.outputLength) {
      throw new Error(`${s3Uri(this.destination.bucket, this.destination.key)} has ${head.ContentLength} bytes, expected ${this.outputLength}`);
    }
    return head.ETag ?? '';
  }

  private result(method: WriteArtifactResult['method'], parts: PartRecord[], etag: string): WriteArtifactResult {
    return {
      method,
      size: this.outputLength,
      etag,
      uploadsLeftOpen: this.uploadsLeftOpen,
      parts,
      // Counted on the parts kept: a discarded speculative copy is work done, not bytes of the new object.
      bytesCopiedServerSide: sumOf(parts, 'copy'),
      bytesCopiedThrough: sumOf(parts, 'copy-through'),
      bytesUploaded: this.bytesUploaded,
      speculativePartsDiscarded: this.speculativePartsDiscarded,
    };
  }

  /**
   * Cancels what has not started, waits (bounded) for the copies S3 is running, then aborts the multipart upload (if
   * one exists) until S3 lists none of its parts. Resolves to the uploads it could not abort, described.
   */
  async abort(): Promise<string[]> {
    if (this.firstError === undefined) this.firstError = new Error('aborted');
    const all = [...this.jobs, ...(this.speculative?.jobs ?? [])];
    for (const job of all) job.cancelled = true;
    let timer: NodeJS.Timeout | undefined;
    const settled = await Promise.race([
      Promise.allSettled(all.map((job) => job.done)).then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), this.options.inFlightCopyWaitMs ?? 15_000))),
    ]);
    clearTimeout(timer);
    if (!settled) this.log('copies still running on S3 after the wait: aborting the upload now, and again while parts remain');
    if (this.creatingUpload) await this.creatingUpload.catch(() => undefined);
    const leftOpen = await this.abortUpload();
    return [...this.uploadsLeftOpen, ...(leftOpen ? [leftOpen] : [])];
  }

  private async abortUpload(): Promise<string | undefined> {
    const uploadId = this.uploadId;
    if (!uploadId) return undefined;
    this.uploadId = undefined;
    // Not bound to the abort signal: the cleanup must run even when the work was cancelled.
    return abortUploadCompletely(this.ops, { ...this.destinationParams(), UploadId: uploadId }, this.log);
  }
}

function sumOf(parts: readonly PartRecord[], kind: PartRecord['kind']): number {
  return parts.filter((part) => part.kind === kind).reduce((sum, part) => sum + part.size, 0);
}

function requireEtag(etag: string | undefined, partNumber: number): string {
  if (!etag) throw new Error(`S3 returned no ETag for part ${partNumber}`);
  return etag;
}

function md5Base64(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('base64');
}
