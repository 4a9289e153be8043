import { createHash } from 'crypto';

/** What the new artifact's content depends on. */
export interface ArtifactInputs {
  /** The original's ETag, as S3 returns it (with quotes). */
  readonly sourceEtag: string;
  readonly sourceSize: number;
  /** {@link codeDigest} of the code files. */
  readonly codeSha256: string;
  /** The strategy asked for: different strategies may produce different (equally valid) bytes. */
  readonly strategy: string;
}

/** The new artifact's file name under its content directory. */
export const ARTIFACT_FILE_NAME = 'model.tar.gz';
/** The sidecar written after the artifact: which strategy ran, why, and the counters. */
export const MANIFEST_FILE_NAME = 'injection.json';

/** Bump when the engine's output for the same inputs changes, so that old objects are not reused. */
export const OUTPUT_FORMAT_VERSION = '1';

/**
 * `<prefix><hash>/`, the directory of `model.tar.gz` and its manifest. The hash covers everything the bytes depend on
 * and the resource that writes them (its owner, see ownership.ts): a changed input gives a new key (so SageMaker
 * sees a new ModelDataUrl and CloudFormation a new physical id); the same inputs give the same key for the same
 * resource (a retried or repeated deployment finds the object it already wrote), and another key for any other
 * resource, even one writing under the same outputPrefix, so that deleting one never deletes the other's.
 */
export function contentDirectory(prefix: string, inputs: ArtifactInputs, owner: string): string {
  return `${prefix}${hashOf([OUTPUT_FORMAT_VERSION, owner, inputs.sourceEtag, inputs.sourceSize, inputs.codeSha256, inputs.strategy])}/`;
}

/**
 * The directory versions before 0.2.0 wrote to: the same hash without the owner. Used only to recognise, on Delete,
 * an artifact that such a version wrote (its key is this function of its own metadata).
 */
export function legacyContentDirectory(prefix: string, inputs: ArtifactInputs): string {
  return `${prefix}${hashOf([OUTPUT_FORMAT_VERSION, inputs.sourceEtag, inputs.sourceSize, inputs.codeSha256, inputs.strategy])}/`;
}

function hashOf(parts: ReadonlyArray<string | number>): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
}

/** The inputs recorded in an artifact's metadata ({@link artifactMetadata}), or undefined if any is missing. */
export function inputsOfMetadata(metadata: Record<string, string> | undefined): ArtifactInputs | undefined {
  const etag = metadata?.['source-etag'];
  const size = Number(metadata?.['source-size']);
  const code = metadata?.['code-sha256'];
  const strategy = metadata?.['strategy-requested'];
  if (!etag || !Number.isFinite(size) || !code || !strategy || metadata?.['format-version'] !== OUTPUT_FORMAT_VERSION) return undefined;
  return { sourceEtag: `"${etag}"`, sourceSize: size, codeSha256: code, strategy };
}

/** x-amz-meta-* of the new artifact: the inputs it was made from, checked before an existing object is reused. */
export function artifactMetadata(inputs: ArtifactInputs): Record<string, string> {
  return {
    'source-etag': inputs.sourceEtag.replace(/"/g, ''),
    'source-size': String(inputs.sourceSize),
    'code-sha256': inputs.codeSha256,
    'strategy-requested': inputs.strategy,
    'format-version': OUTPUT_FORMAT_VERSION,
  };
}

/** True when an existing object's metadata says it was made from exactly these inputs. */
export function metadataMatches(metadata: Record<string, string> | undefined, inputs: ArtifactInputs): boolean {
  if (!metadata) return false;
  const expected = artifactMetadata(inputs);
  return Object.entries(expected).every(([name, value]) => metadata[name] === value);
}
