import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { EndpointSettings } from './endpoint-settings';
import { ScaleToZeroSettings } from './serving-mode-rules';

/**
 * The `AWS::SageMaker::InferenceComponent` that hosts the model on a scale-to-zero endpoint: one model, the compute
 * each copy reserves, and the initial copy count (Application Auto Scaling owns it afterwards).
 */
export function renderInferenceComponent(
  scope: Construct,
  settings: EndpointSettings,
  scaleToZero: ScaleToZeroSettings,
  model: sagemaker.CfnModel,
  endpoint: sagemaker.CfnEndpoint,
): sagemaker.CfnInferenceComponent {
  const component = new sagemaker.CfnInferenceComponent(scope, 'InferenceComponent', {
    // Named after the endpoint, so alarms and the scalable target can name it without waiting for the resource.
    inferenceComponentName: inferenceComponentNameOf(settings.endpointName),
    endpointName: endpoint.attrEndpointName,
    variantName: settings.variantName,
    specification: {
      modelName: model.attrModelName,
      computeResourceRequirements: {
        numberOfAcceleratorDevicesRequired: scaleToZero.acceleratorsPerCopy,
        numberOfCpuCoresRequired: scaleToZero.cpuCoresPerCopy,
        minMemoryRequiredInMb: scaleToZero.memoryPerCopyInMb,
      },
      startupParameters: settings.modelDataDownloadTimeoutInSeconds !== undefined ||
        settings.containerStartupHealthCheckTimeoutInSeconds !== undefined ? {
          modelDataDownloadTimeoutInSeconds: settings.modelDataDownloadTimeoutInSeconds,
          containerStartupHealthCheckTimeoutInSeconds: settings.containerStartupHealthCheckTimeoutInSeconds,
        } : undefined,
    },
    runtimeConfig: { copyCount: scaleToZero.initialCopyCount },
  });
  return component;
}

/**
 * The inference component's name: the endpoint's name with `-ic`, shortened to SageMaker's 63 characters. It is
 * fixed, so a change that replaces the component (a new model) must not need both at once: CloudFormation updates the
 * specification in place (UpdateInferenceComponent), which is how SageMaker deploys a new model to a component.
 */
export function inferenceComponentNameOf(endpointName: string): string {
  const suffix = '-ic';
  return endpointName.slice(0, 63 - suffix.length).replace(/-+$/, '') + suffix;
}
