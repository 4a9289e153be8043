import { REMOVED_STRATEGIES, strategyProblem } from '../engine/strategies';
import { ByteSource, CodeFile, InjectionOptions, InjectionResult, InjectionStats, StrategyName } from '../engine/types';
import { WriteArtifactResult, writeArtifact } from './artifact-writer';
import {
  AnswerOptions, answerCustomResource, CustomResourceEvent, CustomResourceOutcome, CustomResourceResponse, respondToCustomResource,
} from '../../common/runtime/custom-resource';
import { oneLine, PutRetryOptions } from '../../common/runtime/presigned-put';
import { parseS3Uri } from '../../common/s3-uri';
import { InjectCodeAttributes, InjectCodeProperties as SharedProperties } from '../resource-types';
import { codeDigest, readZip } from './code-archive';
import { ARTIFACT_FILE_NAME, ArtifactInputs, MANIFEST_FILE_NAME, artifactMetadata, contentDirectory, metadataMatches } from './content-key';
import { SourceObject, s3ByteSource } from './s3-byte-source';
import { S3Operations, httpStatusOf, s3Uri } from './s3-operations';
import { CopyLimits, CopyRates } from './prefix-copy-plan';
import { deleteUnderPrefix } from './prefix-copy';
import { injectIntoPrefix, ownCopyDirectory } from './uncompressed-injection';
import { checkInjectionTime, InjectionRates, tooLargeReason } from './injection-estimate';

/** The custom resource's properties, checked: the shared shape with the values narrowed. */
export interface InjectCodeProperties extends SharedProperties {
  readonly Strategy: StrategyName;
  readonly RemovalPolicy: 'destroy' | 'retain';
}

/** The engine's entry point (`injectCode` of lib/packaging/engine). */
export type InjectCodeFunction = (source: ByteSource, files: CodeFile[], options: InjectionOptions) => Promise<InjectionResult>;

export interface InjectCodeDependencies {
  readonly ops: S3Operations;
  readonly injectCode: InjectCodeFunction;
  /**
   * Milliseconds after which the work is abandoned (its multipart upload aborted) and FAILED is answered; the
   * shell sets it some seconds short of the Lambda's own timeout, so CloudFormation never waits for a timeout.
   */
  readonly timeoutMs?: number;
  /** Milliseconds the abandoned work gets to abort its upload before FAILED is answered. @default 10000 */
  readonly cleanupGraceMs?: number;
  /** Where to read the details (the log stream), added to a FAILED reason. */
  readonly logHint?: string;
  readonly log?: (message: string) => void;
  /** Writer tuning, for tests. */
  readonly speculate?: boolean;
  readonly copyConcurrency?: number;
  readonly readChunkSize?: number;
  /** Limits of the uncompressed copy (tests scale the single-copy limit and part size down). */
  readonly copyLimits?: CopyLimits;
  /** The rates the uncompressed copy is planned with. */
  readonly copyRates?: CopyRates;
  /** How long a failure waits for copies S3 is still running before aborting and deleting. @default 15000 */
  readonly inFlightCopyWaitMs?: number;
  /**
   * The function's memory (MiB), which sets its vCPUs: with `timeoutMs`, a compressed artifact whose estimated
   * `auto`/`scan`/`stream` time exceeds the time left fails at once (see injection-estimate.ts). Unset: no estimate.
   */
  readonly memoryMiB?: number;
  /** The rates of that estimate. @default MEASURED_RATES */
  readonly injectionRates?: InjectionRates;
}

/** The custom resource's attributes (`Fn::GetAtt`). */
export interface InjectCodeData extends InjectCodeAttributes, Record<string, string> {}

/** What `injection.json` beside the artifact records. */
export interface InjectionManifest {
  readonly artifact: string;
  readonly source: { readonly uri: string; readonly etag: string; readonly size: number };
  readonly codeSha256: string;
  readonly strategyRequested: string;
  readonly strategy: string;
  readonly reason: string;
  readonly entries: string[];
  readonly stats: InjectionStats;
  /** Bytes fetched from the original, by the engine and by the writer (short ranges it re-uploads). */
  readonly sourceBytesRead: number;
  readonly write: Omit<WriteArtifactResult, 'parts'> & { readonly parts: number };
}

/**
 * Checks the properties, with messages that name the property. `forDelete`: a removed strategy (`tail`) is accepted,
 * so that a Delete removes what an older version of the construct wrote with it.
 */
