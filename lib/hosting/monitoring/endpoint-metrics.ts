import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';

/**
 * The CloudWatch metrics SageMaker publishes for one production variant of a real-time endpoint.
 *
 * Two namespaces hold them:
 * - `AWS/SageMaker`: the invocation metrics, one data point per `InvokeEndpoint` request
 *   (`Invocations`, `Invocation4XXErrors`, `Invocation5XXErrors`, `InvocationsPerInstance`, `ModelLatency`,
 *   `OverheadLatency`);
 * - `/aws/sagemaker/Endpoints`: the instance metrics, sampled on every instance of the variant
 *   (`CPUUtilization`, `MemoryUtilization`, `GPUUtilization`, `GPUMemoryUtilization`, `DiskUtilization`).
 *
 * Both are keyed by the dimensions `EndpointName` and `VariantName`. Each method's default statistic is the one
 * AWS documents as meaningful for that metric; pass `props` to change it, the period, the label, ...
 *
 * No unit is set on these metrics: CloudWatch filters alarm data points by unit, so a unit that differs from the
 * one SageMaker publishes with would make an alarm see no data at all. The unit SageMaker publishes is named on
 * each method instead (latencies are in microseconds, utilizations in percent).
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html
 */
export class EndpointMetrics {
  /** The namespace of the invocation metrics. */
  public static readonly INVOCATION_NAMESPACE = 'AWS/SageMaker';

  /** The namespace of the instance (utilization) metrics. */
  public static readonly INSTANCE_NAMESPACE = '/aws/sagemaker/Endpoints';

  /**
   * @param endpointName the endpoint's name (a token is fine)
   * @param variantName the production variant's name (a token is fine)
   */
  constructor(public readonly endpointName: string, public readonly variantName: string) {}

  /** The dimensions every metric of this variant carries. */
  public get dimensions(): { [name: string]: string } {
    return { EndpointName: this.endpointName, VariantName: this.variantName };
  }

  /**
   * Any invocation metric of this variant, in the `AWS/SageMaker` namespace.
   *
   * @default - statistic Average, period 5 minutes
   */
  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metricIn(EndpointMetrics.INVOCATION_NAMESPACE, metricName, props);
  }

  /**
   * Any instance metric of this variant, in the `/aws/sagemaker/Endpoints` namespace.
   *
   * @default - statistic Average, period 5 minutes
   */
  public instanceMetric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metricIn(EndpointMetrics.INSTANCE_NAMESPACE, metricName, props);
  }

  /**
   * The number of `InvokeEndpoint` requests sent to the variant. Published without unit.
   *
   * @default - statistic Sum, period 5 minutes
   */
  public metricInvocations(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('Invocations', { ...props, statistic: props?.statistic ?? cloudwatch.Stats.SUM });
  }

  /**
   * The number of requests for which the model returned a 4xx HTTP status. Each request contributes 1 (4xx) or 0,
   * so the `Average` statistic is the 4xx error rate (0 to 1). Published without unit.
   *
   * @default - statistic Sum, period 5 minutes
   */
  public metricInvocation4XXErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('Invocation4XXErrors', { ...props, statistic: props?.statistic ?? cloudwatch.Stats.SUM });
  }

  /**
   * The number of requests for which the model returned a 5xx HTTP status. Each request contributes 1 (5xx) or 0,
   * so the `Average` statistic is the 5xx error rate (0 to 1). Published without unit.
   *
   * @default - statistic Sum, period 5 minutes
   */
  public metricInvocation5XXErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('Invocation5XXErrors', { ...props, statistic: props?.statistic ?? cloudwatch.Stats.SUM });
  }

  /**
   * The number of requests per instance of the variant (each request contributes 1 / instance count): the metric
   * target tracking scales on (`SageMakerVariantInvocationsPerInstance`). Published without unit.
   *
   * @default - statistic Sum, period 5 minutes
   */
  public metricInvocationsPerInstance(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('InvocationsPerInstance', { ...props, statistic: props?.statistic ?? cloudwatch.Stats.SUM });
  }

  /**
   * The time the model took to answer, as seen from SageMaker (sending the request to the container, inference,
   * fetching the response). Published in microseconds; percentiles (`p90`, `p99`) are valid statistics.
   *
   * @default - statistic Average, period 5 minutes
   */
  public metricModelLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('ModelLatency', { ...props, statistic: props?.statistic ?? cloudwatch.Stats.AVERAGE });
  }

  /**
   * The time SageMaker added on top of the model latency (from receiving the request to returning the response,
   * minus `ModelLatency`). Published in microseconds.
   *
   * @default - statistic Average, period 5 minutes
   */
  public metricOverheadLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('OverheadLatency', { ...props, statistic: props?.statistic ?? cloudwatch.Stats.AVERAGE });
  }

  /**
   * GPU utilization of the containers on an instance, in percent, summed over the instance's GPUs:
   * 0-400 on an instance with 4 GPUs. With several instances, `Average` is the mean over instances.
   *
   * @default - statistic Average, period 5 minutes
   */
  public metricGpuUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.instanceMetric('GPUUtilization', { ...props, statistic: props?.statistic ?? cloudwatch.Stats.AVERAGE });
  }

  /**
   * GPU memory used by the containers on an instance, in percent, summed over the instance's GPUs:
   * 0-400 on an instance with 4 GPUs.
   *
   * @default - statistic Average, period 5 minutes
   */
  public metricGpuMemoryUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.instanceMetric('GPUMemoryUtilization', { ...props, statistic: props?.statistic ?? cloudwatch.Stats.AVERAGE });
  }

  /**
   * CPU utilization of the containers on an instance, in percent, summed over the vCPUs: 0-400 with 4 vCPUs.
   *
   * @default - statistic Average, period 5 minutes
   */
  public metricCpuUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.instanceMetric('CPUUtilization', { ...props, statistic: props?.statistic ?? cloudwatch.Stats.AVERAGE });
  }

  /**
   * Memory used by the containers on an instance, in percent (0-100).
   *
   * @default - statistic Average, period 5 minutes
   */
  public metricMemoryUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.instanceMetric('MemoryUtilization', { ...props, statistic: props?.statistic ?? cloudwatch.Stats.AVERAGE });
  }

  /**
   * Disk space used by the containers on an instance, in percent (0-100).
   *
   * @default - statistic Average, period 5 minutes
   */
  public metricDiskUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.instanceMetric('DiskUtilization', { ...props, statistic: props?.statistic ?? cloudwatch.Stats.AVERAGE });
  }

  private metricIn(namespace: string, metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace,
      metricName,
      ...props,
      // The variant's own dimensions always win: a metric of this class must describe this variant.
      dimensionsMap: { ...props?.dimensionsMap, ...this.dimensions },
    });
  }
}
