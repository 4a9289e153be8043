import { REMOVED_STRATEGIES, strategyProblem } from '../engine/strategies';
import { ByteSource, CodeFile, InjectionOptions, InjectionResult, InjectionStats, StrategyName } from '../engine/types';
import { WriteArtifactResult, writeArtifact } from './artifact-writer';
import {
  AnswerOptions, answerCustomResource, CustomResourceEvent, CustomResourceOutcome, CustomResourceResponse, failedCreateMarker,
  respondToCustomResource,
} from '../../common/runtime/custom-resource';
import { oneLine, PutRetryOptions } from '../../common/runtime/presigned-put';
import { parseS3Uri } from '../../common/s3-uri';
import { InjectCodeAttributes, InjectCodeProperties as SharedProperties } from '../resource-types';
import { codeDigest, readZip } from './code-archive';
import {
  ARTIFACT_FILE_NAME, ArtifactInputs, MANIFEST_FILE_NAME, artifactMetadata, contentDirectory, inputsOfMetadata, legacyContentDirectory,
} from './content-key';
import { CLAIM_FILE_NAME, claimDirectory } from './directory-claim';
import { withCleanupProblems } from './multipart-abort';
import {
  ListedKey, WriterIdentity, deleteOwned, headOrUndefined, ownerOf, ownershipMetadata, writerIdentity, writerOf,
} from './ownership';
import { SourceObject, s3ByteSource } from './s3-byte-source';
import { S3Operations, httpStatusOf, isConditionalConflict, s3Uri } from './s3-operations';
import { CopyLimits, CopyRates } from './prefix-copy-plan';
import { deleteUnderPrefix } from './prefix-copy';
import { PrefixInjectionManifest, injectIntoPrefix, ownCopyDirectory } from './uncompressed-injection';
import { writeManifest } from './manifest-write';
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
  /** The current time (epoch ms): how old another invocation's claim is. @default Date.now */
  readonly now?: () => number;
  /**
   * How long an invocation waits for another invocation of the same resource that is writing the same content
   * directory (a duplicate of the request, or a retry) before it fails. @default the time left minus 20 s (60 s
   * without `timeoutMs`)
   */
  readonly claimWaitMs?: number;
  /** Between two looks at that directory. @default 2000 */
  readonly claimPollMs?: number;
  /** After how long a claim whose directory never became complete belongs to a stopped writer. @default WRITER_LIFETIME_MS */
  readonly writerLifetimeMs?: number;
  /** This invocation's writer id (tests name two invocations). @default a random UUID */
  readonly writerId?: string;
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
  /** Who wrote it (see ownership.ts). */
  readonly writtenBy: WriterIdentity;
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
 * What a request may leave behind when it fails: the URI its FAILED answer to a Create names as the physical id, so
 * that the rollback's Delete removes it (only what this resource wrote). Unset: nothing remains (the usual case: a
 * failure deletes what it wrote), and the id is the failed-Create marker.
 */
interface RequestState {
  leftover?: string;
}

/**
 * Answers one CloudFormation request. Never throws: every failure becomes FAILED with a one-line reason, and a
 * request that runs past `timeoutMs` is abandoned (upload aborted) and answered FAILED.
 */
export async function handleEvent(event: CustomResourceEvent, deps: InjectCodeDependencies): Promise<CustomResourceResponse> {
  const state: RequestState = {};
  return answerCustomResource(event, (signal) => processEvent(event, deps, signal, state), answerOptions(deps, state));
}

/**
 * Answers one CloudFormation request and PUTs the answer to its ResponseURL. Throws only when the answer cannot
 * be delivered (then Lambda's retry of the asynchronous invocation tries again, and finds the work done).
 */
export async function respondToEvent(event: CustomResourceEvent, deps: InjectCodeDependencies, retry: PutRetryOptions = {}): Promise<CustomResourceResponse> {
  const state: RequestState = {};
  return respondToCustomResource(event, (signal) => processEvent(event, deps, signal, state), { ...answerOptions(deps, state), retry });
}