export function parseProperties(raw: Record<string, unknown>, forDelete = false): InjectCodeProperties {
  const text = (name: keyof SharedProperties): string => {
    const value = raw[name];
    if (typeof value !== 'string' || value.length === 0) throw new Error(`custom resource property ${name} must be a non-empty string`);
    return value;
  };
  const strategy = text('Strategy');
  const problem = strategyProblem(strategy, 'custom resource property Strategy', 'InjectionStrategy.SCAN or AUTO (strategy scan or auto)');
  if (problem && !(forDelete && REMOVED_STRATEGIES[strategy] !== undefined)) throw new Error(problem);
  const removalPolicy = text('RemovalPolicy');
  if (removalPolicy !== 'destroy' && removalPolicy !== 'retain') {
    throw new Error(`custom resource property RemovalPolicy must be destroy or retain, got ${removalPolicy}`);
  }
  const outputPrefix = text('OutputPrefix');
  if (!outputPrefix.endsWith('/')) throw new Error(`custom resource property OutputPrefix must end with '/', got ${outputPrefix}`);
  const source = raw.SourcePrefix === undefined ? { SourceKey: text('SourceKey') } : { SourcePrefix: text('SourcePrefix') };
  if (source.SourcePrefix !== undefined) {
    if (raw.SourceKey !== undefined) throw new Error('custom resource properties SourceKey and SourcePrefix exclude each other');
    if (!source.SourcePrefix.endsWith('/')) throw new Error(`custom resource property SourcePrefix must end with '/', got ${source.SourcePrefix}`);
  }
  return {
    SourceBucket: text('SourceBucket'),
    ...source,
    CodeBucket: text('CodeBucket'),
    CodeKey: text('CodeKey'),
    Strategy: strategy as StrategyName,
    OutputBucket: text('OutputBucket'),
    OutputPrefix: outputPrefix,
    RemovalPolicy: removalPolicy,
  };
}

/**
 * Answers one CloudFormation request. Never throws: every failure becomes FAILED with a one-line reason, and a
 * request that runs past `timeoutMs` is abandoned (upload aborted) and answered FAILED.
 */
export async function handleEvent(event: CustomResourceEvent, deps: InjectCodeDependencies): Promise<CustomResourceResponse> {
  return answerCustomResource(event, (signal) => processEvent(event, deps, signal), answerOptions(deps));
}

/**
 * Answers one CloudFormation request and PUTs the answer to its ResponseURL. Throws only when the answer cannot
 * be delivered (then Lambda's retry of the asynchronous invocation tries again, and finds the work done).
 */
export async function respondToEvent(event: CustomResourceEvent, deps: InjectCodeDependencies, retry: PutRetryOptions = {}): Promise<CustomResourceResponse> {
  return respondToCustomResource(event, (signal) => processEvent(event, deps, signal), { ...answerOptions(deps), retry });
}

function answerOptions(deps: InjectCodeDependencies): AnswerOptions {
  return {
    timeoutMs: deps.timeoutMs,
    graceMs: deps.cleanupGraceMs,
    timeoutError: (seconds) => new Error(
      `the code injection did not finish within ${seconds} s, the function's time budget: give the construct more memory (more CPU and network), or serve the model uncompressed`,
    ),
    logHint: deps.logHint,
    log: deps.log,
  };
}

async function processEvent(event: CustomResourceEvent, deps: InjectCodeDependencies, signal: AbortSignal): Promise<CustomResourceOutcome> {
  if (event.RequestType === 'Delete') {
    let props: InjectCodeProperties;
    try {
      props = parseProperties(event.ResourceProperties, true);
    } catch (error) {
      // Properties this invalid never wrote anything (their Create failed): a Delete must not get stuck on them.
      deps.log?.(`Delete with invalid properties (${(error as Error).message}): nothing to delete`);
      return { physicalResourceId: event.PhysicalResourceId ?? '' };
    }
    await deleteCreated(event.PhysicalResourceId, props, deps);
    return { physicalResourceId: event.PhysicalResourceId ?? '' };
  }
  const props = parseProperties(event.ResourceProperties);
  const data = props.SourcePrefix !== undefined ? await injectUncompressed(props, deps, signal) : await inject(props, deps, signal);
  // The physical id is the new object's URI: when an Update changes any input, the key (and so the id) changes
  // and CloudFormation, once the stack update succeeds, sends a Delete for the old id, which removes the old object.
  return { physicalResourceId: data.ArtifactS3Uri, data };
}

