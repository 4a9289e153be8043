import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';

/** What the `AWS::SageMaker::Endpoint` is rendered from. */
export interface EndpointResourceProps {
  readonly endpointName: string;
  readonly endpointConfig: sagemaker.CfnEndpointConfig;
  /** Whether Application Auto Scaling manages the variant's instance count. */
  readonly autoScaled: boolean;
}

/**
 * The `AWS::SageMaker::Endpoint`. It has the only fixed name of the three resources: a change to the model or the
 * options replaces the endpoint config, and the endpoint switches to it in place.
 */
export function renderEndpoint(scope: Construct, props: EndpointResourceProps): sagemaker.CfnEndpoint {
  return new sagemaker.CfnEndpoint(scope, 'Endpoint', {
    endpointName: props.endpointName,
    endpointConfigName: props.endpointConfig.attrEndpointConfigName,
    // With autoscaling, a new endpoint config (a new model, a changed option) must not reset the instance count
    // autoscaling reached to InitialInstanceCount: that would drop capacity under load. Weights still follow the
    // config (always 1 for the single variant).
    retainAllVariantProperties: props.autoScaled ? true : undefined,
    excludeRetainedVariantProperties: props.autoScaled ? [{ variantPropertyType: 'DesiredWeight' }] : undefined,
  });
}