function answerOptions(deps: InjectCodeDependencies, state: RequestState): AnswerOptions {
  return {
    timeoutMs: deps.timeoutMs,
    graceMs: deps.cleanupGraceMs,
    timeoutError: (seconds) => new Error(
      `the code injection did not finish within ${seconds} s, the function's time budget: give the construct more memory (more CPU and network), or serve the model uncompressed`,
    ),
    logHint: deps.logHint,
    log: deps.log,
    failedCreatePhysicalId: (event) => state.leftover ?? failedCreateMarker(event),
  };
}

async function processEvent(event: CustomResourceEvent, deps: InjectCodeDependencies, signal: AbortSignal, state: RequestState): Promise<CustomResourceOutcome> {
  if (event.RequestType === 'Delete') {
    let props: InjectCodeProperties;
    try {
      props = parseProperties(event.ResourceProperties, true);
    } catch (error) {
      // Properties this invalid never wrote anything (their Create failed): a Delete must not get stuck on them.
      deps.log?.(`Delete with invalid properties (${(error as Error).message}): nothing to delete`);
      return { physicalResourceId: event.PhysicalResourceId ?? '' };
    }
    await deleteCreated(event.PhysicalResourceId, props, ownerOf(event), deps);
    return { physicalResourceId: event.PhysicalResourceId ?? '' };
  }
  const props = parseProperties(event.ResourceProperties);
  const identity = writerIdentity(event, deps.writerId);
  const data = props.SourcePrefix !== undefined
    ? await injectUncompressed(props, deps, identity, signal, state)
    : await inject(props, deps, identity, signal, state);
  // The physical id is the new object's URI: when an Update changes any input, the key (and so the id) changes
  // and CloudFormation, once the stack update succeeds, sends a Delete for the old id, which removes the old object.
  return { physicalResourceId: data.ArtifactS3Uri, data };
}

/** How long to wait for another invocation writing the same directory: until shortly before this one's deadline. */
function claimWaitMs(deps: InjectCodeDependencies, startedAt: number): number {
  if (deps.claimWaitMs !== undefined) return deps.claimWaitMs;
  if (deps.timeoutMs === undefined) return 60_000;
  return Math.max(0, deps.timeoutMs - (Date.now() - startedAt) - 20_000);
}

/** How many times a write that met S3's 409 (a concurrent conditional write) is made: S3 asks to retry the whole upload. */
const MAX_CONFLICT_ROUNDS = 3;

/** Copies (or finds) the uncompressed model data with the code, for an original given as a prefix. */
export async function injectUncompressed(
  props: InjectCodeProperties, deps: InjectCodeDependencies, identity: WriterIdentity, signal?: AbortSignal, state: RequestState = {},
): Promise<InjectCodeData> {
  const startedAt = Date.now();
  const code = await readCode(props, deps.ops);
  const outcome = await injectIntoPrefix({
    ops: deps.ops,
    sourceBucket: props.SourceBucket,
    sourcePrefix: props.SourcePrefix!,
    outputBucket: props.OutputBucket,
    outputPrefix: props.OutputPrefix,
    code,
    identity,
    remainingMs: deps.timeoutMs === undefined ? undefined : () => deps.timeoutMs! - (Date.now() - startedAt),
    limits: deps.copyLimits,
    rates: deps.copyRates,
    signal,
    log: deps.log,
    inFlightCopyWaitMs: deps.inFlightCopyWaitMs,
    claim: { waitMs: claimWaitMs(deps, startedAt), pollMs: deps.claimPollMs, now: deps.now, writerLifetimeMs: deps.writerLifetimeMs },
    onLeftover: (uri) => (state.leftover = uri),
  });
  return dataOf({ bucket: outcome.bucket, key: outcome.prefix }, 'copy', outcome.reason);
}

