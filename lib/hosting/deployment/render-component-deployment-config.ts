import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { DeploymentGuardrails } from './deployment-guardrails';
import { capacity, checkDeployment, rollbackConfiguration } from './render-deployment-config';

/** What an inference component tells its deployment config about itself. */
export interface ComponentDeploymentContext {
  readonly instanceTypeName: string;
  /** The most copies Application Auto Scaling may run: a batch is a share of the copies. */
  readonly maxCopyCount: number;
  /** The alarms that watch the component and its endpoint (undefined when `enableAlarms` is false). */
  readonly componentAlarms?: cloudwatch.IAlarm[];
  /**
   * The option that sets `maxCopyCount`, as messages name it.
   *
   * @default 'ServingMode.realtimeScaleToZero({ maxCopyCount })'
   */
  readonly countSetting?: string;
}

/**
 * Checks the guardrails for an inference component and renders `AWS::SageMaker::InferenceComponent.DeploymentConfig`
 * ("AWS::SageMaker::InferenceComponent InferenceComponentDeploymentConfig",
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-sagemaker-inferencecomponent-inferencecomponentdeploymentconfig.html):
 * a `RollingUpdatePolicy` in batches of copies (`MaximumBatchSize` COPY_COUNT or CAPACITY_PERCENT, the baking period,
 * the timeout, the rollback batch) and `AutoRollbackConfiguration` with the alarms. SageMaker applies it when
 * CloudFormation updates the component (UpdateInferenceComponent), which is how a new model reaches it.
 */
export function renderComponentDeploymentConfig(
  scope: Construct, guardrails: DeploymentGuardrails, context: ComponentDeploymentContext,
): sagemaker.CfnInferenceComponent.InferenceComponentDeploymentConfigProperty {
  const { facts, alarms } = checkDeployment(scope, guardrails, {
    instanceTypeName: context.instanceTypeName,
    instanceCount: context.maxCopyCount,
    countSetting: context.countSetting ?? 'ServingMode.realtimeScaleToZero({ maxCopyCount })',
    endpointAlarms: context.componentAlarms,
    kindProblems: inferenceComponentKindProblems,
  }, 'copy');
  return {
    autoRollbackConfiguration: rollbackConfiguration(alarms),
    // InferenceComponentRollingUpdatePolicy (API reference): MaximumBatchSize and WaitIntervalInSeconds are required
    // (the CloudFormation schema lets them out; the API does not).
    rollingUpdatePolicy: {
      maximumBatchSize: capacity(guardrails.size!),
      waitIntervalInSeconds: facts.waitIntervalSeconds!,
      maximumExecutionTimeoutInSeconds: facts.maximumExecutionTimeoutSeconds,
      rollbackMaximumBatchSize: guardrails.rollbackSize ? capacity(guardrails.rollbackSize) : undefined,
    },
  };
}

/**
 * The model of an endpoint with inference components lives in `AWS::SageMaker::InferenceComponent`: a new model
 * updates the component, whose DeploymentConfig ("AWS::SageMaker::InferenceComponent
 * InferenceComponentDeploymentConfig") holds a `RollingUpdatePolicy` and nothing else.
 */
export function inferenceComponentKindProblems(kind: string): string[] {
  return kind === 'ROLLING' ? [] : [
    `An inference component (ServingMode.realtimeScaleToZero) takes only a rolling update, in batches of copies: ` +
    `its DeploymentConfig has no ${kind.toLowerCase().replace(/_/g, '-')} kind. Use DeploymentGuardrails.rolling() ` +
    '(e.g. { maximumBatchSize: CapacitySize.copyCount(1) }, with maxCopyCount of at least 2), or remove deployment.',
  ];
}
