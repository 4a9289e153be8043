import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { EndpointSettings } from './endpoint-settings-values';

/** The settings a production variant is rendered from. */
export type VariantSettings = Pick<EndpointSettings, 'variantName' | 'instanceType' | 'instanceCount' | 'volumeSizeInGb'
| 'modelDataDownloadTimeoutInSeconds' | 'containerStartupHealthCheckTimeoutInSeconds'>;

/**
 * The endpoint config's one production variant: the model on a fixed (or autoscaled) number of dedicated instances,
 * taking all the traffic. Other kinds of variant (inference components, async inference) get renderers of their own.
 */
export function renderInstanceVariant(settings: VariantSettings, modelName: string): sagemaker.CfnEndpointConfig.ProductionVariantProperty {
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

/**
 * The variant of an endpoint that hosts its model as an inference component: no model of its own, instances started
 * and stopped by managed instance scaling between 0 and `maxInstanceCount`, requests routed to the least busy copy.
 */
export function renderScaleToZeroVariant(
  settings: VariantSettings,
  maxInstanceCount: number,
  minInstanceCount: number = 0,
): sagemaker.CfnEndpointConfig.ProductionVariantProperty {
  return {
    variantName: settings.variantName,
    instanceType: settings.instanceType.name,
    initialInstanceCount: settings.instanceCount,
    volumeSizeInGb: settings.volumeSizeInGb,
    modelDataDownloadTimeoutInSeconds: settings.modelDataDownloadTimeoutInSeconds,
    containerStartupHealthCheckTimeoutInSeconds: settings.containerStartupHealthCheckTimeoutInSeconds,
    managedInstanceScaling: { status: 'ENABLED', minInstanceCount, maxInstanceCount },
    routingConfig: { routingStrategy: 'LEAST_OUTSTANDING_REQUESTS' },
  };
}
