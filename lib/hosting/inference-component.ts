import { Stack, Token } from 'aws-cdk-lib';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { EndpointSettings } from './endpoint-settings-values';

/** What each copy of the model reserves, and how many copies start (the plain values of a scale-to-zero mode). */
export interface InferenceComponentCopies {
  readonly initialCopyCount: number;
  /** Undefined on an instance without accelerators. */
  readonly acceleratorsPerCopy?: number;
  readonly cpuCoresPerCopy: number;
  readonly memoryPerCopyInMb: number;
}

/**
 * The `AWS::SageMaker::InferenceComponent` that hosts the model on a scale-to-zero endpoint: one model, the compute
 * each copy reserves, and the initial copy count (Application Auto Scaling owns it afterwards).
 */
export function renderInferenceComponent(
  scope: Construct,
  settings: EndpointSettings,
  scaleToZero: InferenceComponentCopies,
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

/**
 * The ARNs IAM matches requests on an inference component against. SageMaker writes resource names in lower case in
 * the ARNs it returns for endpoints and jobs; the name as given is listed too, so that a grant holds either way and
 * still names this one component. (A token cannot be lower-cased at synth time: it is used as it resolves.)
 */
export function inferenceComponentArns(scope: Construct, name: string): string[] {
  const names = Token.isUnresolved(name) ? [name] : [...new Set([name, name.toLowerCase()])];
  return names.map((resourceName) => Stack.of(scope).formatArn({ service: 'sagemaker', resource: 'inference-component', resourceName }));
}
