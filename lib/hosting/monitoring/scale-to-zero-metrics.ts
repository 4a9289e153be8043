import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { COPY_COUNT_DIMENSION, COPY_COUNT_NAMESPACE, CURRENT_COPY_COUNT, DESIRED_COPY_COUNT } from './copy-count-names';
import { EndpointMetrics } from './endpoint-metrics';

const NAMESPACE = EndpointMetrics.INVOCATION_NAMESPACE;

function metric(dimensionsMap: { [name: string]: string }, metricName: string, statistic: string,
  props?: cloudwatch.MetricOptions, namespace: string = NAMESPACE): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace,
    metricName,
    dimensionsMap,
    period: Duration.minutes(5),
    ...props,
    statistic: props?.statistic ?? statistic,
  });
}

/**
 * The metrics SageMaker publishes for an inference component (namespace `AWS/SageMaker`, dimension
 * `InferenceComponentName`), and its copy counts, which the library publishes (see `CopyCountPublisher`).
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/endpoint-auto-scaling-zero-instances.html
 */
export class InferenceComponentMetrics {
  /** The namespace of the utilization metrics of inference components' copies. */
  public static readonly UTILIZATION_NAMESPACE = '/aws/sagemaker/InferenceComponents';

  /** @param inferenceComponentName the inference component's name (a token is fine) */
  constructor(public readonly inferenceComponentName: string) {}

  /**
   * Requests that found no copy of the model to serve them (the endpoint is scaled to zero or still starting).
   * The scale-from-zero alarm watches it.
   *
   * @default - statistic Maximum, period 5 minutes
   */
  public metricNoCapacityInvocationFailures(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return metric({ InferenceComponentName: this.inferenceComponentName }, 'NoCapacityInvocationFailures', cloudwatch.Stats.MAXIMUM, props);
  }

  /**
   * Requests sent to the inference component.
   *
   * @default - statistic Sum, period 5 minutes
   */
  public metricInvocations(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return metric({ InferenceComponentName: this.inferenceComponentName }, 'Invocations', cloudwatch.Stats.SUM, props);
  }

  /**
   * Requests to the inference component for which the model answered with a 5xx status; 1 per such request, 0 per
   * other (Average is the 5xx rate).
   *
   * @default - statistic Sum, period 5 minutes
   */
  public metricInvocation5XXErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return metric({ InferenceComponentName: this.inferenceComponentName }, 'Invocation5XXErrors', cloudwatch.Stats.SUM, props);
  }

  /**
   * Requests to the inference component answered with a 4xx status (the model's own errors included: inference.py
   * raised); Average is the 4xx rate.
   *
   * @default - statistic Sum, period 5 minutes
   */
  public metricInvocation4XXErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return metric({ InferenceComponentName: this.inferenceComponentName }, 'Invocation4XXErrors', cloudwatch.Stats.SUM, props);
  }

  /**
   * The model's latency on this inference component, in microseconds (percentiles such as `p90` are valid).
   *
   * @default - statistic Average, period 5 minutes
   */
  public metricModelLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return metric({ InferenceComponentName: this.inferenceComponentName }, 'ModelLatency', cloudwatch.Stats.AVERAGE, props);
  }

  /**
   * A utilization of this inference component's copies, in percent of what the copies reserved
   * (`/aws/sagemaker/InferenceComponents` namespace): `CPUUtilizationNormalized`, `MemoryUtilizationNormalized`,
   * `GPUUtilizationNormalized`, `GPUMemoryUtilizationNormalized` ("Amazon SageMaker AI metrics in Amazon CloudWatch",
   * https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html).
   *
   * @default - statistic Average, period 5 minutes
   */
  public metricUtilization(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return metric({ InferenceComponentName: this.inferenceComponentName }, metricName, cloudwatch.Stats.AVERAGE, props,
      InferenceComponentMetrics.UTILIZATION_NAMESPACE);
  }

  /**
   * Requests per copy of the model: what target tracking (`SageMakerInferenceComponentInvocationsPerCopy`) scales on.
   *
   * @default - statistic Sum, period 5 minutes
   */
  public metricInvocationsPerCopy(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return metric({ InferenceComponentName: this.inferenceComponentName }, 'InvocationsPerCopy', cloudwatch.Stats.SUM, props);
  }

  /**
   * Copies of the model running (`DescribeInferenceComponent` `RuntimeConfig.CurrentCopyCount`, published every
   * minute by the library in `CdkPytorchSageMaker/InferenceComponents`): 0 while the endpoint is scaled to zero.
   *
   * @default - statistic Maximum, period 5 minutes
   */
  public metricCurrentCopyCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return metric({ [COPY_COUNT_DIMENSION]: this.inferenceComponentName }, CURRENT_COPY_COUNT, cloudwatch.Stats.MAXIMUM, props, COPY_COUNT_NAMESPACE);
  }

  /**
   * Copies Application Auto Scaling asked for (`RuntimeConfig.DesiredCopyCount`, published like
   * `metricCurrentCopyCount`). Above the current count while copies start, or while they cannot be placed.
   *
   * @default - statistic Maximum, period 5 minutes
   */
  public metricDesiredCopyCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return metric({ [COPY_COUNT_DIMENSION]: this.inferenceComponentName }, DESIRED_COPY_COUNT, cloudwatch.Stats.MAXIMUM, props, COPY_COUNT_NAMESPACE);
  }
}

