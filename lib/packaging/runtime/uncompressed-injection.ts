import type { CodeFile } from '../engine/types';
import { oneLine } from '../../common/runtime/presigned-put';
import { parseS3Uri } from '../../common/s3-uri';
import { codeDigest } from './code-archive';
import { MANIFEST_FILE_NAME } from './content-key';
import { CLAIM_FILE_NAME, claimDirectory } from './directory-claim';
import { writeManifest } from './manifest-write';
import { withCleanupProblems } from './multipart-abort';
import { ListedKey, WriterIdentity, deleteOwned, writerOf } from './ownership';
import { copyPrefix, PrefixCopyResult } from './prefix-copy';
import {
  CopyLimits, CopyRates, DEFAULT_COPY_LIMITS, DEFAULT_COPY_RATES, ListedObject, PrefixCopyPlan, planPrefixCopy, prefixCopyDirectory,
} from './prefix-copy-plan';
import { S3Operations, httpStatusOf, isConditionalConflict, s3Uri } from './s3-operations';

/** The folder of a content directory that holds the new model data (beside its `injection.json`). */
export const MODEL_FOLDER = 'model/';

/** Seconds the plan keeps for what follows the copies: the code files, the verifying listing, the manifest. */
const FIXED_SECONDS = 5;

export interface PrefixInjectionInput {
  readonly ops: S3Operations;
  readonly sourceBucket: string;
  readonly sourcePrefix: string;
  readonly outputBucket: string;
  readonly outputPrefix: string;
  readonly code: CodeFile[];
  /** Who writes (see ownership.ts): part of the content directory's hash, and of every object's metadata. */
  readonly identity: WriterIdentity;
  /** How the content directory is claimed (directory-claim.ts). */
  readonly claim: { readonly waitMs: number; readonly pollMs?: number; readonly now?: () => number; readonly writerLifetimeMs?: number };
  /**
   * Called with the URI of the new model data (or undefined) whenever whether a failure leaves objects behind
   * changes: a failed Create names them as its physical id, so that the rollback's Delete removes them.
   */
  readonly onLeftover?: (uri: string | undefined) => void;
  /** Milliseconds of work left; undefined: no deadline. */
  readonly remainingMs?: () => number;
  readonly limits?: CopyLimits;
  readonly rates?: CopyRates;
  readonly signal?: AbortSignal;
  readonly log?: (message: string) => void;
  readonly inFlightCopyWaitMs?: number;
}

export interface PrefixInjectionOutcome {
  readonly bucket: string;
  /** The new model prefix, ending with `/`. */
  readonly prefix: string;
  readonly reason: string;
}

/** What `injection.json` beside an uncompressed copy records. */
export interface PrefixInjectionManifest {
  readonly modelData: string;
  readonly source: { readonly uri: string; readonly objects: number; readonly bytes: number };
  readonly codeSha256: string;
  readonly strategy: 'copy';
  readonly reason: string;
  readonly plan: { readonly objects: number; readonly bytes: number; readonly requests: number; readonly concurrency: number; readonly estimatedSeconds: number };
  readonly replacedCodeObjects: string[];
  readonly result: PrefixCopyResult;
  /** Every object of the new model data (key relative to it) with its ETag: what makes the directory complete. */
  readonly objects: { readonly [name: string]: string };
  /** Who wrote it (see ownership.ts). */
  readonly writtenBy: WriterIdentity;
}

