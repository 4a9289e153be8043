import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { ValidationError } from '../../common/validation';
import { AsyncInferenceLocations } from '../async-inference-options';
import { DeploymentGuardrails } from '../deployment/deployment-guardrails';
import { EndpointSettings } from '../endpoint-settings-values';
import { CopyCountPublisher } from '../monitoring/copy-count-publisher';
import { EndpointAlarms, EndpointAlarmsOptions } from '../monitoring/endpoint-alarms';
import { AsyncInferenceMetrics, InferenceComponentMetrics } from '../monitoring/scale-to-zero-metrics';
import { AsyncAutoScaling } from '../scaling/async-auto-scaling';
import { AutoScalingOptions } from '../scaling/auto-scaling-options';
import { InferenceComponentAutoScaling } from '../scaling/inference-component-scaling';
import { VariantAutoScaling } from '../scaling/variant-auto-scaling';

/**
 * What a serving mode other than the always-on real-time one puts into the endpoint config (the mode's `renderEndpointConfigParts`).
 */
export interface EndpointConfigModeParts {
  readonly productionVariant?: sagemaker.CfnEndpointConfig.ProductionVariantProperty;
  readonly executionRoleArn?: string;
  readonly asyncInferenceConfig?: sagemaker.CfnEndpointConfig.AsyncInferenceConfigProperty;
  readonly vpcConfig?: sagemaker.CfnEndpointConfig.VpcConfigProperty;
  readonly enableNetworkIsolation?: boolean;
}

/**
 * What a serving mode is bound with: the endpoint it serves and its checked settings. Narrow on purpose: a mode reads
 * these, never the endpoint's raw props.
 */
export interface ServingModeContext {
  /** The endpoint construct: the mode's resources are created in it, its errors name its path. */
  readonly scope: Construct;
  /** The endpoint's checked settings: instance type and count, variant, endpoint name, volume, timeouts. */
  readonly settings: EndpointSettings;
  /** The always-on variant's scaling: the always-on mode renders it, the others refuse it. */
  readonly autoScaling?: AutoScalingOptions;
  /** The endpoint's alarm options (a mode may refuse one that contradicts it). */
  readonly alarms?: EndpointAlarmsOptions;
}

/** The resources a mode's own resources hang off, once they exist. */
export interface ServingModeResources {
  readonly role: iam.IRole;
  readonly model: sagemaker.CfnModel;
  readonly endpoint: sagemaker.CfnEndpoint;
}

/** What the endpoint exposes of its mode: each is undefined in the modes that do not have it. */
export interface ServingModeOutputs {
  readonly autoScaling?: VariantAutoScaling;
  readonly inferenceComponent?: sagemaker.CfnInferenceComponent;
  readonly inferenceComponentName?: string;
  readonly inferenceComponentScaling?: InferenceComponentAutoScaling;
  readonly inferenceComponentMetrics?: InferenceComponentMetrics;
  readonly copyCountPublisher?: CopyCountPublisher;
  readonly asyncInference?: AsyncInferenceLocations;
  readonly asyncScaling?: AsyncAutoScaling;
  readonly asyncMetrics?: AsyncInferenceMetrics;
}

/**
 * A serving mode bound to one endpoint (`ServingMode._bind`). The endpoint calls these in its constructor's order:
 * the mode's settings are checked at bind time, then it adds to the endpoint config, its resources once the endpoint
 * exists, its alarms, the deployment config, its dashboard widgets. The endpoint never asks which mode it is.
 *
 * One class per mode implements it (`modes/*.ts`): adding a mode is a new file and a factory on `ServingMode`.
 */
export interface BoundServingMode extends ServingModeOutputs {
  /** The log groups SageMaker writes this mode's container logs to (the execution role may write there). */
  readonly logGroupNames: string[];
  /** Whether Application Auto Scaling manages the variant's instance count (the endpoint then keeps it across updates). */
  readonly variantAutoScaled: boolean;
  /** What the mode adds to the endpoint config; binds the mode's resources the config names (a bucket). */
  renderEndpointConfigParts(role: iam.IRole, model: sagemaker.CfnModel): EndpointConfigModeParts;
  /** The mode's resources once the endpoint exists: an inference component, scaling, metrics. */
  addResources(resources: ServingModeResources): void;
  /** The alarms of this mode, added to the endpoint's. */
  addAlarms(alarms: EndpointAlarms): void;
  /** Checks the guardrails against the mode and renders them where this mode's model updates happen. */
  renderDeployment(guardrails: DeploymentGuardrails, alarms: cloudwatch.IAlarm[] | undefined): void;
  /** Graphs of this mode's metrics, below the endpoint's. */
  addDashboardWidgets(dashboard: cloudwatch.Dashboard): void;
  /** The resources besides the endpoint that an `InvokeEndpoint` grant names. */
  invokeResourceArns(): string[];
  /** `grantInvokeAsync`, or a `ValidationError` in a mode without asynchronous invocation. */
  grantInvokeAsync(grantee: iam.IGrantable, endpointArn: string): iam.Grant;
}

/** What `grantInvokeAsync` says in a mode without asynchronous invocation. */
export function noAsyncInvocation(scope: Construct): ValidationError {
  return new ValidationError('grantInvokeAsync needs servingMode: ServingMode.asynchronous(); use grantInvoke ' +
    'for a real-time endpoint.', scope);
}
