// Shared by the InferenceCodeInjection construct and its handler (no aws-cdk-lib import: the handler bundle includes
// it), so that a property or attribute name cannot differ between the side that writes it and the side that reads it.

/** The custom resource that writes an artifact with the inference code injected. */
export const INFERENCE_CODE_INJECTION_RESOURCE_TYPE = 'Custom::InferenceCodeInjection';

/** The resource's properties, as the construct sets them (CloudFormation delivers strings). */
export interface InjectCodeProperties {
  readonly SourceBucket: string;
  /** The original `model.tar.gz`; exactly one of `SourceKey` and `SourcePrefix` is set. */
  readonly SourceKey?: string;
  /** Uncompressed model data: the prefix (ending with `/`) of the original's objects. */
  readonly SourcePrefix?: string;
  readonly CodeBucket: string;
  readonly CodeKey: string;
  /** One of `auto`, `scan`, `stream` (a Delete still accepts `tail`, which 0.1.0 wrote). */
  readonly Strategy: string;
  readonly OutputBucket: string;
  /** Ends with `/`; everything the resource writes is under it. */
  readonly OutputPrefix: string;
  /** `destroy`: a Delete removes the objects this resource wrote; `retain`: it keeps them. */
  readonly RemovalPolicy: string;
}

/** The resource's attributes (`Fn::GetAtt`), as the handler reports them. */
export interface InjectCodeAttributes {
  /** `s3://` URI of the new `model.tar.gz`, or of the new model prefix (ending with `/`) for uncompressed model data. */
  readonly ArtifactS3Uri: string;
  readonly ArtifactBucket: string;
  /** The new artifact's key, or the new model prefix (ending with `/`). */
  readonly ArtifactKey: string;
  readonly Strategy: string;
  readonly Reason: string;
}

/** The name of an attribute, checked against `InjectCodeAttributes`. */
export function injectCodeAttribute(name: keyof InjectCodeAttributes): string {
  return name;
}
