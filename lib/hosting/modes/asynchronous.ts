import { Annotations, Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { isLiteral, validateIntegerInRange, ValidationError } from '../../common/validation';
import { bindAsyncInference } from '../async-inference';
import { AsyncInferenceLocations, AsyncInferenceOptions } from '../async-inference-options';
import { DeploymentGuardrails } from '../deployment/deployment-guardrails';
import { renderDeploymentConfig } from '../deployment/render-deployment-config';
import { BoundServingMode, EndpointConfigModeParts, ServingModeContext, ServingModeResources } from './binding';
import { endpointLogGroups } from '../execution-role';
import { EndpointAlarms } from '../monitoring/endpoint-alarms';
import { AsyncInferenceMetrics } from '../monitoring/scale-to-zero-metrics';
import { AsyncAutoScaling } from '../scaling/async-auto-scaling';
import { PERIOD, refuseAlwaysOnOptions } from './self-scaling-rules';

/** The plain scaling values of `asynchronous()`, defaulted and checked. */
export interface AsyncScalingSettings {
  readonly minInstanceCount: number;
  readonly maxInstanceCount: number;
  readonly backlogPerInstanceTarget: number;
  /** Target tracking's scale-in cooldown, in whole seconds. */
  readonly scaleInCooldownSeconds: number;
  readonly maxConcurrentInvocationsPerInstance?: number;
}

/**
 * `ServingMode.asynchronous()`: `AsyncInferenceConfig` with its bucket (`bindAsyncInference`), the variant scaled on
 * its backlog down to 0 instances and woken by the `HasBacklogWithoutCapacity` alarm (`AsyncAutoScaling`),
 * `grantInvokeAsync`.
 */
export class AsynchronousServingMode implements BoundServingMode {
  public readonly logGroupNames: string[];
  public readonly variantAutoScaled = true;
  public readonly settings: AsyncScalingSettings;
  public asyncInference?: AsyncInferenceLocations;
  public asyncScaling?: AsyncAutoScaling;
  public asyncMetrics?: AsyncInferenceMetrics;
  private endpoint?: sagemaker.CfnEndpoint;

  constructor(private readonly context: ServingModeContext, private readonly options: AsyncInferenceOptions) {
    refuseAlwaysOnOptions(context, 'ASYNCHRONOUS', 'ServingMode.asynchronous({ maxInstanceCount, backlogPerInstanceTarget })');
    if (options.idleTimeout !== undefined) {
      Annotations.of(context.scope).addWarningV2('cdk-pytorch-sagemaker:asyncIdleTimeoutDeprecated',
        'ServingMode.asynchronous idleTimeout is deprecated: it sets the target tracking scale-in cooldown, which is ' +
        'now scaleInCooldown; it does not decide when an idle endpoint reaches zero (target tracking\'s scale-in alarm ' +
        'does, after about 15 idle minutes). Rename idleTimeout to scaleInCooldown.');
    }
    this.settings = resolveAsyncScaling(context, options);
    this.logGroupNames = endpointLogGroups(context.settings.endpointName);
  }

  public renderEndpointConfigParts(role: iam.IRole): EndpointConfigModeParts {
    const bound = bindAsyncInference(this.context.scope, this.options, this.settings, role);
    this.asyncInference = bound.locations;
    return { asyncInferenceConfig: bound.config };
  }

  public addResources(resources: ServingModeResources): void {
    const { scope, settings } = this.context;
    this.endpoint = resources.endpoint;
    const parts = new Construct(scope, 'ServingMode');
    this.asyncMetrics = new AsyncInferenceMetrics(resources.endpoint.attrEndpointName, settings.variantName);
    this.asyncScaling = new AsyncAutoScaling(parts, 'Scaling', {
      ...this.settings,
      scaleInCooldown: Duration.seconds(this.settings.scaleInCooldownSeconds),
      endpointName: resources.endpoint.attrEndpointName,
      variantName: settings.variantName,
      endpoint: resources.endpoint,
    });
  }

  /**
   * The oldest queued request older than 30 minutes (cold starts take minutes, not half an hour) and failed requests;
   * neither fires because the endpoint is idle or scaled to zero.
   */
  public addAlarms(alarms: EndpointAlarms): void {
    const metrics = this.asyncMetrics!;
    alarms.addAlarm('OldestRequestAge', {
      metric: metrics.metricApproximateAgeOfOldestRequest({ period: PERIOD }),
      threshold: 30 * 60,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      // No data: no queue, nothing waits.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: 'The oldest queued asynchronous request has waited more than 30 minutes: instances cannot ' +
        'start (quota, capacity) or cannot keep up (raise maxInstanceCount).',
    });
    alarms.addAlarm('InvocationFailures', {
      metric: metrics.metricInvocationFailures({ period: PERIOD }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: 'Asynchronous requests failed in 3 of the last 5 minutes: see the failure path and the ' +
        'endpoint\'s CloudWatch logs.',
    });
  }

  public renderDeployment(guardrails: DeploymentGuardrails, alarms: cloudwatch.IAlarm[] | undefined): void {
    const { scope, settings } = this.context;
    this.endpoint!.deploymentConfig = renderDeploymentConfig(scope, guardrails, {
      instanceTypeName: settings.instanceType.name,
      instanceCount: settings.instanceCount,
      minInstanceCount: this.settings.minInstanceCount,
      countSetting: 'ServingMode.asynchronous({ minInstanceCount })',
      endpointAlarms: alarms,
    });
  }

  public addDashboardWidgets(dashboard: cloudwatch.Dashboard): void {
    const m = this.asyncMetrics!;
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Async backlog',
        width: 8,
        left: [m.metricApproximateBacklogSize({ period: PERIOD, label: 'Backlog' })],
        right: [m.metricHasBacklogWithoutCapacity({ period: PERIOD, label: 'Backlog without capacity' })],
      }),
      new cloudwatch.GraphWidget({
        title: 'Age of the oldest request (seconds)',
        width: 8,
        left: [m.metricApproximateAgeOfOldestRequest({ period: PERIOD, label: 'Oldest request' })],
      }),
      new cloudwatch.GraphWidget({
        title: 'Async requests processed / failed (per minute)',
        width: 8,
        left: [
          m.metricInvocationsProcessed({ period: PERIOD, label: 'Processed' }),
          m.metricInvocationFailures({ period: PERIOD, label: 'Failed' }),
        ],
      }),
    );
  }

  public invokeResourceArns(): string[] {
    return [];
  }

  /**
   * `sagemaker:InvokeEndpointAsync` on the endpoint, writing request payloads under the input prefix, reading the
   * results and failures, and the bucket key's use.
   */
  public grantInvokeAsync(grantee: iam.IGrantable, endpointArn: string): iam.Grant {
    const locations = this.asyncInference!;
    const grant = iam.Grant.addToPrincipal({ grantee, actions: ['sagemaker:InvokeEndpointAsync'], resourceArns: [endpointArn] });
    iam.Grant.addToPrincipal({ grantee, actions: ['s3:PutObject'], resourceArns: [locations.bucket.arnForObjects(`${locations.inputPrefix}*`)] });
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:GetObject'],
      resourceArns: [locations.outputPrefix, locations.failurePrefix].map(p => locations.bucket.arnForObjects(`${p}*`)),
    });
    locations.encryptionKey?.grant(grantee, 'kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey');
    return grant;
  }
}