/** Copies (or finds) the uncompressed model data with the code, for an original given as a prefix. */
export async function injectUncompressed(props: InjectCodeProperties, deps: InjectCodeDependencies, signal?: AbortSignal): Promise<InjectCodeData> {
  const startedAt = Date.now();
  const code = await readCode(props, deps.ops);
  const outcome = await injectIntoPrefix({
    ops: deps.ops,
    sourceBucket: props.SourceBucket,
    sourcePrefix: props.SourcePrefix!,
    outputBucket: props.OutputBucket,
    outputPrefix: props.OutputPrefix,
    code,
    remainingMs: deps.timeoutMs === undefined ? undefined : () => deps.timeoutMs! - (Date.now() - startedAt),
    limits: deps.copyLimits,
    rates: deps.copyRates,
    signal,
    log: deps.log,
    inFlightCopyWaitMs: deps.inFlightCopyWaitMs,
  });
  return dataOf({ bucket: outcome.bucket, key: outcome.prefix }, 'copy', outcome.reason);
}

/** Writes (or finds) the artifact for the current inputs. */
export async function inject(props: InjectCodeProperties, deps: InjectCodeDependencies, signal?: AbortSignal): Promise<InjectCodeData> {
  const startedAt = Date.now();
  const log = deps.log ?? (() => undefined);
  const source = await headSource(props as InjectCodeProperties & { SourceKey: string }, deps.ops);
  const files = await readCode(props, deps.ops);
  const inputs: ArtifactInputs = { sourceEtag: source.etag, sourceSize: source.size, codeSha256: codeDigest(files), strategy: props.Strategy };
  const directory = contentDirectory(props.OutputPrefix, inputs);
  const destination = { bucket: props.OutputBucket, key: directory + ARTIFACT_FILE_NAME };
  const manifestKey = directory + MANIFEST_FILE_NAME;
  if (destination.bucket === source.bucket && destination.key === source.key) {
    throw new Error(`the output location ${s3Uri(destination.bucket, destination.key)} is the original artifact; choose another output prefix`);
  }

  const existing = await findExisting(deps.ops, destination, manifestKey, inputs);
  if (existing.manifest) {
    log(`${s3Uri(destination.bucket, destination.key)} already holds this artifact: nothing to do`);
    return dataOf(destination, existing.manifest.strategy, existing.manifest.reason);
  }

  refuseWhenTooLarge(props, deps, source, startedAt);

  // What this invocation may have written, so that a failure before SUCCESS leaves nothing behind: the physical id
  // of a FAILED answer never names the new object, so no Delete would ever remove it (and the construct's bucket,
  // which has no autoDeleteObjects, could then not be deleted).
  const written = { artifact: false, manifest: false };
  try {
    const result = await writeAndRecord(props, deps, signal, { source, files, inputs, destination, manifestKey }, written);
    // The deadline may have struck while the manifest was in flight: the answer is then FAILED, so the artifact goes.
    signal?.throwIfAborted();
    return result;
  } catch (error) {
    if (written.artifact) await removeUnanswered(deps, destination, manifestKey, written.manifest, existing.occupant, error);
    throw error;
  }
}

/**
 * Fails at once, before anything is written, when the estimated time of `auto`, `scan` or `stream` on this artifact
 * exceeds the time left; the reason names the options that apply.
 */
function refuseWhenTooLarge(props: InjectCodeProperties, deps: InjectCodeDependencies, source: SourceObject, startedAt: number): void {
  if (deps.memoryMiB === undefined || deps.timeoutMs === undefined) return;
  const check = {
    strategy: props.Strategy,
    sizeBytes: source.size,
    memoryMiB: deps.memoryMiB,
    remainingMs: deps.timeoutMs - (Date.now() - startedAt),
    rates: deps.injectionRates,
  };
  const verdict = checkInjectionTime(check);
  if (verdict.fits) {
    if (verdict.estimateSeconds !== undefined) deps.log?.(`estimated ${Math.round(verdict.estimateSeconds)} s for ${props.Strategy} on ${source.size} bytes with ${deps.memoryMiB} MiB`);
    return;
  }
  throw new Error(tooLargeReason(s3Uri(source.bucket, source.key), check, verdict));
}

interface WritePlan {
  readonly source: SourceObject;
  readonly files: CodeFile[];
  readonly inputs: ArtifactInputs;
  readonly destination: { bucket: string; key: string };
  readonly manifestKey: string;
}

