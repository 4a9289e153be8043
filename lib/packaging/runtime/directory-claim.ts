import {
  ForeignObjectError, ListedKey, WriterIdentity, deleteOwned, headOrUndefined, listKeys, ownershipMetadata, writerOf,
} from './ownership';
import { GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { S3Operations, httpStatusOf, isConditionalConflict, isPreconditionFailed, s3Uri } from './s3-operations';

/**
 * One writer per content directory. Before writing anything under `<prefix><hash>/`, an invocation creates
 * `<prefix><hash>/claim.json` with `If-None-Match: *` (S3 answers 412 when it exists): of two invocations of the same
 * request (Lambda runs an asynchronous invocation again after a failure, and may deliver one twice), one writes and
 * the other waits for its manifest and answers what it answers. Only the claim's writer writes under the directory,
 * and only it deletes what it wrote when it fails, before its manifest is sent; once the manifest exists, the
 * directory is complete and nothing but CloudFormation's Delete of the resource removes it.
 *
 * A claim outlives its writer only when the writer was killed (Lambda's own timeout, out of memory): a Lambda
 * invocation runs at most 15 minutes, so a claim older than {@link WRITER_LIFETIME_MS} whose directory never became
 * complete belongs to a writer that is gone, and what it left (only what this resource wrote) is removed.
 */
export const CLAIM_FILE_NAME = 'claim.json';

/** Lambda's longest run (15 minutes) plus 30 s for the difference between S3's clock and the function's. */
export const WRITER_LIFETIME_MS = 15.5 * 60_000;

/** What a directory holds, as far as the claim is concerned. */
export type ClaimResult<M> =
  | { readonly kind: 'complete'; readonly manifest: M }
  | { readonly kind: 'claimed'; readonly etag: string }
  /** Only with `lookOnly`: not complete (nothing was claimed or waited for). */
  | { readonly kind: 'incomplete' };

export interface DirectoryClaimOptions<M> {
  readonly ops: S3Operations;
  readonly bucket: string;
  /** The content directory, ending with `/`. */
  readonly directory: string;
  readonly identity: WriterIdentity;
  /** The manifest's key: written last by the claim's writer; its presence makes the directory complete. */
  readonly manifestKey: string;
  /**
   * The manifest, when it describes exactly what the listing holds (the objects it names, with their ETags);
   * undefined otherwise (a manifest that does not match is not a completion).
   */
  readonly checkManifest: (manifest: unknown, listing: readonly ListedKey[]) => M | undefined;
  /** Milliseconds to wait for another writer of this resource before failing. */
  readonly waitMs: number;
  /** Between two looks at a directory another invocation is writing. @default 2000 */
  readonly pollMs?: number;
  /** The current time (epoch ms). @default Date.now */
  readonly now?: () => number;
  /** @default WRITER_LIFETIME_MS */
  readonly writerLifetimeMs?: number;
  /** Only look: find a complete directory (or a foreign object), without claiming, waiting or removing anything. */
  readonly lookOnly?: boolean;
  readonly signal?: AbortSignal;
  readonly log?: (message: string) => void;
}

/** The claim's content: the same as its metadata, readable without the API. */
interface ClaimRecord {
  readonly owner: string;
  readonly requestId: string;
  readonly writer: string;
  readonly claimedAt: string;
}

/**
 * Claims `directory` for this invocation, or finds it complete, or waits (up to `waitMs`) for the invocation of this
 * resource that holds it. Throws {@link ForeignObjectError} when an object there was not written by this resource,
 * and an error naming the other invocation when it is still writing after the wait.
 */
export async function claimDirectory<M>(options: DirectoryClaimOptions<M>): Promise<ClaimResult<M>> {
  const { ops, bucket, directory, identity, signal } = options;
  const log = options.log ?? (() => undefined);
  const now = options.now ?? Date.now;
  const lifetime = options.writerLifetimeMs ?? WRITER_LIFETIME_MS;
  const claimKey = directory + CLAIM_FILE_NAME;
  const foreign = (key: string, metadata: Record<string, string> | undefined) => new ForeignObjectError(bucket, key, metadata);
  const giveUpAt = now() + options.waitMs;
  let waitingFor: string | undefined;
  for (;;) {
    signal?.throwIfAborted();
    const listing = await listKeys(ops, bucket, directory, signal);
    const manifest = listing.find((item) => item.key === options.manifestKey);
    if (manifest) {
      const response = await getListed(ops, bucket, manifest.key, signal);
      if (!response) continue; // removed since the listing (its writer failed and is cleaning up): look again
      if (writerOf(response.Metadata)?.owner !== identity.owner) throw foreign(manifest.key, response.Metadata);
      let parsed: unknown;
      try {
        parsed = JSON.parse(await response.Body!.transformToString());
      } catch {
        parsed = undefined;
      }
      const complete = options.checkManifest(parsed, listing);
      if (complete) return { kind: 'complete', manifest: complete };
    }
    if (options.lookOnly) return { kind: 'incomplete' };
    const claim = listing.find((item) => item.key === claimKey);
    let holder: ClaimRecord | undefined;
    if (claim) {
      const response = await getListed(ops, bucket, claimKey, signal);
      if (!response) continue; // released since the listing: look again (the directory may be free now)
      const found = writerOf(response.Metadata);
      if (found?.owner !== identity.owner) throw foreign(claimKey, response.Metadata);
      if (found.writer === identity.writer) return { kind: 'claimed', etag: claim.etag };
      holder = { ...found, claimedAt: new Date(claim.lastModified).toISOString() };
    } else if (listing.length === 0) {
      const etag = await putClaim(options);
      if (etag !== undefined) {
        log(`claimed ${s3Uri(bucket, directory)} (writer ${identity.writer})`);
        return { kind: 'claimed', etag };
      }
      continue; // another invocation claimed it first: look again
    } else {
      // Objects without a claim: a writer's leftovers (or someone else's objects): whose are they?
      for (const item of listing) {
        const head = await headOrUndefined(ops, bucket, item.key);
        if (head && writerOf(head.metadata)?.owner !== identity.owner) throw foreign(item.key, head.metadata);
      }
    }
    const newest = claim ? claim.lastModified : Math.max(...listing.map((item) => item.lastModified));
    if (now() - newest > lifetime) {
      // The writer is gone (a Lambda invocation cannot have run this long): remove what this resource left, then claim.
      log(`${s3Uri(bucket, directory)} holds an incomplete write last touched ${new Date(newest).toISOString()}${holder ? ` by request ${holder.requestId}` : ''}: removing it`);
      const removed = await deleteOwned(ops, bucket, directory, (metadata) => writerOf(metadata)?.owner === identity.owner,
        { first: options.manifestKey, last: claimKey });
      if (removed.failed.length > 0) {
        throw new Error(`could not remove the incomplete write under ${s3Uri(bucket, directory)} left by a stopped invocation: ${removed.failed.join('; ')}; delete it by hand and deploy again`);
      }
      continue;
    }
    const who = holder ? `request ${holder.requestId} (writer ${holder.writer}, since ${holder.claimedAt})` : `an invocation that left objects there at ${new Date(newest).toISOString()}`;
    if (now() >= giveUpAt) {
      throw new Error(
        `another invocation of this resource, ${who}, is writing ${s3Uri(bucket, directory)} and did not finish within the ${Math.round(options.waitMs / 1000)} s ` +
          `this one could wait: nothing was written or deleted; deploy again (the next attempt uses its result, or, if it stopped, takes over once its claim is ${lifetime / 60_000} minutes old)`,
      );
    }
    if (waitingFor !== who) log(`waiting for ${who}, which is writing ${s3Uri(bucket, directory)}`);
    waitingFor = who;
    await sleep(Math.min(options.pollMs ?? 2_000, Math.max(0, giveUpAt - now())), signal);
  }
}

/**
 * GetObject of a key the listing just showed, or undefined when it is gone (404): another invocation of this resource
 * may delete what it wrote between this one's listing and its read, and that is a change to look at again, not an
 * error.
 */
async function getListed(ops: S3Operations, bucket: string, key: string, signal: AbortSignal | undefined): Promise<GetObjectCommandOutput | undefined> {
  try {
    return await ops.getObject({ Bucket: bucket, Key: key }, { abortSignal: signal });
  } catch (error) {
    if (httpStatusOf(error) === 404) return undefined;
    throw error;
  }
}

/** Creates the claim if no object is at its key; its ETag, or undefined when another invocation was first. */
async function putClaim(options: Pick<DirectoryClaimOptions<never>, 'ops' | 'bucket' | 'directory' | 'identity' | 'now' | 'signal'>): Promise<string | undefined> {
  const record: ClaimRecord = { ...options.identity, claimedAt: new Date((options.now ?? Date.now)()).toISOString() };
  const body = Buffer.from(JSON.stringify(record, null, 2));
  try {
    const response = await options.ops.putObject({
      Bucket: options.bucket,
      Key: options.directory + CLAIM_FILE_NAME,
      Body: body,
      ContentLength: body.length,
      ContentType: 'application/json',
      Metadata: ownershipMetadata(options.identity),
      IfNoneMatch: '*',
    }, { abortSignal: options.signal });
    return response.ETag ?? '';
  } catch (error) {
    if (isPreconditionFailed(error) || isConditionalConflict(error)) return undefined;
    throw error;
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