/** Lists every object under the prefix (paginated). */
export async function listPrefix(ops: S3Operations, bucket: string, prefix: string, signal?: AbortSignal): Promise<ListedObject[]> {
  const objects: ListedObject[] = [];
  let token: string | undefined;
  do {
    let page;
    try {
      page = await ops.listObjectsV2({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }, { abortSignal: signal });
    } catch (error) {
      const status = httpStatusOf(error);
      if (status === 403) throw new Error(`access denied listing the model data ${s3Uri(bucket, prefix)}: the function may not list it`);
      if (status === 404) throw new Error(`the bucket of the model data ${s3Uri(bucket, prefix)} does not exist`);
      throw error;
    }
    for (const item of page.Contents ?? []) {
      objects.push({ name: item.Key!.slice(prefix.length), size: item.Size ?? 0, etag: item.ETag ?? '' });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return objects;
}

/** The FAILED reason of a plan that cannot finish in time: what it needs, what is left, and what to do. */
export function tooSlowReason(plan: PrefixCopyPlan, neededSeconds: number, remainingSeconds: number, rates: CopyRates): string {
  return `the copy of ${plan.objects} objects (${(plan.bytes / 1e9).toFixed(1)} GB, ${plan.requests} requests, ${plan.concurrency} in flight) ` +
    `needs about ${Math.ceil(neededSeconds)} s at the planning rates (${rates.requestMs} ms per request, ` +
    `${Math.round(rates.copyBytesPerSecond / 2 ** 20)} MiB/s per copy), more than the ${Math.floor(remainingSeconds)} s this function has left: ` +
    'nothing was written. Have the training script write code/inference.py into its model directory (SM_MODEL_DIR) and serve the model without inferenceCode, ' +
    'or split the model over fewer, larger objects (each copy request has a fixed cost)';
}

/**
 * Writes `<outputPrefix><hash>/model/` = a server-side copy of every object under the original prefix except its
 * `code/`, plus the new `code/` files, then `<outputPrefix><hash>/injection.json`. The hash covers every listed
 * object (name, size, ETag), the code and the resource: the same inputs find the copy already made. Plans first and
 * fails at once when the plan cannot finish before the deadline. The directory is claimed first (directory-claim.ts)
 * and every object is created only where none exists; a failure before the manifest is sent deletes what this
 * invocation wrote, and only that.
 */
export async function injectIntoPrefix(input: PrefixInjectionInput): Promise<PrefixInjectionOutcome> {
  const log = input.log ?? (() => undefined);
  const limits = input.limits ?? DEFAULT_COPY_LIMITS;
  const rates = input.rates ?? DEFAULT_COPY_RATES;
  const listing = await listPrefix(input.ops, input.sourceBucket, input.sourcePrefix, input.signal);
  if (listing.length === 0) {
    throw new Error(`there are no objects under ${s3Uri(input.sourceBucket, input.sourcePrefix)}: nothing to serve`);
  }
  const codeSha256 = codeDigest(input.code);
  const directory = prefixCopyDirectory(input.outputPrefix, listing, codeSha256, input.identity.owner);
  const modelPrefix = directory + MODEL_FOLDER;
  const manifestKey = directory + MANIFEST_FILE_NAME;

  const claimOptions = {
    ops: input.ops,
    bucket: input.outputBucket,
    directory,
    identity: input.identity,
    manifestKey,
    checkManifest: (manifest: unknown, found: readonly ListedKey[]) => completeCopy(manifest, found, modelPrefix),
    ...input.claim,
    signal: input.signal,
    log,
  };
  // Only look first: a plan that cannot finish in time must fail before anything (the claim included) is written.
  const existing = await claimDirectory<PrefixInjectionManifest>({ ...claimOptions, lookOnly: true });
  if (existing.kind === 'complete') {
    log(`${s3Uri(input.outputBucket, modelPrefix)} already holds this copy: nothing to do`);
    return { bucket: input.outputBucket, prefix: modelPrefix, reason: oneLine(existing.manifest.reason, 300) };
  }

  const plan = planPrefixCopy(listing, limits, rates);
  const neededSeconds = plan.estimatedSeconds + FIXED_SECONDS;
  log(`plan: ${plan.objects} objects, ${plan.bytes} bytes, ${plan.requests} copy requests, ${plan.concurrency} in flight, ~${neededSeconds.toFixed(1)} s`);
  const remainingMs = input.remainingMs?.();
  if (remainingMs !== undefined && neededSeconds * 1000 > remainingMs) {
    throw new Error(tooSlowReason(plan, neededSeconds, remainingMs / 1000, rates));
  }
  const replaced = plan.replacedCode.map((object) => object.name);
  const reason = `uncompressed model data: server-side copy of ${plan.objects} objects (${plan.bytes} bytes) and ${input.code.length} code files` +
    (replaced.length > 0 ? `; the original's ${replaced.length} code/ objects replaced` : '');

  const claim = await claimDirectory<PrefixInjectionManifest>(claimOptions);
  if (claim.kind === 'complete') {
    log(`${s3Uri(input.outputBucket, modelPrefix)} was completed by another invocation of this resource meanwhile`);
    return { bucket: input.outputBucket, prefix: modelPrefix, reason: oneLine(claim.manifest.reason, 300) };
  }
  input.onLeftover?.(s3Uri(input.outputBucket, modelPrefix));
  const manifestState = { sent: false };
  try {
    let result;
    for (let round = 1; ; round++) {
      try {
        result = await copyPrefix({
          ops: input.ops,
          sourceBucket: input.sourceBucket,
          sourcePrefix: input.sourcePrefix,
          destinationBucket: input.outputBucket,
          destinationPrefix: modelPrefix,
          identity: input.identity,
          plan,
          limits,
          code: input.code,
          signal: input.signal,
          log,
          inFlightCopyWaitMs: input.inFlightCopyWaitMs,
        });
        break;
      } catch (error) {
        // Objects this invocation already wrote are recognised as its own by the next round.
        if (!isConditionalConflict(error) || round >= MAX_CONFLICT_ROUNDS) throw error;
        log(`a concurrent write under ${s3Uri(input.outputBucket, modelPrefix)} (409 ConditionalRequestConflict): copying again (round ${round + 1})`);
      }
    }
    const manifest: PrefixInjectionManifest = {
      modelData: s3Uri(input.outputBucket, modelPrefix),
      source: { uri: s3Uri(input.sourceBucket, input.sourcePrefix), objects: listing.length, bytes: listing.reduce((sum, o) => sum + o.size, 0) },
      codeSha256,
      strategy: 'copy',
      reason,
      plan: { objects: plan.objects, bytes: plan.bytes, requests: plan.requests, concurrency: plan.concurrency, estimatedSeconds: plan.estimatedSeconds },
      replacedCodeObjects: replaced,
      result: result.summary,
      objects: result.objects,
      writtenBy: input.identity,
    };
    log(JSON.stringify({ ...manifest, replacedCodeObjects: replaced.length, objects: Object.keys(result.objects).length }));
    input.signal?.throwIfAborted();
    // Written last, outside the model prefix (SageMaker copies every object under it into the container): its
    // presence tells every other invocation that the copy is complete.
    await writeManifest(input.ops, { bucket: input.outputBucket, key: manifestKey }, manifest, input.identity, manifestState);
    input.signal?.throwIfAborted();
    return { bucket: input.outputBucket, prefix: modelPrefix, reason: oneLine(reason, 300) };
  } catch (error) {
    if (manifestState.sent) {
      log(`keeping ${s3Uri(input.outputBucket, directory)} after the failure: its manifest may exist, so another invocation may have reported it`);
      throw error;
    }
    const removal = await deleteOwned(input.ops, input.outputBucket, directory, (metadata) => writerOf(metadata)?.writer === input.identity.writer,
      { first: manifestKey, last: directory + CLAIM_FILE_NAME })
      .catch((listError: Error) => ({ deleted: [], kept: [], failed: [`the listing of ${s3Uri(input.outputBucket, directory)} (${listError.message})`] }));
    if (removal.deleted.length > 0) log(`deleted ${removal.deleted.length} objects under ${s3Uri(input.outputBucket, directory)} written by this attempt, which fails`);
    if (removal.failed.length === 0) {
      input.onLeftover?.(undefined);
      throw error;
    }
    const failed = `${removal.failed.slice(0, 3).join(', ')}${removal.failed.length > 3 ? ` and ${removal.failed.length - 3} more` : ''}`;
    throw withCleanupProblems(error, [`${failed} could not be deleted after the failure: delete what this resource wrote under ${s3Uri(input.outputBucket, directory)} by hand`]);
  }
}

/** How many times a copy that met S3's 409 (a concurrent conditional write) is run. */
const MAX_CONFLICT_ROUNDS = 3;

/** The manifest, when it is a copy's and the listing holds exactly the objects it records (same keys, same ETags). */
function completeCopy(manifest: unknown, listing: readonly ListedKey[], modelPrefix: string): PrefixInjectionManifest | undefined {
  const m = manifest as Partial<PrefixInjectionManifest> | undefined;
  if (m?.strategy !== 'copy' || typeof m.reason !== 'string' || !m.objects || !m.writtenBy) return undefined;
  const found = listing.filter((item) => item.key.startsWith(modelPrefix));
  const expected = Object.entries(m.objects);
  if (found.length !== expected.length) return undefined;
  const etags = new Map(found.map((item) => [item.key.slice(modelPrefix.length), item.etag]));
  return expected.every(([name, etag]) => etags.get(name) === etag) ? m as PrefixInjectionManifest : undefined;
}

/**
 * The content directory a physical id names, when it is an uncompressed copy this resource wrote
 * (`s3://<output bucket>/<output prefix><hash>/model/`), else undefined.
 */
export function ownCopyDirectory(physicalResourceId: string | undefined, outputBucket: string, outputPrefix: string): string | undefined {
  const location = parseS3Uri(physicalResourceId);
  if (!location || location.bucket !== outputBucket || !location.key.startsWith(outputPrefix) || !location.key.endsWith(`/${MODEL_FOLDER}`)) return undefined;
  const hash = location.key.slice(outputPrefix.length, -(MODEL_FOLDER.length + 1));
  return /^[0-9a-f]{32}$/.test(hash) ? `${outputPrefix}${hash}/` : undefined;
}
