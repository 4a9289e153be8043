import {
  AbortMultipartUploadCommand,
  AbortMultipartUploadCommandInput,
  CompleteMultipartUploadCommand,
  CompleteMultipartUploadCommandInput,
  CompleteMultipartUploadCommandOutput,
  CopyObjectCommand,
  CopyObjectCommandInput,
  CopyObjectCommandOutput,
  CreateMultipartUploadCommand,
  CreateMultipartUploadCommandInput,
  CreateMultipartUploadCommandOutput,
  DeleteObjectCommand,
  DeleteObjectCommandInput,
  DeleteObjectsCommand,
  DeleteObjectsCommandInput,
  DeleteObjectsCommandOutput,
  GetObjectCommand,
  GetObjectCommandInput,
  GetObjectCommandOutput,
  HeadObjectCommand,
  HeadObjectCommandInput,
  HeadObjectCommandOutput,
  ListObjectsV2Command,
  ListObjectsV2CommandInput,
  ListObjectsV2CommandOutput,
  ListPartsCommand,
  ListPartsCommandInput,
  ListPartsCommandOutput,
  PutObjectCommand,
  PutObjectCommandInput,
  PutObjectCommandOutput,
  S3Client,
  UploadPartCommand,
  UploadPartCommandInput,
  UploadPartCommandOutput,
  UploadPartCopyCommand,
  UploadPartCopyCommandInput,
  UploadPartCopyCommandOutput,
} from '@aws-sdk/client-s3';

/** Per-call options: an abort signal that cancels the request in flight. */
export interface CallOptions {
  readonly abortSignal?: AbortSignal;
}

/**
 * The S3 calls the injection makes, and nothing else. The Lambda uses {@link sdkS3Operations}; a test can wrap
 * it (e.g. to give a local S3 server an `uploadPartCopy` and see its parameters).
 */
export interface S3Operations {
  headObject(input: HeadObjectCommandInput, options?: CallOptions): Promise<HeadObjectCommandOutput>;
  getObject(input: GetObjectCommandInput, options?: CallOptions): Promise<GetObjectCommandOutput>;
  listObjectsV2(input: ListObjectsV2CommandInput, options?: CallOptions): Promise<ListObjectsV2CommandOutput>;
  putObject(input: PutObjectCommandInput, options?: CallOptions): Promise<PutObjectCommandOutput>;
  deleteObject(input: DeleteObjectCommandInput, options?: CallOptions): Promise<unknown>;
  createMultipartUpload(input: CreateMultipartUploadCommandInput, options?: CallOptions): Promise<CreateMultipartUploadCommandOutput>;
  uploadPart(input: UploadPartCommandInput, options?: CallOptions): Promise<UploadPartCommandOutput>;
  uploadPartCopy(input: UploadPartCopyCommandInput, options?: CallOptions): Promise<UploadPartCopyCommandOutput>;
  completeMultipartUpload(input: CompleteMultipartUploadCommandInput, options?: CallOptions): Promise<CompleteMultipartUploadCommandOutput>;
  abortMultipartUpload(input: AbortMultipartUploadCommandInput, options?: CallOptions): Promise<unknown>;
  listParts(input: ListPartsCommandInput, options?: CallOptions): Promise<ListPartsCommandOutput>;
  copyObject(input: CopyObjectCommandInput, options?: CallOptions): Promise<CopyObjectCommandOutput>;
  deleteObjects(input: DeleteObjectsCommandInput, options?: CallOptions): Promise<DeleteObjectsCommandOutput>;
}

/** {@link S3Operations} on an AWS SDK v3 client. */
export function sdkS3Operations(client: S3Client): S3Operations {
  // `send` takes the SDK's own AbortSignal type; the global one is compatible at run time.
  const opts = (o?: CallOptions) => (o?.abortSignal ? { abortSignal: o.abortSignal as never } : undefined);
  return {
    headObject: (i, o) => client.send(new HeadObjectCommand(i), opts(o)),
    getObject: (i, o) => client.send(new GetObjectCommand(i), opts(o)),
    listObjectsV2: (i, o) => client.send(new ListObjectsV2Command(i), opts(o)),
    putObject: (i, o) => client.send(new PutObjectCommand(i), opts(o)),
    deleteObject: (i, o) => client.send(new DeleteObjectCommand(i), opts(o)),
    createMultipartUpload: (i, o) => client.send(new CreateMultipartUploadCommand(i), opts(o)),
    uploadPart: (i, o) => client.send(new UploadPartCommand(i), opts(o)),
    uploadPartCopy: (i, o) => client.send(new UploadPartCopyCommand(i), opts(o)),
    completeMultipartUpload: (i, o) => client.send(new CompleteMultipartUploadCommand(i), opts(o)),
    abortMultipartUpload: (i, o) => client.send(new AbortMultipartUploadCommand(i), opts(o)),
    listParts: (i, o) => client.send(new ListPartsCommand(i), opts(o)),
    copyObject: (i, o) => client.send(new CopyObjectCommand(i), opts(o)),
    deleteObjects: (i, o) => client.send(new DeleteObjectsCommand(i), opts(o)),
  };
}

/** The HTTP status of an SDK error, if any. */
export function httpStatusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

/** True when the store does not implement the operation (s3rver and some S3-compatible stores for UploadPartCopy). */
export function isNotImplemented(error: unknown): boolean {
  return (error as { name?: string } | undefined)?.name === 'NotImplemented' || httpStatusOf(error) === 501;
}

/** True when the multipart upload no longer exists (aborted or completed). */
export function isNoSuchUpload(error: unknown): boolean {
  return (error as { name?: string } | undefined)?.name === 'NoSuchUpload' || httpStatusOf(error) === 404;
}

/** True when an If-Match / x-amz-copy-source-if-match precondition failed: the object changed. */
export function isPreconditionFailed(error: unknown): boolean {
  return (error as { name?: string } | undefined)?.name === 'PreconditionFailed' || httpStatusOf(error) === 412;
}

/**
 * True when a conditional write lost to a concurrent write of the same key (409 ConditionalRequestConflict): S3 asks
 * to retry the whole upload.
 */
export function isConditionalConflict(error: unknown): boolean {
  return (error as { name?: string } | undefined)?.name === 'ConditionalRequestConflict' || httpStatusOf(error) === 409;
}

/** The error's name and HTTP status, for a reason: `AccessDenied, HTTP 403`. */
export function describeS3Error(error: unknown): string {
  const name = (error as { name?: string } | undefined)?.name;
  const status = httpStatusOf(error);
  const parts = [name && name !== 'Error' ? name : undefined, status ? `HTTP ${status}` : undefined].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : String((error as Error)?.message ?? error);
}

/** `bucket/key` for x-amz-copy-source, URL-encoded as S3 requires (slashes of the key kept). */
export function copySourceOf(bucket: string, key: string): string {
  return `${encodeURIComponent(bucket)}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/** `s3://bucket/key`. */
export function s3Uri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}
