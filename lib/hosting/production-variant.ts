import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { EndpointSettings } from './endpoint-settings';

/**
 * The endpoint config's one production variant: the model on a fixed (or autoscaled) number of dedicated instances,
 * taking all the traffic. Other kinds of variant (inference components, async inference) get renderers of their own.
 */
export function renderInstanceVariant(settings: EndpointSettings, modelName: string): sagemaker.CfnEndpointConfig.ProductionVariantProperty {
  return {
    variantName: settings.variantName,
    modelName,
    instanceType: settings.instanceType.name,
    initialInstanceCount: settings.instanceCount,
    initialVariantWeight: 1,
    volumeSizeInGb: settings.volumeSizeInGb,
    modelDataDownloadTimeoutInSeconds: settings.modelDataDownloadTimeoutInSeconds,
    containerStartupHealthCheckTimeoutInSeconds: settings.containerStartupHealthCheckTimeoutInSeconds,
  };
}
