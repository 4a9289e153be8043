import { ArnFormat, Resource, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { aws_sagemaker as sagemakerRefs } from 'aws-cdk-lib/interfaces';
import { Construct } from 'constructs';
import { EndpointMetrics } from './monitoring/endpoint-metrics';

/** An existing endpoint, for `RealtimeEndpoint.fromEndpointAttributes`. */
export interface EndpointAttributes {
  /** The endpoint's name. */
  readonly endpointName: string;

  /**
   * The endpoint's ARN.
   *
   * @default - built from the name in the importing stack's account and region (SageMaker lower-cases the name in it)
   */
  readonly endpointArn?: string;

  /**
   * The production variant the metric methods read.
   *
   * @default 'AllTraffic'
   */
  readonly variantName?: string;
}

/**
 * An endpoint created elsewhere: `grantInvoke` and the same `metric*` methods as `RealtimeEndpoint`.
 */
export class ImportedEndpoint extends Resource implements sagemaker.IEndpoint {
  /** The endpoint's name. */
  public readonly endpointName: string;
  /** The endpoint's ARN. */
  public readonly endpointArn: string;
  /** The endpoint's metrics (variant `variantName`). */
  public readonly metrics: EndpointMetrics;

  constructor(scope: Construct, id: string, attrs: EndpointAttributes) {
    super(scope, id);
    this.endpointName = attrs.endpointName;
    this.endpointArn = attrs.endpointArn ?? Stack.of(this).formatArn({
      service: 'sagemaker',
      resource: 'endpoint',
      // IAM matches the ARN SageMaker builds, whose name part is lower case.
      resourceName: attrs.endpointName.toLowerCase(),
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    this.metrics = new EndpointMetrics(this.endpointName, attrs.variantName ?? 'AllTraffic');
  }

  /** The endpoint as aws-cdk-lib's generated reference interfaces see it. */
  public get endpointRef(): sagemakerRefs.EndpointReference {
    return { endpointArn: this.endpointArn };
  }

  /** Grants `sagemaker:InvokeEndpoint` on this endpoint, and nothing else. */
  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: ['sagemaker:InvokeEndpoint'], resourceArns: [this.endpointArn] });
  }

  /**
   * Any invocation metric of the variant, in the `AWS/SageMaker` namespace.
   *
   * @default - statistic Average, period 5 minutes
   */
  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metric(metricName, props);
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
   * The requests answered with a 5xx status (`Average` is the 5xx rate).
   *
   * @default - statistic Sum, period 5 minutes
   */
  public metricInvocation5XXErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricInvocation5XXErrors(props);
  }

  /**
   * The model's latency, in microseconds.
   *
   * @default - statistic Average, period 5 minutes
   */
  public metricModelLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricModelLatency(props);
  }
}
