import { Resource } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { aws_sagemaker as sagemakerRefs } from 'aws-cdk-lib/interfaces';
import { EndpointMetrics } from './monitoring/endpoint-metrics';

/**
 * What every endpoint of this library offers, created here or imported: `grantInvoke` and the metrics of its
 * production variant (aws-sagemaker-alpha's `EndpointBase` pattern). Metrics that exist only in one serving mode are
 * on that mode's object (`inferenceComponentMetrics`, `asyncMetrics` of the created endpoint).
 */
export abstract class EndpointBase extends Resource implements sagemaker.IEndpoint {
  /** The endpoint name, for `InvokeEndpoint`. */
  public abstract readonly endpointName: string;
  /** The endpoint ARN. */
  public abstract readonly endpointArn: string;
  /** The CloudWatch metrics of the endpoint's variant; the `metric*` methods delegate to it. */
  public abstract readonly metrics: EndpointMetrics;

  /** The endpoint as aws-cdk-lib's generated reference interfaces see it. */
  public get endpointRef(): sagemakerRefs.EndpointReference {
    return { endpointArn: this.endpointArn };
  }

  /** Grants `sagemaker:InvokeEndpoint` on this endpoint, and nothing else. */
  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: ['sagemaker:InvokeEndpoint'], resourceArns: [this.endpointArn] });
  }

  /**
   * Any invocation metric of the endpoint's variant, in the `AWS/SageMaker` namespace.
   *
   * @default - statistic Average, period 5 minutes
   */
  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metric(metricName, props);
  }

  /**
   * Any instance metric of the endpoint's variant, in the `/aws/sagemaker/Endpoints` namespace.
   *
   * @default - statistic Average, period 5 minutes
   */
  public instanceMetric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.instanceMetric(metricName, props);
  }

  /**
   * The number of `InvokeEndpoint` requests.
   *
   * @default - statistic Sum, period 5 minutes
   */
  public metricInvocations(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricInvocations(props);
  }

  /**
   * The requests answered with a 4xx status (`Average` is the 4xx rate).
   *
   * @default - statistic Sum, period 5 minutes
   */
  public metricInvocation4XXErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricInvocation4XXErrors(props);
  }

  /**
   * The requests answered with a 5xx status (`Average` is the 5xx rate).
   *
   * @default - statistic Sum, period 5 minutes
   */
  public metricInvocation5XXErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricInvocation5XXErrors(props);
  }

  /**
   * The requests per instance: the metric target tracking on invocations scales on.
   *
   * @default - statistic Sum, period 5 minutes
   */
  public metricInvocationsPerInstance(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricInvocationsPerInstance(props);
  }

  /**
   * The model's latency, in microseconds (percentiles such as `p90` are valid statistics).
   *
   * @default - statistic Average, period 5 minutes
   */
  public metricModelLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricModelLatency(props);
  }

  /**
   * The latency SageMaker adds on top of the model's, in microseconds.
   *
   * @default - statistic Average, period 5 minutes
   */
  public metricOverheadLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricOverheadLatency(props);
  }

  /**
   * GPU utilization of an instance, in percent summed over its GPUs.
   *
   * @default - statistic Average, period 5 minutes
   */
  public metricGpuUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricGpuUtilization(props);
  }

  /**
   * GPU memory used on an instance, in percent summed over its GPUs.
   *
   * @default - statistic Average, period 5 minutes
   */
  public metricGpuMemoryUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricGpuMemoryUtilization(props);
  }

  /**
   * CPU utilization of an instance, in percent summed over its vCPUs.
   *
   * @default - statistic Average, period 5 minutes
   */
  public metricCpuUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricCpuUtilization(props);
  }

  /**
   * Memory used on an instance, in percent.
   *
   * @default - statistic Average, period 5 minutes
   */
  public metricMemoryUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricMemoryUtilization(props);
  }

  /**
   * Disk space used on an instance, in percent.
   *
   * @default - statistic Average, period 5 minutes
   */
  public metricDiskUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricDiskUtilization(props);
  }
}