/**
 * Writes (or finds) the artifact for the current inputs: claims its content directory (directory-claim.ts), writes
 * the artifact and then its manifest, both only where no object exists. A failure before the manifest is sent deletes
 * what this invocation wrote (and only that); once the manifest may exist, nothing is deleted (another invocation of
 * the same request may have reported it) and a failed Create names the artifact so that the rollback removes it.
 */
export async function inject(
  props: InjectCodeProperties, deps: InjectCodeDependencies, identity: WriterIdentity, signal?: AbortSignal, state: RequestState = {},
): Promise<InjectCodeData> {
  const startedAt = Date.now();
  const log = deps.log ?? (() => undefined);
  const source = await headSource(props as InjectCodeProperties & { SourceKey: string }, deps.ops);
  const files = await readCode(props, deps.ops);
  const inputs: ArtifactInputs = { sourceEtag: source.etag, sourceSize: source.size, codeSha256: codeDigest(files), strategy: props.Strategy };
  const directory = contentDirectory(props.OutputPrefix, inputs, identity.owner);
  const destination = { bucket: props.OutputBucket, key: directory + ARTIFACT_FILE_NAME };
  const manifestKey = directory + MANIFEST_FILE_NAME;
  if (destination.bucket === source.bucket && destination.key === source.key) {
    throw new Error(`the output location ${s3Uri(destination.bucket, destination.key)} is the original artifact; choose another output prefix`);
  }

  const claimOptions = {
    ops: deps.ops,
    bucket: destination.bucket,
    directory,
    identity,
    manifestKey,
    checkManifest: (manifest: unknown, listing: readonly ListedKey[]) => completeArtifact(manifest, listing, destination),
    waitMs: claimWaitMs(deps, startedAt),
    pollMs: deps.claimPollMs,
    now: deps.now,
    writerLifetimeMs: deps.writerLifetimeMs,
    signal,
    log,
  };
  // A complete artifact is reused as it is; only then may the estimate refuse, before anything is written.
  const found = await claimDirectory<InjectionManifest>({ ...claimOptions, lookOnly: true });
  if (found.kind !== 'complete') refuseWhenTooLarge(props, deps, source, startedAt);
  const claim = found.kind === 'complete' ? found : await claimDirectory<InjectionManifest>(claimOptions);
  if (claim.kind === 'complete') {
    log(`${s3Uri(destination.bucket, destination.key)} already holds this artifact (written by request ${claim.manifest.writtenBy.requestId}): nothing to do`);
    return dataOf(destination, claim.manifest.strategy, claim.manifest.reason);
  }

  // From the claim on, this request may leave objects behind if its cleanup fails: a failed Create names them.
  state.leftover = s3Uri(destination.bucket, destination.key);
  const manifest = { sent: false };
  try {
    for (let round = 1; ; round++) {
      try {
        const result = await writeAndRecord(props, deps, identity, signal, { source, files, inputs, destination, manifestKey }, manifest);
        // The deadline may have struck while the manifest was in flight: the answer is then FAILED, and the complete
        // directory stays (see above).
        signal?.throwIfAborted();
        return result;
      } catch (error) {
        if (!isConditionalConflict(error) || manifest.sent || round >= MAX_CONFLICT_ROUNDS) throw error;
        log(`a concurrent write of ${s3Uri(destination.bucket, destination.key)} (409 ConditionalRequestConflict): writing it again (round ${round + 1})`);
      }
    }
  } catch (error) {
    if (manifest.sent) {
      log(`keeping ${s3Uri(destination.bucket, directory)} after the failure: its manifest may exist, so another invocation may have reported it`);
      throw error;
    }
    throw await removeOwnWrites(deps, destination.bucket, directory, identity, state, error);
  }
}

/**
 * After a failure before the manifest was sent: deletes every object under the content directory that this
 * invocation wrote (the artifact, were it complete, and the claim last), checked by its metadata and conditioned on
 * the ETag seen, so nothing another writer put there goes. No invocation has reported the artifact: reporting needs
 * the manifest. Returns `cause` with any object that could not be deleted named in its message.
 */