/** Defaults and checks of the scaling of `asynchronous()`. */
export function resolveAsyncScaling(context: ServingModeContext, options: AsyncInferenceOptions): AsyncScalingSettings {
  const { scope, settings: { instanceCount: initialInstanceCount } } = context;
  const wholeNumber = (what: string, value: number, min: number, max?: number) =>
    validateIntegerInRange(`asynchronous ${what}`, value, min, max, { scope });
  const fail = (message: string) => new ValidationError(message, scope);
  const minInstanceCount = options.minInstanceCount ?? 0;
  const maxInstanceCount = options.maxInstanceCount ?? 1;
  wholeNumber('minInstanceCount', minInstanceCount, 0);
  wholeNumber('maxInstanceCount', maxInstanceCount, 1);
  if (isLiteral(minInstanceCount) && isLiteral(maxInstanceCount) && minInstanceCount > maxInstanceCount) {
    throw fail(`asynchronous minInstanceCount (${minInstanceCount}) is above maxInstanceCount (${maxInstanceCount}): ` +
      'lower the minimum or raise the maximum.');
  }
  if (isLiteral(initialInstanceCount) && isLiteral(maxInstanceCount) && initialInstanceCount > maxInstanceCount) {
    throw fail(`instanceCount (${initialInstanceCount}) is above asynchronous maxInstanceCount (${maxInstanceCount}): ` +
      'raise the maximum or lower the initial count.');
  }
  const backlogPerInstanceTarget = options.backlogPerInstanceTarget ?? 5;
  if (isLiteral(backlogPerInstanceTarget) && !(backlogPerInstanceTarget > 0)) {
    throw fail(`asynchronous backlogPerInstanceTarget must be above 0, got ${backlogPerInstanceTarget}.`);
  }
  if (options.maxConcurrentInvocationsPerInstance !== undefined) {
    wholeNumber('maxConcurrentInvocationsPerInstance', options.maxConcurrentInvocationsPerInstance, 1, 1000);
  }
  if (options.scaleInCooldown !== undefined && options.idleTimeout !== undefined) {
    throw fail('asynchronous scaleInCooldown and idleTimeout set the same cooldown: remove idleTimeout (deprecated).');
  }
  const scaleInCooldownSeconds = (options.scaleInCooldown ?? options.idleTimeout)?.toSeconds() ?? 15 * 60;
  if (!isLiteral(scaleInCooldownSeconds)) {
    // The cooldown is rendered into the scaling policy as whole seconds, which a token cannot be checked to be.
    throw fail('asynchronous scaleInCooldown must be a literal duration.');
  }
  if (!(Number.isInteger(scaleInCooldownSeconds) && scaleInCooldownSeconds >= 0)) {
    throw fail(`asynchronous scaleInCooldown must be whole seconds (PutScalingPolicy ScaleInCooldown), got ${scaleInCooldownSeconds}.`);
  }
  return {
    minInstanceCount, maxInstanceCount, backlogPerInstanceTarget, scaleInCooldownSeconds,
    maxConcurrentInvocationsPerInstance: options.maxConcurrentInvocationsPerInstance,
  };
}
