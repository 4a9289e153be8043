import { createHash } from 'crypto';
import type { CodeFile } from '../engine/types';
import { abortUploadCompletely, withCleanupProblems } from './multipart-abort';
import { ForeignObjectError, WriterIdentity, headOrUndefined, ownershipMetadata, writerOf } from './ownership';
import { CopyLimits, ListedObject, ObjectCopy, PrefixCopyPlan } from './prefix-copy-plan';
import { CallOptions, S3Operations, copySourceOf, isPreconditionFailed, s3Uri } from './s3-operations';
import { Semaphore } from './semaphore';

export interface PrefixCopyOptions {
  readonly ops: S3Operations;
  readonly sourceBucket: string;
  /** Ends with `/`. Never written to. */
  readonly sourcePrefix: string;
  readonly destinationBucket: string;
  /** Ends with `/`; the new model data. */
  readonly destinationPrefix: string;
  /** Who writes: every object written gets it as metadata (see ownership.ts). */
  readonly identity: WriterIdentity;
  readonly plan: PrefixCopyPlan;
  readonly limits: CopyLimits;
  /** Written under `<destinationPrefix>code/`. */
  readonly code: CodeFile[];
  readonly signal?: AbortSignal;
  readonly log?: (message: string) => void;
  /** How long a failure waits for copies S3 is still running before it aborts and deletes. @default 15000 */
  readonly inFlightCopyWaitMs?: number;
}

export interface PrefixCopyResult {
  readonly objectsCopied: number;
  readonly bytesCopied: number;
  readonly copyObjectRequests: number;
  readonly uploadPartCopyRequests: number;
  readonly codeFiles: number;
  /** Objects under the destination prefix checked (keys, sizes, ETags) against the plan. */
  readonly verifiedObjects: number;
}

/** What a copy wrote. */
export interface PrefixCopyOutcome {
  readonly summary: PrefixCopyResult;
  /** Every object written (key relative to the destination prefix) with its ETag. */
  readonly objects: { [name: string]: string };
}

/** What a destination object must be: its size, and the ETag S3 returned when it was written. */
interface Expected {
  readonly size: number;
  readonly etag: string;
}

/**
 * Copies the planned objects server side (CopyObject, or UploadPartCopy parts), in parallel, each request
 * conditioned on the source's listed ETag; writes the code files; then lists the destination and checks that it
 * holds exactly the planned keys with their sizes and ETags. Every object is created only where none exists
 * (`If-None-Match: *` on CopyObject, CompleteMultipartUpload and PutObject) and carries the writer's metadata
 * (CopyObject replaces the original's user metadata with it, as a multipart copy never copies metadata): an object
 * already at a key is this writer's own (a retried request) or a {@link ForeignObjectError}. On any failure (the
 * deadline included) it waits (bounded) for the copies S3 is running, aborts every multipart upload until none of its
 * parts remain (an upload it could not abort is named in the error), and rethrows: deleting what it wrote is the
 * caller's, which knows the whole content directory.
 */
export async function copyPrefix(options: PrefixCopyOptions): Promise<PrefixCopyOutcome> {
  const run = new PrefixCopyRun(options);
  try {
    return await run.execute();
  } catch (error) {
    throw withCleanupProblems(error, await run.cleanUp(error));
  }
}

class PrefixCopyRun {
  private readonly ops: S3Operations;
  private readonly call: CallOptions;
  private readonly slots: Semaphore;
  private readonly log: (message: string) => void;
  private readonly expected = new Map<string, Expected>();
  private readonly openUploads = new Map<string, string>();
  private readonly running = new Set<Promise<unknown>>();
  private failure: unknown;
  private copyObjectRequests = 0;
  private uploadPartCopyRequests = 0;

  constructor(private readonly options: PrefixCopyOptions) {
    this.ops = options.ops;
    this.call = { abortSignal: options.signal };
    this.slots = new Semaphore(options.limits.concurrency);
    this.log = options.log ?? (() => undefined);
    if (options.sourceBucket === options.destinationBucket && options.destinationPrefix.startsWith(options.sourcePrefix)) {
      throw new Error(`the copy ${s3Uri(options.destinationBucket, options.destinationPrefix)} would be inside the original ${s3Uri(options.sourceBucket, options.sourcePrefix)}; choose another output bucket or prefix`);
    }
    this.metadata = ownershipMetadata(options.identity);
  }

  private readonly metadata: Record<string, string>;

  async execute(): Promise<PrefixCopyOutcome> {
    const { plan } = this.options;
    await Promise.all(plan.copies.map((copy) => this.copyObject(copy)));
    this.throwIfFailed();
    await Promise.all(this.options.code.map((file) => this.slots.run(() => this.putCode(file))));
    const verified = await this.verify();
    return {
      summary: {
        objectsCopied: plan.objects,
        bytesCopied: plan.bytes,
        copyObjectRequests: this.copyObjectRequests,
        uploadPartCopyRequests: this.uploadPartCopyRequests,
        codeFiles: this.options.code.length,
        verifiedObjects: verified,
      },
      objects: Object.fromEntries([...this.expected].map(([name, expected]) => [name, expected.etag])),
    };
  }