/** Writes the artifact, then its manifest; marks in `written` each object from the moment its request is sent. */
async function writeAndRecord(
  props: InjectCodeProperties,
  deps: InjectCodeDependencies,
  signal: AbortSignal | undefined,
  { source, files, inputs, destination, manifestKey }: WritePlan,
  written: { artifact: boolean; manifest: boolean },
): Promise<InjectCodeData> {
  const log = deps.log ?? (() => undefined);
  const reader = s3ByteSource(deps.ops, source, { signal, chunkSize: deps.readChunkSize });
  let injection: InjectionResult | undefined;
  const write = await writeArtifact({
    ops: deps.ops,
    source,
    reader,
    destination,
    metadata: artifactMetadata(inputs),
    signal,
    log,
    speculate: deps.speculate,
    copyConcurrency: deps.copyConcurrency,
    onCommit: () => (written.artifact = true),
    produce: async () => {
      injection = await deps.injectCode(reader, files, { strategy: props.Strategy });
      log(`strategy ${injection.strategy}: ${injection.reason}`);
      return injection.segments;
    },
  });
  const result = injection!;
  const stats = result.stats();
  const manifest: InjectionManifest = {
    artifact: s3Uri(destination.bucket, destination.key),
    source: { uri: s3Uri(source.bucket, source.key), etag: source.etag, size: source.size },
    codeSha256: inputs.codeSha256,
    strategyRequested: props.Strategy,
    strategy: result.strategy,
    reason: result.reason,
    entries: stats.entries,
    stats,
    sourceBytesRead: reader.bytesRead,
    write: { ...write, parts: write.parts.length },
  };
  log(JSON.stringify(manifest));
  // Written last: its presence tells a retry that the artifact is complete.
  const body = Buffer.from(JSON.stringify(manifest, null, 2));
  written.manifest = true;
  await deps.ops.putObject(
    { Bucket: destination.bucket, Key: manifestKey, Body: body, ContentLength: body.length, ContentType: 'application/json' },
    { abortSignal: signal },
  );
  return dataOf(destination, result.strategy, result.reason);
}

/**
 * After a failure that comes once the new artifact may exist: deletes it (and its manifest, if that was sent), so
 * that FAILED leaves nothing behind. Only what this invocation created: an object that was at the key before it
 * and that may be a complete artifact (its manifest could not be read, or its metadata or size differ) may belong
 * to an earlier attempt that succeeded, and is kept. Best effort, not bound to the abort signal (the deadline may
 * be what failed); a delete that fails is logged and the original error stands.
 */
async function removeUnanswered(
  deps: InjectCodeDependencies,
  destination: { bucket: string; key: string },
  manifestKey: string,
  manifestSent: boolean,
  occupant: Occupant,
  cause: unknown,
): Promise<void> {
  const log = deps.log ?? (() => undefined);
  const uri = s3Uri(destination.bucket, destination.key);
  if (occupant === 'unverified') {
    log(`keeping ${uri} after the failure: an object was there before this attempt and may be a complete artifact`);
    return;
  }
  // The manifest first: an artifact without a manifest is never reused, so an interruption between them is safe.
  for (const key of manifestSent ? [manifestKey, destination.key] : [destination.key]) {
    try {
      await deps.ops.deleteObject({ Bucket: destination.bucket, Key: key });
      log(`deleted ${s3Uri(destination.bucket, key)}, written by this attempt, which fails: ${oneLine((cause as Error)?.message ?? String(cause), 300)}`);
    } catch (error) {
      log(`could not delete ${s3Uri(destination.bucket, key)} after the failure (delete it by hand): ${(error as Error)?.message ?? String(error)}`);
    }
  }
}

async function headSource(props: InjectCodeProperties & { SourceKey: string }, ops: S3Operations): Promise<SourceObject> {
  const uri = s3Uri(props.SourceBucket, props.SourceKey);
  try {
    const head = await ops.headObject({ Bucket: props.SourceBucket, Key: props.SourceKey });
    if (!head.ETag || head.ContentLength === undefined) throw new Error(`S3 returned no ETag or size for ${uri}`);
    return { bucket: props.SourceBucket, key: props.SourceKey, etag: head.ETag, size: head.ContentLength };
  } catch (error) {
    const status = httpStatusOf(error);
    if (status === 404) throw new Error(`the model artifact ${uri} does not exist`);
    if (status === 403) throw new Error(`access denied to the model artifact ${uri}: it is missing, or the function may not read it`);
    throw error;
  }
}

async function readCode(props: InjectCodeProperties, ops: S3Operations): Promise<CodeFile[]> {
  const response = await ops.getObject({ Bucket: props.CodeBucket, Key: props.CodeKey });
  if (!response.Body) throw new Error(`empty inference code asset ${s3Uri(props.CodeBucket, props.CodeKey)}`);
  const files = readZip(await response.Body.transformToByteArray());
  if (!files.some((file) => file.path === 'inference.py')) {
    throw new Error(`the inference code asset ${s3Uri(props.CodeBucket, props.CodeKey)} has no inference.py at its root`);
  }
  return files;
}

