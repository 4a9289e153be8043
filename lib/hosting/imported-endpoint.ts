import { ArnFormat, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { EndpointBase } from './endpoint-base';
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
 * An endpoint created elsewhere: `grantInvoke` and the same `metric*` methods as `RealtimeEndpoint` (those of
 * `EndpointBase`; the metrics of one serving mode need the created endpoint).
 */
export class ImportedEndpoint extends EndpointBase {
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
}