export async function removeOwnWrites(
  deps: InjectCodeDependencies, bucket: string, directory: string, identity: WriterIdentity, state: RequestState, cause: unknown,
): Promise<unknown> {
  const log = deps.log ?? (() => undefined);
  let removal;
  try {
    removal = await deleteOwned(deps.ops, bucket, directory, (metadata) => writerOf(metadata)?.writer === identity.writer,
      { first: directory + MANIFEST_FILE_NAME, last: directory + CLAIM_FILE_NAME });
  } catch (error) {
    return withCleanupProblems(cause, [`what it wrote under ${s3Uri(bucket, directory)} could not be listed for deletion (${(error as Error).message}): delete it by hand`]);
  }
  for (const key of removal.deleted) log(`deleted ${s3Uri(bucket, key)}, written by this attempt, which fails: ${oneLine((cause as Error)?.message ?? String(cause), 300)}`);
  if (removal.failed.length === 0) {
    state.leftover = undefined;
    return cause;
  }
  return withCleanupProblems(cause, [`${removal.failed.join(', ')} could not be deleted after the failure: delete ${removal.failed.length > 1 ? 'them' : 'it'} by hand`]);
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

/**
 * Writes the artifact, then its manifest; `manifest.sent` is set from the moment the manifest's request is sent
 * until S3 refuses it (then it was not stored).
 */
async function writeAndRecord(
  props: InjectCodeProperties,
  deps: InjectCodeDependencies,
  identity: WriterIdentity,
  signal: AbortSignal | undefined,
  { source, files, inputs, destination, manifestKey }: WritePlan,
  manifestState: { sent: boolean },
): Promise<InjectCodeData> {
  const log = deps.log ?? (() => undefined);
  const reader = s3ByteSource(deps.ops, source, { signal, chunkSize: deps.readChunkSize });
  let injection: InjectionResult | undefined;
  const write = await writeArtifact({
    ops: deps.ops,
    source,
    reader,
    destination,
    metadata: { ...artifactMetadata(inputs), ...ownershipMetadata(identity) },
    signal,
    log,
    speculate: deps.speculate,
    copyConcurrency: deps.copyConcurrency,
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
    writtenBy: identity,
  };
  log(JSON.stringify(manifest));
  // Written last: its presence tells every other invocation that the artifact is complete.
  await writeManifest(deps.ops, { bucket: destination.bucket, key: manifestKey }, manifest, identity, manifestState);
  return dataOf(destination, result.strategy, result.reason);
}

/** The manifest, when it is an artifact's and the listing holds that very artifact (the ETag the manifest records). */
function completeArtifact(manifest: unknown, listing: readonly ListedKey[], destination: { bucket: string; key: string }): InjectionManifest | undefined {
  const m = manifest as Partial<InjectionManifest> | undefined;
  if (typeof m?.strategy !== 'string' || typeof m.reason !== 'string' || m.artifact !== s3Uri(destination.bucket, destination.key) || !m.write || !m.writtenBy) return undefined;
  const artifact = listing.find((item) => item.key === destination.key);
  return artifact && artifact.etag === m.write.etag && artifact.size === m.write.size ? m as InjectionManifest : undefined;
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
 * Removes what this resource wrote, and only that: the physical id must name an artifact (or a copy) under the
 * resource's own output prefix, and of what is there only the objects whose metadata names this resource as their
 * owner are deleted (each conditioned on the ETag it was checked with), the manifest first and the claim last. A
 * failed Create's marker id, or anything else, is left alone; so is everything when the removal policy is retain.
 * Objects written by versions before 0.2.0 carry no owner: they are recognised by their keys (see legacyDirectory).
 */
async function deleteCreated(physicalResourceId: string | undefined, props: InjectCodeProperties, owner: string, deps: InjectCodeDependencies): Promise<void> {
  const log = deps.log ?? (() => undefined);
  if (props.RemovalPolicy === 'retain') {
    log(`removal policy retain: keeping ${physicalResourceId}`);
    return;
  }
  const bucket = props.OutputBucket;
  const copyDirectory = ownCopyDirectory(physicalResourceId, bucket, props.OutputPrefix);
  const location = parseS3Uri(physicalResourceId);
  const artifactDirectory =
    location !== undefined &&
    location.bucket === bucket &&
    location.key.startsWith(props.OutputPrefix) &&
    location.key.endsWith(`/${ARTIFACT_FILE_NAME}`) &&
    !location.key.slice(props.OutputPrefix.length).includes('..')
      ? location.key.slice(0, -ARTIFACT_FILE_NAME.length)
      : undefined;
  const directory = copyDirectory ?? artifactDirectory;
  if (!directory) {
    log(`${physicalResourceId} is not an artifact this resource wrote: nothing to delete`);
    return;
  }
  const legacy = await legacyDirectory(deps.ops, bucket, directory, props.OutputPrefix, copyDirectory !== undefined, physicalResourceId!);
  if (legacy === 'prefix') {
    // A copy made before 0.2.0: its objects carry the original's metadata, not an owner (the old rule).
    await deps.ops.deleteObject({ Bucket: bucket, Key: directory + MANIFEST_FILE_NAME });
    const deleted = await deleteUnderPrefix(deps.ops, bucket, directory, log, true);
    log(`deleted ${physicalResourceId}, written before 0.2.0: ${deleted} objects and the manifest`);
    return;
  }
  const mine = legacy === 'artifact'
    ? (metadata: Record<string, string>) => writerOf(metadata) === undefined
    : (metadata: Record<string, string>) => writerOf(metadata)?.owner === owner;
  const removal = await deleteOwned(deps.ops, bucket, directory, mine, { first: directory + MANIFEST_FILE_NAME, last: directory + CLAIM_FILE_NAME });
  if (removal.failed.length > 0) {
    throw new Error(`could not delete ${removal.failed.join(', ')}: the function may lack s3:DeleteObject there; delete ${removal.failed.length > 1 ? 'them' : 'it'} by hand, or retry`);
  }
  if (removal.kept.length > 0) {
    log(`kept ${removal.kept.length} objects under ${s3Uri(bucket, directory)} that this resource did not write: ${removal.kept.slice(0, 5).join(', ')}`);
  }
  log(`deleted ${physicalResourceId}: ${removal.deleted.length} objects written by this resource`);
}

/**
 * Whether a directory was written by a version before 0.2.0, which recorded no owner: `artifact` when its
 * model.tar.gz has no owner and sits at the key that version derived from the object's own metadata (so it is an
 * injection's artifact, not another resource's: any artifact written since carries an owner); `prefix` when it holds
 * a copy's manifest without an owner and no claim; otherwise undefined.
 */
async function legacyDirectory(
  ops: S3Operations, bucket: string, directory: string, outputPrefix: string, isCopy: boolean, physicalResourceId: string,
): Promise<'artifact' | 'prefix' | undefined> {
  if (!isCopy) {
    const head = await headOrUndefined(ops, bucket, directory + ARTIFACT_FILE_NAME);
    const inputs = inputsOfMetadata(head?.metadata);
    return head && !writerOf(head.metadata) && inputs && legacyContentDirectory(outputPrefix, inputs) === directory ? 'artifact' : undefined;
  }
  if (await headOrUndefined(ops, bucket, directory + CLAIM_FILE_NAME)) return undefined;
  const manifest = await headOrUndefined(ops, bucket, directory + MANIFEST_FILE_NAME);
  if (!manifest || writerOf(manifest.metadata)) return undefined;
  const body = JSON.parse(await (await ops.getObject({ Bucket: bucket, Key: directory + MANIFEST_FILE_NAME })).Body!.transformToString()) as Partial<PrefixInjectionManifest>;
  return body.strategy === 'copy' && body.modelData === physicalResourceId ? 'prefix' : undefined;
}
