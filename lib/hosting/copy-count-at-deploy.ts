import { CustomResource, Duration, Lazy, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { ValidationError } from '../common/validation';
import { handlerFunction } from '../common/handler-code';
import { inferenceComponentArns } from './inference-component';

/** The CloudFormation type of the custom resource that reads an inference component's copy count at deploy time. */
export const COPY_COUNT_AT_DEPLOY_RESOURCE_TYPE = 'Custom::InferenceComponentCopyCount';

/**
 * Makes a stack update leave an inference component's copy count where Application Auto Scaling put it.
 *
 * The template's `RuntimeConfig.CopyCount` is the count the component is created with. After that Application Auto
 * Scaling owns the count (0 when idle, more under load), and what CloudFormation does with the template's count when
 * it updates the component (a new model, a new rolling policy) is not documented: the "AWS::SageMaker::InferenceComponent"
 * reference marks `RuntimeConfig` "Update requires: No interruption" and says nothing more, and no equivalent of the
 * endpoint's `RetainAllVariantProperties` exists for components. If the update sends it, a component serving under
 * load on several copies would drop to the initial count, and an idle one at zero would start a copy (and an
 * instance) nobody asked for. So the count is not a constant: a custom resource, updated whenever anything else of the
 * component changes (its properties are the component's), reads `DesiredCopyCount` with `DescribeInferenceComponent`
 * just before CloudFormation updates the component, and the template's `CopyCount` is that value (the initial count
 * when the component does not exist yet). Whether CloudFormation sends the count or not, the update then asks for the
 * copies there already are.
 */
export function keepCopyCountAcrossUpdates(scope: Construct, component: sagemaker.CfnInferenceComponent, initialCopyCount: number): CustomResource {
  const name = component.inferenceComponentName;
  if (name === undefined) throw new ValidationError('the inference component needs a name set at synth time', scope);
  const fn = handlerFunction(scope, 'CopyCountAtDeploy', 'copy-count-at-deploy',
    `Reads the copy count of SageMaker inference component ${name} before CloudFormation updates it`, Duration.seconds(60), 256);
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['sagemaker:DescribeInferenceComponent'], resources: inferenceComponentArns(scope, name) }));
  const resource = new CustomResource(scope, 'CopyCountAtDeploy', {
    serviceToken: fn.functionArn,
    resourceType: COPY_COUNT_AT_DEPLOY_RESOURCE_TYPE,
    // Longer than the function's timeout, so a FAILED answer always arrives first.
    serviceTimeout: Duration.minutes(5),
    properties: {
      InferenceComponentName: name,
      InitialCopyCount: initialCopyCount,
      // Everything else CloudFormation updates the component for: a change to any of it updates this resource first
      // (its properties changed), so the count is read again right before the component's update. Lazy: the
      // deployment config is set on the component after it is created.
      Component: Lazy.any({
        produce: () => ({
          EndpointName: component.endpointName,
          VariantName: component.variantName,
          Specification: component.specification,
          DeploymentConfig: component.deploymentConfig,
          Tags: component.cdkTagManager.renderTags(),
        }),
      }),
    },
  });
  // The function's policy must exist before CloudFormation invokes it.
  resource.node.addDependency(fn.role!);
  component.runtimeConfig = { copyCount: Token.asNumber(resource.getAtt('CopyCount')) };
  return resource;
}