/**
 * The metrics SageMaker publishes for an asynchronous endpoint (namespace `AWS/SageMaker`). The backlog metrics carry
 * the dimension `EndpointName` only; the processing metrics `EndpointName` and `VariantName`. `Invocations`,
 * `InvocationsPerInstance` and `OverheadLatency` are not published for asynchronous endpoints.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference-monitor.html
 */
export class AsyncInferenceMetrics {
  /**
   * @param endpointName the endpoint's name (a token is fine)
   * @param variantName the production variant's name (a token is fine)
   */
  constructor(public readonly endpointName: string, public readonly variantName: string) {}

  /**
   * Requests queued and not yet processed.
   *
   * @default - statistic Average, period 5 minutes
   */
  public metricApproximateBacklogSize(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return metric({ EndpointName: this.endpointName }, 'ApproximateBacklogSize', cloudwatch.Stats.AVERAGE, props);
  }

  /**
   * Queued requests per instance: what target tracking scales on.
   *
   * @default - statistic Average, period 5 minutes
   */
  public metricApproximateBacklogSizePerInstance(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return metric({ EndpointName: this.endpointName }, 'ApproximateBacklogSizePerInstance', cloudwatch.Stats.AVERAGE, props);
  }

  /**
   * The age of the oldest queued request, in seconds.
   *
   * @default - statistic Maximum, period 5 minutes
   */
  public metricApproximateAgeOfOldestRequest(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return metric({ EndpointName: this.endpointName }, 'ApproximateAgeOfOldestRequest', cloudwatch.Stats.MAXIMUM, props);
  }

  /**
   * 1 while requests wait and no instance runs, else 0: the scale-from-zero alarm watches it.
   *
   * @default - statistic Average, period 5 minutes
   */
  public metricHasBacklogWithoutCapacity(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return metric({ EndpointName: this.endpointName }, 'HasBacklogWithoutCapacity', cloudwatch.Stats.AVERAGE, props);
  }

  /**
   * Requests the endpoint processed (successfully or not).
   *
   * @default - statistic Sum, period 5 minutes
   */
  public metricInvocationsProcessed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return metric({ EndpointName: this.endpointName, VariantName: this.variantName }, 'InvocationsProcessed', cloudwatch.Stats.SUM, props);
  }

  /**
   * Requests that failed.
   *
   * @default - statistic Sum, period 5 minutes
   */
  public metricInvocationFailures(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return metric({ EndpointName: this.endpointName, VariantName: this.variantName }, 'InvocationFailures', cloudwatch.Stats.SUM, props);
  }
}
