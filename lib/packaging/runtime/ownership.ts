import { randomUUID } from 'crypto';
import { Semaphore } from './semaphore';
import { S3Operations, describeS3Error, httpStatusOf, isPreconditionFailed, s3Uri } from './s3-operations';

/**
 * Who writes: every object the injection writes carries this in its metadata (x-amz-meta-*), set by the request
 * that creates the object, so the object and the name of its writer appear together or not at all.
 *
 * - `owner`: the custom resource, `<StackId>|<LogicalResourceId>`: the same for every request CloudFormation sends
 *   about this resource (and for Lambda's retries of them), different for any other resource, in any stack.
 * - `requestId`: the CloudFormation request.
 * - `writer`: this one invocation of the function (a random id): Lambda may run the same request twice, and a
 *   write whose answer was lost must still be recognised as its own.
 */
export interface WriterIdentity {
  readonly owner: string;
  readonly requestId: string;
  readonly writer: string;
}

/** The identity of one invocation for one CloudFormation request. */
export function writerIdentity(event: { readonly StackId: string; readonly LogicalResourceId: string; readonly RequestId: string }, writer: string = randomUUID()): WriterIdentity {
  return { owner: ownerOf(event), requestId: event.RequestId, writer };
}

/** The owner string of a custom resource. */
export function ownerOf(event: { readonly StackId: string; readonly LogicalResourceId: string }): string {
  return `${event.StackId}|${event.LogicalResourceId}`;
}

/** The metadata names (x-amz-meta-<name>); S3 lower-cases them. */
const OWNER = 'owner';
const REQUEST = 'request-id';
const WRITER = 'writer';

/** x-amz-meta-* naming the writer. */
export function ownershipMetadata(identity: WriterIdentity): Record<string, string> {
  return { [OWNER]: identity.owner, [REQUEST]: identity.requestId, [WRITER]: identity.writer };
}

/** The writer an object's metadata names, or undefined when it names none (not written by this injection). */
export function writerOf(metadata: Record<string, string> | undefined): WriterIdentity | undefined {
  const owner = metadata?.[OWNER];
  const writer = metadata?.[WRITER];
  if (!owner || !writer) return undefined;
  return { owner, requestId: metadata?.[REQUEST] ?? '', writer };
}

/** Who wrote an object, in words for a reason: `the resource <owner> (request R)` or `nothing this injection wrote`. */
export function describeWriter(metadata: Record<string, string> | undefined): string {
  const found = writerOf(metadata);
  return found ? `resource ${found.owner.replace('|', ' ')} (request ${found.requestId})` : 'no writer this injection records (another tool, a person, or a version before 0.2.0)';
}

/**
 * An object in the way that this resource did not write (another resource, a person, another tool, or a version of
 * the injection before 0.2.0, which recorded no owner): the injection never writes over it or deletes it.
 */
export class ForeignObjectError extends Error {
  constructor(bucket: string, key: string, metadata: Record<string, string> | undefined) {
    super(
      `${s3Uri(bucket, key)} already exists and was not written by this resource (its metadata names ${describeWriter(metadata)}): ` +
        'the injection never overwrites or deletes an object it did not write; delete that object if nothing needs it, ' +
        'or give the construct another outputPrefix (or outputBucket)',
    );
    this.name = 'ForeignObjectError';
  }
}

/** One object found by a listing. */
export interface ListedKey {
  readonly key: string;
  readonly etag: string;
  readonly size: number;
  readonly lastModified: number;
}

/** Every object under `prefix` (paginated). */
export async function listKeys(ops: S3Operations, bucket: string, prefix: string, signal?: AbortSignal): Promise<ListedKey[]> {
  const keys: ListedKey[] = [];
  let token: string | undefined;
  do {
    const page = await ops.listObjectsV2({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }, { abortSignal: signal });
    for (const item of page.Contents ?? []) {
      keys.push({ key: item.Key!, etag: item.ETag ?? '', size: item.Size ?? 0, lastModified: item.LastModified?.getTime() ?? 0 });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

/** The metadata and ETag of an object, or undefined when it does not exist. */
export async function headOrUndefined(ops: S3Operations, bucket: string, key: string): Promise<{ metadata: Record<string, string>; etag: string; size: number } | undefined> {
  try {
    const head = await ops.headObject({ Bucket: bucket, Key: key });
    return { metadata: head.Metadata ?? {}, etag: head.ETag ?? '', size: head.ContentLength ?? -1 };
  } catch (error) {
    if (httpStatusOf(error) === 404) return undefined;
    throw error;
  }
}

/**
 * Deletes `key` only while it is the version with `etag` (DeleteObject with If-Match, a conditional delete): an object
 * written over it since it was checked stays. Returns false when the object changed or is gone.
 */
export async function deleteIfUnchanged(ops: S3Operations, bucket: string, key: string, etag: string): Promise<boolean> {
  try {
    await ops.deleteObject({ Bucket: bucket, Key: key, IfMatch: etag });
    return true;
  } catch (error) {
    if (isPreconditionFailed(error) || httpStatusOf(error) === 404) return false;
    throw error;
  }
}

/** What {@link deleteOwned} did. */
export interface OwnedDeletion {
  readonly deleted: string[];
  /** Objects under the prefix it left because their metadata does not name this writer or owner. */
  readonly kept: string[];
  /** Objects it should have deleted but could not (the error of each). */
  readonly failed: string[];
}

/**
 * Deletes the objects under `prefix` whose metadata `mine` accepts (HeadObject, then a delete conditioned on the
 * ETag it saw), and only those: the `first` keys before the others (a manifest, so that an interrupted delete never
 * leaves a manifest naming missing objects), the `last` key after all others succeeded (the claim). Never throws for
 * a single object: what could not be deleted is listed in `failed`.
 */
export async function deleteOwned(
  ops: S3Operations,
  bucket: string,
  prefix: string,
  mine: (metadata: Record<string, string>) => boolean,
  order: { readonly first?: string; readonly last?: string } = {},
  concurrency = 16,
): Promise<OwnedDeletion> {
  const result: OwnedDeletion = { deleted: [], kept: [], failed: [] };
  const listed = await listKeys(ops, bucket, prefix);
  const one = async (key: string) => {
    try {
      const head = await headOrUndefined(ops, bucket, key);
      if (!head) return;
      if (!mine(head.metadata)) {
        result.kept.push(key);
        return;
      }
      if (await deleteIfUnchanged(ops, bucket, key, head.etag)) result.deleted.push(key);
      else result.kept.push(key);
    } catch (error) {
      result.failed.push(`${s3Uri(bucket, key)} (${describeS3Error(error)})`);
    }
  };
  const keys = listed.map((item) => item.key);
  if (order.first && keys.includes(order.first)) await one(order.first);
  const slots = new Semaphore(concurrency);
  await Promise.all(keys.filter((key) => key !== order.first && key !== order.last).map((key) => slots.run(() => one(key))));
  if (order.last && keys.includes(order.last)) {
    if (result.failed.length === 0) await one(order.last);
    else result.kept.push(order.last);
  }
  return result;
}