  /**
   * Runs a request that creates `key` only where no object exists. On 412 an object is there: this writer's own when
   * its metadata names this writer (a retried request S3 had carried out: its ETag is returned), otherwise
   * {@link ForeignObjectError}.
   */
  private async createOnlyIfAbsent(key: string, create: () => Promise<string | undefined>): Promise<string | undefined> {
    try {
      return await create();
    } catch (error) {
      if (!isPreconditionFailed(error)) throw error;
      const head = await headOrUndefined(this.ops, this.options.destinationBucket, key);
      if (head && writerOf(head.metadata)?.writer === this.options.identity.writer) return head.etag;
      throw new ForeignObjectError(this.options.destinationBucket, key, head?.metadata);
    }
  }

  /** A request S3 may keep running after the client stops waiting: tracked so that a failure waits for it. */
  private track<T>(request: Promise<T>): Promise<T> {
    this.running.add(request);
    const forget = () => this.running.delete(request);
    request.then(forget, forget);
    return request;
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
    this.options.signal?.throwIfAborted();
  }

  private fail(error: unknown): never {
    if (this.failure === undefined) this.failure = error;
    throw error;
  }

  private sourceKey(object: ListedObject): string {
    return this.options.sourcePrefix + object.name;
  }

  private destinationKey(name: string): string {
    return this.options.destinationPrefix + name;
  }

  private changed(object: ListedObject): Error {
    return new Error(`${s3Uri(this.options.sourceBucket, this.sourceKey(object))} changed during the copy (its ETag is no longer ${object.etag}); deploy again`);
  }

  private async copyObject(copy: ObjectCopy): Promise<void> {
    if (copy.method === 'UploadPartCopy') return this.copyInParts(copy);
    const { object } = copy;
    await this.slots.run(async () => {
      this.throwIfFailed();
      this.copyObjectRequests++;
      const key = this.destinationKey(object.name);
      try {
        // Not bound to the abort signal: S3 would finish the copy anyway; a failure waits for it instead.
        const etag = await this.createOnlyIfAbsent(key, async () => {
          try {
            return (await this.track(this.ops.copyObject({
              Bucket: this.options.destinationBucket,
              Key: key,
              CopySource: copySourceOf(this.options.sourceBucket, this.sourceKey(object)),
              CopySourceIfMatch: object.etag,
              MetadataDirective: 'REPLACE',
              Metadata: this.metadata,
              IfNoneMatch: '*',
            }))).CopyObjectResult?.ETag;
          } catch (error) {
            // S3 answers 412 for either condition: the original's ETag is told apart by a look at the destination.
            if (isPreconditionFailed(error) && !(await headOrUndefined(this.ops, this.options.destinationBucket, key))) throw this.changed(object);
            throw error;
          }
        });
        if (!etag) throw new Error(`S3 returned no ETag for the copy of ${object.name}`);
        this.expected.set(object.name, { size: object.size, etag });
      } catch (error) {
        this.fail(error);
      }
    });
  }

  private async copyInParts(copy: ObjectCopy): Promise<void> {
    const { object } = copy;
    const key = this.destinationKey(object.name);
    const params = { Bucket: this.options.destinationBucket, Key: key };
    let uploadId: string;
    try {
      this.throwIfFailed();
      const created = await this.ops.createMultipartUpload({ ...params, Metadata: this.metadata }, this.call);
      if (!created.UploadId) throw new Error('CreateMultipartUpload returned no UploadId');
      uploadId = created.UploadId;
      this.openUploads.set(key, uploadId);
    } catch (error) {
      this.fail(error);
    }
    const etags = await Promise.all(copy.parts.map((part, index) => this.slots.run(async () => {
      this.throwIfFailed();
      this.uploadPartCopyRequests++;
      try {
        const response = await this.track(this.ops.uploadPartCopy({
          ...params,
          UploadId: uploadId,
          PartNumber: index + 1,
          CopySource: copySourceOf(this.options.sourceBucket, this.sourceKey(object)),
          CopySourceRange: `bytes=${part.start}-${part.end - 1}`,
          CopySourceIfMatch: object.etag,
        }));
        const etag = response.CopyPartResult?.ETag;
        if (!etag) throw new Error(`S3 returned no ETag for part ${index + 1} of ${object.name}`);
        return etag;
      } catch (error) {
        return this.fail(isPreconditionFailed(error) ? this.changed(object) : error);
      }
    })));
    this.throwIfFailed();
    try {
      const etag = await this.createOnlyIfAbsent(key, async () => (await this.ops.completeMultipartUpload(
        { ...params, UploadId: uploadId!, MultipartUpload: { Parts: etags.map((ETag, i) => ({ PartNumber: i + 1, ETag })) }, IfNoneMatch: '*' },
        this.call,
      )).ETag);
      this.openUploads.delete(key);
      if (!etag) throw new Error(`S3 returned no ETag for ${object.name}`);
      this.expected.set(object.name, { size: object.size, etag });
    } catch (error) {
      this.fail(error);
    }
  }

