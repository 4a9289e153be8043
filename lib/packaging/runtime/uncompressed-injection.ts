import type { CodeFile } from '../engine/types';
import { oneLine } from '../../common/runtime/presigned-put';
import { parseS3Uri } from '../../common/s3-uri';
import { codeDigest } from './code-archive';
import { MANIFEST_FILE_NAME } from './content-key';
import { copyPrefix, deleteUnderPrefix, PrefixCopyResult } from './prefix-copy';
import {
  CopyLimits, CopyRates, DEFAULT_COPY_LIMITS, DEFAULT_COPY_RATES, ListedObject, PrefixCopyPlan, planPrefixCopy, prefixCopyDirectory,
} from './prefix-copy-plan';
import { S3Operations, httpStatusOf, s3Uri } from './s3-operations';

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
 * object (name, size, ETag) and the code: the same inputs find the copy already made. Plans first and fails at
 * once when the plan cannot finish before the deadline.
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
  const directory = prefixCopyDirectory(input.outputPrefix, listing, codeSha256);
  const modelPrefix = directory + MODEL_FOLDER;
  const manifestKey = directory + MANIFEST_FILE_NAME;

  const existing = await readManifest(input.ops, input.outputBucket, manifestKey);
  if (existing) {
    log(`${s3Uri(input.outputBucket, modelPrefix)} already holds this copy: nothing to do`);
    return { bucket: input.outputBucket, prefix: modelPrefix, reason: existing.reason };
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

  const result = await copyPrefix({
    ops: input.ops,
    sourceBucket: input.sourceBucket,
    sourcePrefix: input.sourcePrefix,
    destinationBucket: input.outputBucket,
    destinationPrefix: modelPrefix,
    cleanupPrefix: directory,
    plan,
    limits,
    code: input.code,
    signal: input.signal,
    log,
    inFlightCopyWaitMs: input.inFlightCopyWaitMs,
  });
  const manifest: PrefixInjectionManifest = {
    modelData: s3Uri(input.outputBucket, modelPrefix),
    source: { uri: s3Uri(input.sourceBucket, input.sourcePrefix), objects: listing.length, bytes: listing.reduce((sum, o) => sum + o.size, 0) },
    codeSha256,
    strategy: 'copy',
    reason,
    plan: { objects: plan.objects, bytes: plan.bytes, requests: plan.requests, concurrency: plan.concurrency, estimatedSeconds: plan.estimatedSeconds },
    replacedCodeObjects: replaced,
    result,
  };
  log(JSON.stringify({ ...manifest, replacedCodeObjects: replaced.length }));
  try {
    input.signal?.throwIfAborted();
    const body = Buffer.from(JSON.stringify(manifest, null, 2));
    // Written last, outside the model prefix (SageMaker copies every object under it into the container): its
    // presence tells a retry that the copy is complete.
    await input.ops.putObject(
      { Bucket: input.outputBucket, Key: manifestKey, Body: body, ContentLength: body.length, ContentType: 'application/json' },
      { abortSignal: input.signal },
    );
    input.signal?.throwIfAborted();
  } catch (error) {
    await deleteUnderPrefix(input.ops, input.outputBucket, directory, log);
    throw error;
  }
  return { bucket: input.outputBucket, prefix: modelPrefix, reason: oneLine(reason, 300) };
}

async function readManifest(ops: S3Operations, bucket: string, key: string): Promise<PrefixInjectionManifest | undefined> {
  // The function may list its prefix, so a missing manifest is a 404.
  const listing = await ops.listObjectsV2({ Bucket: bucket, Prefix: key, MaxKeys: 1 });
  if (listing.Contents?.[0]?.Key !== key) return undefined;
  const response = await ops.getObject({ Bucket: bucket, Key: key });
  const manifest = JSON.parse(await response.Body!.transformToString()) as PrefixInjectionManifest;
  return typeof manifest.reason === 'string' && manifest.strategy === 'copy' ? manifest : undefined;
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
