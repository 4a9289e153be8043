// What the copy-count publisher (a Lambda function, ../handlers/publish-copy-counts.ts) and the constructs that read
// its metrics (./scale-to-zero-metrics.ts) must agree on. No imports: the handler bundle includes this file.

/**
 * The CloudWatch namespace of the copy counts the library publishes. SageMaker reports an inference component's copy
 * counts only through `DescribeInferenceComponent` (`RuntimeConfig.CurrentCopyCount` / `DesiredCopyCount`), not as a
 * CloudWatch metric, so a small function reads them every minute and publishes them here.
 */
export const COPY_COUNT_NAMESPACE = 'CdkPytorchSageMaker/InferenceComponents';

/** The one dimension of the copy-count metrics, named as SageMaker names it on its own inference-component metrics. */
export const COPY_COUNT_DIMENSION = 'InferenceComponentName';

/** Metric names, the same as the `DescribeInferenceComponent` fields they come from. */
export const CURRENT_COPY_COUNT = 'CurrentCopyCount';
export const DESIRED_COPY_COUNT = 'DesiredCopyCount';

/** The publisher's environment: which inference component to read. */
export const INFERENCE_COMPONENT_NAME_ENV = 'INFERENCE_COMPONENT_NAME';