/**
 * What the destination key held before this attempt wrote anything: `absent`; an `orphan` (an artifact made from
 * these inputs whose manifest is definitely missing: an attempt that never answered SUCCESS, since SUCCESS comes
 * after the manifest); or `unverified` (an object that could not be shown to be either, which a failure must not
 * delete).
 */
type Occupant = 'absent' | 'orphan' | 'unverified';

interface ExistingArtifact {
  /** Set when the key holds a complete artifact made from the same inputs: it is reused as it is. */
  readonly manifest?: InjectionManifest;
  readonly occupant: Occupant;
}

/** Looks for a complete artifact already written from the same inputs, and says what the key holds otherwise. */
async function findExisting(
  ops: S3Operations,
  destination: { bucket: string; key: string },
  manifestKey: string,
  inputs: ArtifactInputs,
): Promise<ExistingArtifact> {
  // ListObjectsV2 rather than HeadObject: without s3:ListBucket, HeadObject of a missing key is a 403, not a 404.
  const listing = await ops.listObjectsV2({ Bucket: destination.bucket, Prefix: destination.key, MaxKeys: 1 });
  if (listing.Contents?.[0]?.Key !== destination.key) return { occupant: 'absent' };
  const head = await ops.headObject({ Bucket: destination.bucket, Key: destination.key });
  if (!metadataMatches(head.Metadata, inputs)) return { occupant: 'unverified' };
  let manifest: InjectionManifest;
  try {
    const response = await ops.getObject({ Bucket: destination.bucket, Key: manifestKey });
    manifest = JSON.parse(await response.Body!.transformToString()) as InjectionManifest;
  } catch (error) {
    // No manifest: a previous attempt stopped between the artifact and its manifest. Write both again. (The function
    // may list the prefix, so a missing key is a 404; anything else leaves the object's origin unknown.)
    return { occupant: httpStatusOf(error) === 404 ? 'orphan' : 'unverified' };
  }
  if (typeof manifest.strategy !== 'string' || typeof manifest.reason !== 'string') return { occupant: 'unverified' };
  if (manifest.write && head.ContentLength !== manifest.write.size) return { occupant: 'unverified' };
  return { manifest, occupant: 'unverified' };
}

function dataOf(destination: { bucket: string; key: string }, strategy: string, reason: string): InjectCodeData {
  return {
    ArtifactS3Uri: s3Uri(destination.bucket, destination.key),
    ArtifactBucket: destination.bucket,
    ArtifactKey: destination.key,
    Strategy: strategy,
    Reason: oneLine(reason, 300),
  };
}

/**
 * Removes what this resource wrote, and only that: the physical id must name an artifact under the resource's
 * own output prefix. A failed Create's marker id, or anything else, is left alone; so is everything when the
 * removal policy is retain.
 */
async function deleteCreated(physicalResourceId: string | undefined, props: InjectCodeProperties, deps: InjectCodeDependencies): Promise<void> {
  const log = deps.log ?? (() => undefined);
  if (props.RemovalPolicy === 'retain') {
    log(`removal policy retain: keeping ${physicalResourceId}`);
    return;
  }
  const copyDirectory = ownCopyDirectory(physicalResourceId, props.OutputBucket, props.OutputPrefix);
  if (copyDirectory) {
    // The manifest first: a copy without a manifest is never reused, so a Delete interrupted here is safe.
    await deps.ops.deleteObject({ Bucket: props.OutputBucket, Key: copyDirectory + MANIFEST_FILE_NAME });
    const deleted = await deleteUnderPrefix(deps.ops, props.OutputBucket, copyDirectory, log, true);
    log(`deleted ${physicalResourceId}: ${deleted} objects and the manifest`);
    return;
  }
  const location = parseS3Uri(physicalResourceId);
  const ours =
    location !== undefined &&
    location.bucket === props.OutputBucket &&
    location.key.startsWith(props.OutputPrefix) &&
    location.key.endsWith(`/${ARTIFACT_FILE_NAME}`) &&
    !location.key.slice(props.OutputPrefix.length).includes('..');
  if (!location || !ours) {
    log(`${physicalResourceId} is not an artifact this resource wrote: nothing to delete`);
    return;
  }
  const directory = location.key.slice(0, -ARTIFACT_FILE_NAME.length);
  // The manifest first: an artifact without a manifest is never reused, so a Delete interrupted here is safe.
  await deps.ops.deleteObject({ Bucket: location.bucket, Key: directory + MANIFEST_FILE_NAME });
  await deps.ops.deleteObject({ Bucket: location.bucket, Key: location.key });
  log(`deleted ${physicalResourceId} and its manifest`);
}
