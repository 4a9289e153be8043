import { Annotations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { isLiteral, validateIntegerInRange, ValidationError } from '../../common/validation';
import { keepCopyCountAcrossUpdates } from '../copy-count-at-deploy';
import { DeploymentGuardrails } from '../deployment/deployment-guardrails';
import { renderComponentDeploymentConfig } from '../deployment/render-component-deployment-config';
import { BoundServingMode, EndpointConfigModeParts, ServingModeContext, ServingModeResources, noAsyncInvocation } from './binding';
import { CopyRequirements, copyTakesTheInstance, resolveCopyRequirements } from '../copy-requirements';
import { endpointLogGroups } from '../execution-role';
import { inferenceComponentArns, inferenceComponentNameOf, renderInferenceComponent } from '../inference-component';
import { CopyCountPublisher } from '../monitoring/copy-count-publisher';
import { EndpointAlarms } from '../monitoring/endpoint-alarms';
import { inferenceComponentAlarmDefinitions, scaleToZeroComponentRows } from '../monitoring/inference-component-monitoring';
import { InferenceComponentMetrics } from '../monitoring/scale-to-zero-metrics';
import { renderScaleToZeroVariant } from '../production-variant';
import { ScaleToZeroOptions } from '../scale-to-zero-options';
import { InferenceComponentAutoScaling } from '../scaling/inference-component-scaling';
import { refuseAlwaysOnOptions } from './self-scaling-rules';

/** The plain values of `realtimeScaleToZero()`, defaulted and checked. */
export interface ScaleToZeroSettings extends CopyRequirements {
  readonly maxInstanceCount: number;
  readonly maxCopyCount: number;
  readonly initialCopyCount: number;
  readonly invocationsPerCopyTarget: number;
  readonly copyCountMetrics: boolean;
}

/**
 * `ServingMode.realtimeScaleToZero()`: the model hosted as an inference component on a model-less variant with
 * managed instance scaling down to 0 instances; its copies scaled by `InferenceComponentAutoScaling` (target tracking
 * to zero, the `NoCapacityInvocationFailures` step back from it), its copy counts published by `CopyCountPublisher`.
 */
export class ScaleToZeroServingMode implements BoundServingMode {
  public readonly logGroupNames: string[];
  public readonly variantAutoScaled = false;
  public readonly settings: ScaleToZeroSettings;
  public readonly inferenceComponentName: string;
  public readonly inferenceComponentMetrics: InferenceComponentMetrics;
  public inferenceComponent?: sagemaker.CfnInferenceComponent;
  public inferenceComponentScaling?: InferenceComponentAutoScaling;
  public copyCountPublisher?: CopyCountPublisher;

  constructor(private readonly context: ServingModeContext, options: ScaleToZeroOptions) {
    refuseAlwaysOnOptions(context, 'REALTIME_SCALE_TO_ZERO',
      'ServingMode.realtimeScaleToZero({ maxInstanceCount, maxCopyCount, invocationsPerCopyTarget })');
    if (options.idleTimeout !== undefined) {
      Annotations.of(context.scope).addWarningV2('cdk-pytorch-sagemaker:scaleToZeroIdleTimeoutDeprecated',
        'ServingMode.realtimeScaleToZero idleTimeout is deprecated and has no effect: it set an idle alarm whose ' +
        'ExactCapacity-0 step policy could undo a wake-up (issue 17). Target tracking on invocations per copy now ' +
        'removes the last copy after its scale-in alarm\'s idle minutes (about 15; AWS does not document the count), ' +
        'and managed instance scaling then releases the instances. Remove idleTimeout.');
    }
    this.settings = resolveScaleToZero(context, options);
    this.inferenceComponentName = inferenceComponentNameOf(context.settings.endpointName);
    this.inferenceComponentMetrics = this.settings.copyCountMetrics
      ? new InferenceComponentMetrics(this.inferenceComponentName)
      : new UnpublishedCopyCounts(this.inferenceComponentName, context.scope);
    this.logGroupNames = endpointLogGroups(context.settings.endpointName, this.inferenceComponentName);
  }

  /**
   * The model-less variant with managed instance scaling, the execution role SageMaker needs to place inference
   * components, and the model's VPC and network isolation (for inference components SageMaker reads them from the
   * endpoint config).
   */
  public renderEndpointConfigParts(role: iam.IRole, model: sagemaker.CfnModel): EndpointConfigModeParts {
    return {
      productionVariant: renderScaleToZeroVariant(this.context.settings, this.settings.maxInstanceCount),
      executionRoleArn: role.roleArn,
      vpcConfig: model.vpcConfig as sagemaker.CfnEndpointConfig.VpcConfigProperty | undefined,
      enableNetworkIsolation: model.enableNetworkIsolation === true ? true : undefined,
    };
  }

  public addResources(resources: ServingModeResources): void {
    const { scope, settings } = this.context;
    const parts = new Construct(scope, 'ServingMode');
    // The endpoint config names the role SageMaker uses to place copies: its policy must exist first.
    resources.endpoint.node.addDependency(resources.role);
    this.inferenceComponent = renderInferenceComponent(scope, settings, this.settings, resources.model, resources.endpoint);
    keepCopyCountAcrossUpdates(parts, this.inferenceComponent, this.settings.initialCopyCount);
    if (this.settings.copyCountMetrics) {
      this.copyCountPublisher = new CopyCountPublisher(parts, 'CopyCounts', { inferenceComponentName: this.inferenceComponentName });
    }
    this.inferenceComponentScaling = new InferenceComponentAutoScaling(parts, 'Scaling', {
      inferenceComponentName: this.inferenceComponentName,
      maxCopyCount: this.settings.maxCopyCount,
      invocationsPerCopyTarget: this.settings.invocationsPerCopyTarget,
      inferenceComponent: this.inferenceComponent,
    });
  }

  /**
   * The inference component's 5xx rate (requests refused while scaled to zero are not counted), and, with the copy
   * counts published, copies asked for but not placed for 20 minutes.
   */
  public addAlarms(alarms: EndpointAlarms): void {
    for (const { id, props } of inferenceComponentAlarmDefinitions(this.inferenceComponentMetrics, this.copyCountPublisher !== undefined)) {
      alarms.addAlarm(id, props);
    }
  }

  /**
   * The model lives in the inference component: a new model is an update of the component, which takes the rolling
   * update; the endpoint's own DeploymentConfig would never govern a model change.
   */
  public renderDeployment(guardrails: DeploymentGuardrails, alarms: cloudwatch.IAlarm[] | undefined): void {
    this.inferenceComponent!.deploymentConfig = renderComponentDeploymentConfig(this.context.scope, guardrails, {
      instanceTypeName: this.context.settings.instanceType.name,
      maxCopyCount: this.settings.maxCopyCount,
      componentAlarms: alarms,
    });
  }

  public addDashboardWidgets(dashboard: cloudwatch.Dashboard): void {
    for (const row of scaleToZeroComponentRows(this.inferenceComponentMetrics, this.copyCountPublisher !== undefined)) {
      dashboard.addWidgets(...row);
    }
  }

  /**
   * A request to this endpoint names the component (`InferenceComponentName`), and `sagemaker:InvokeEndpoint` lists
   * `inference-component` as a resource type besides `endpoint`: IAM may authorize the request against both ARNs, so
   * the grant names this one component too (as given and lower-cased, `inferenceComponentArns`).
   */
  public invokeResourceArns(): string[] {
    return inferenceComponentArns(this.context.scope, this.inferenceComponentName);
  }

  public grantInvokeAsync(_grantee: iam.IGrantable, _endpointArn: string): iam.Grant {
    throw noAsyncInvocation(this.context.scope);
  }
}

/**
 * The component's metrics when the library publishes no copy counts (`copyCountMetrics: false`): an alarm or graph on
 * them would never get data, so asking for them is an error that says how to have them.
 */
class UnpublishedCopyCounts extends InferenceComponentMetrics {
  constructor(inferenceComponentName: string, private readonly scope: Construct) {
    super(inferenceComponentName);
  }

  public metricCurrentCopyCount(): cloudwatch.Metric {
    throw this.unpublished('metricCurrentCopyCount');
  }

  public metricDesiredCopyCount(): cloudwatch.Metric {
    throw this.unpublished('metricDesiredCopyCount');
  }

  private unpublished(method: string): ValidationError {
    return new ValidationError(`${method}() needs the copy counts the library publishes: remove ` +
      'copyCountMetrics: false from ServingMode.realtimeScaleToZero().', this.scope);
  }
}

/** Defaults and checks of `realtimeScaleToZero()` for the endpoint's instance type. */
export function resolveScaleToZero(context: ServingModeContext, options: ScaleToZeroOptions): ScaleToZeroSettings {
  const { scope, settings: { instanceType, instanceCount } } = context;
  const wholeNumber = (what: string, value: number, min: number) =>
    validateIntegerInRange(`realtimeScaleToZero ${what}`, value, min, undefined, { scope });
  const fail = (message: string) => new ValidationError(message, scope);
  const maxInstanceCount = options.maxInstanceCount ?? 1;
  wholeNumber('maxInstanceCount', maxInstanceCount, 1);
  const maxCopyCount = options.maxCopyCount ?? maxInstanceCount;
  wholeNumber('maxCopyCount', maxCopyCount, 1);
  const initialCopyCount = options.initialCopyCount ?? 1;
  wholeNumber('initialCopyCount', initialCopyCount, 0);
  if (isLiteral(initialCopyCount) && isLiteral(maxCopyCount) && initialCopyCount > maxCopyCount) {
    throw fail(`realtimeScaleToZero initialCopyCount (${initialCopyCount}) is above maxCopyCount (${maxCopyCount}): ` +
      'lower the initial count or raise the maximum.');
  }
  if (isLiteral(instanceCount) && isLiteral(maxInstanceCount) && instanceCount > maxInstanceCount) {
    throw fail(`instanceCount (${instanceCount}) is above realtimeScaleToZero maxInstanceCount ` +
      `(${maxInstanceCount}): managed instance scaling would have to remove instances at once. Raise maxInstanceCount ` +
      'or lower instanceCount.');
  }
  const invocationsPerCopyTarget = options.invocationsPerCopyTarget ?? 60;
  if (isLiteral(invocationsPerCopyTarget) && !(invocationsPerCopyTarget > 0)) {
    throw fail(`realtimeScaleToZero invocationsPerCopyTarget must be above 0, got ${invocationsPerCopyTarget}.`);
  }

  // One model per endpoint: a copy that sets nothing takes all the instance's GPUs and half of the instance.
  const sizing = copyTakesTheInstance((accelerators) => wholeNumber('acceleratorsPerCopy', accelerators, 1));
  const requirements = resolveCopyRequirements('realtimeScaleToZero', instanceType, options, sizing, (message) => { throw fail(message); });
  return {
    maxInstanceCount, maxCopyCount, initialCopyCount, invocationsPerCopyTarget, ...requirements,
    copyCountMetrics: options.copyCountMetrics ?? true,
  };
}
