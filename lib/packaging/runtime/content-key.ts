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
 * `<prefix><hash>/model.tar.gz`, the hash covering everything the bytes depend on. A changed input gives a new
 * key (so SageMaker sees a new ModelDataUrl and CloudFormation a new physical id); the same inputs give the same
 * key (so a retried or repeated deployment finds the object it already wrote).
 */
export function contentDirectory(prefix: string, inputs: ArtifactInputs): string {
  const hash = createHash('sha256')
    .update(JSON.stringify([OUTPUT_FORMAT_VERSION, inputs.sourceEtag, inputs.sourceSize, inputs.codeSha256, inputs.strategy]))
    .digest('hex')
    .slice(0, 32);
  return `${prefix}${hash}/`;
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
