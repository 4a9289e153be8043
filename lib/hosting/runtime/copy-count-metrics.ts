// The copy-count publisher's logic, free of AWS calls: what DescribeInferenceComponent answered -> the PutMetricData
// request that records it. The shell (../handlers/publish-copy-counts.ts) sends both.
import { COPY_COUNT_DIMENSION, COPY_COUNT_NAMESPACE, CURRENT_COPY_COUNT, DESIRED_COPY_COUNT } from '../monitoring/copy-count-names';

/** `RuntimeConfig` of a `DescribeInferenceComponent` answer (absent members are absent, not 0). */
export interface InferenceComponentRuntime {
  readonly CurrentCopyCount?: number;
  readonly DesiredCopyCount?: number;
}

/** A `PutMetricData` request, in the API's member names. */
export interface PutMetricDataRequest {
  readonly Namespace: string;
  readonly MetricData: Array<{
    readonly MetricName: string;
    readonly Dimensions: Array<{ readonly Name: string; readonly Value: string }>;
    readonly Timestamp: Date;
    readonly Value: number;
    readonly Unit: 'Count';
    readonly StorageResolution: 60;
  }>;
}

/**
 * The request that records an inference component's copy counts at `timestamp`, or undefined when SageMaker reported
 * neither (a component still being created has no runtime yet): a missing count is published as no data, never as 0,
 * so that a graph or alarm cannot mistake "unknown" for "scaled to zero".
 */
export function copyCountMetricData(componentName: string, runtime: InferenceComponentRuntime | undefined, timestamp: Date): PutMetricDataRequest | undefined {
  const counts: Array<[string, number | undefined]> = [
    [CURRENT_COPY_COUNT, runtime?.CurrentCopyCount],
    [DESIRED_COPY_COUNT, runtime?.DesiredCopyCount],
  ];
  const metricData = counts
    .filter((entry): entry is [string, number] => typeof entry[1] === 'number' && Number.isFinite(entry[1]))
    .map(([metricName, value]) => ({
      MetricName: metricName,
      Dimensions: [{ Name: COPY_COUNT_DIMENSION, Value: componentName }],
      Timestamp: timestamp,
      Value: value,
      Unit: 'Count' as const,
      // Standard resolution: one value a minute is all the publisher sends.
      StorageResolution: 60 as const,
    }));
  return metricData.length > 0 ? { Namespace: COPY_COUNT_NAMESPACE, MetricData: metricData } : undefined;
}

/**
 * Whether a `DescribeInferenceComponent` error means the component does not exist (not created yet, or deleted):
 * SageMaker answers a describe of an unknown name with a `ValidationException` ("Could not find inference component"),
 * not a dedicated error type. The publisher then has nothing to record; any other error is a failure.
 */
export function isMissingComponent(error: unknown): boolean {
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
  return (name === 'ValidationException' || name === 'ResourceNotFound')
    && typeof message === 'string' && /could not find|not found|does not exist/i.test(message);
}