  private async putCode(file: CodeFile): Promise<void> {
    this.throwIfFailed();
    const name = `code/${file.path}`;
    const body = Buffer.from(file.data);
    const md5 = createHash('md5').update(body).digest();
    const key = this.destinationKey(name);
    await this.createOnlyIfAbsent(key, async () => (await this.ops.putObject(
      {
        Bucket: this.options.destinationBucket, Key: key, Body: body, ContentLength: body.length, ContentMD5: md5.toString('base64'),
        Metadata: this.metadata, IfNoneMatch: '*',
      },
      this.call,
    )).ETag);
    this.expected.set(name, { size: body.length, etag: `"${md5.toString('hex')}"` });
  }

  /** Lists the destination and compares it with what was written: the same keys, sizes and ETags, nothing else. */
  private async verify(): Promise<number> {
    const found = new Map<string, { size: number; etag: string }>();
    let token: string | undefined;
    do {
      this.throwIfFailed();
      const page = await this.ops.listObjectsV2(
        { Bucket: this.options.destinationBucket, Prefix: this.options.destinationPrefix, ContinuationToken: token },
        this.call,
      );
      for (const item of page.Contents ?? []) {
        found.set(item.Key!.slice(this.options.destinationPrefix.length), { size: item.Size ?? -1, etag: item.ETag ?? '' });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    const problems: string[] = [];
    for (const [name, expected] of this.expected) {
      const actual = found.get(name);
      if (!actual) problems.push(`${name} is missing`);
      else if (actual.size !== expected.size) problems.push(`${name} has ${actual.size} bytes, the original ${expected.size}`);
      else if (actual.etag !== expected.etag) problems.push(`${name} has ETag ${actual.etag}, S3 answered ${expected.etag}`);
    }
    for (const copy of this.options.plan.copies) {
      // A single-request copy of an object that was not uploaded in parts has the same MD5 ETag as its source.
      const expected = this.expected.get(copy.object.name);
      if (copy.method === 'CopyObject' && !copy.object.etag.includes('-') && expected && expected.etag !== copy.object.etag) {
        problems.push(`${copy.object.name} was copied with ETag ${expected.etag}, the listing said ${copy.object.etag}`);
      }
    }
    for (const name of found.keys()) if (!this.expected.has(name)) problems.push(`${name} was not written by this copy`);
    if (problems.length > 0) {
      const more = problems.length > 3 ? ` (and ${problems.length - 3} more)` : '';
      throw new Error(`the copy under ${s3Uri(this.options.destinationBucket, this.options.destinationPrefix)} does not match the original: ${problems.slice(0, 3).join('; ')}${more}; deploy again`);
    }
    return found.size;
  }

  /** After a failure: wait for S3's running copies (bounded), abort every upload completely; the uploads left open. */
  async cleanUp(cause: unknown): Promise<string[]> {
    if (this.failure === undefined) this.failure = cause;
    let timer: NodeJS.Timeout | undefined;
    const settled = await Promise.race([
      Promise.allSettled([...this.running]).then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), this.options.inFlightCopyWaitMs ?? 15_000))),
    ]);
    clearTimeout(timer);
    if (!settled) this.log('copies still running on S3 after the wait: cleaning up now');
    const leftOpen: string[] = [];
    for (const [key, uploadId] of this.openUploads) {
      const problem = await abortUploadCompletely(this.ops, { Bucket: this.options.destinationBucket, Key: key, UploadId: uploadId }, this.log);
      if (problem) leftOpen.push(problem);
    }
    this.openUploads.clear();
    return leftOpen;
  }
}

/**
 * Deletes every object under `prefix` (ListObjectsV2 + DeleteObjects, 1,000 at a time). After a failure it is best
 * effort (logs, never throws, the first error stands); `strict` (a Delete request) rethrows.
 */
export async function deleteUnderPrefix(ops: S3Operations, bucket: string, prefix: string, log: (message: string) => void, strict = false): Promise<number> {
  let deleted = 0;
  try {
    for (;;) {
      const page = await ops.listObjectsV2({ Bucket: bucket, Prefix: prefix, MaxKeys: 1000 });
      const keys = (page.Contents ?? []).map((item) => ({ Key: item.Key! }));
      if (keys.length === 0) break;
      const response = await ops.deleteObjects({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } });
      if (response.Errors && response.Errors.length > 0) {
        throw new Error(`${response.Errors.length} objects could not be deleted, e.g. ${response.Errors[0].Key}: ${response.Errors[0].Message}`);
      }
      deleted += keys.length;
    }
    if (deleted > 0) log(`deleted ${deleted} objects under ${s3Uri(bucket, prefix)}`);
  } catch (error) {
    if (strict) throw error;
    log(`could not delete everything under ${s3Uri(bucket, prefix)} (delete it by hand): ${(error as Error).message}`);
  }
  return deleted;
}
