import { Duration } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct, IDependable } from 'constructs';
import { AutoScalingOptions } from './auto-scaling-options';
import { sagemakerScalableTarget, VARIANT_INSTANCE_COUNT } from './sagemaker-scalable-target';
import { EndpointMetrics } from '../monitoring/endpoint-metrics';
import { isLiteral, validateIntegerInRange, ValidationError } from '../../common/validation';

/**
 * Properties of a {@link VariantAutoScaling}.
 */
export interface VariantAutoScalingProps extends AutoScalingOptions {
  /**
   * The name of the endpoint (a token is fine).
   */
  readonly endpointName: string;

  /**
   * The name of the production variant to scale (a token is fine).
   */
  readonly variantName: string;

  /**
   * The variant's `InitialInstanceCount` in the endpoint config: it must lie between the minimum and the maximum.
   * Not checked when it is a token.
   */
  readonly initialInstanceCount: number;

  /**
   * What creates the endpoint (the `AWS::SageMaker::Endpoint` resource or the construct holding it). The scalable
   * target is registered only after it, since Application Auto Scaling rejects a variant that does not exist yet.
   *
   * @default - no explicit dependency: enough only when `endpointName` is a reference to the endpoint resource
   */
  readonly endpoint?: IDependable;
}

/**
 * Scales the instance count of one production variant of a SageMaker endpoint with Application Auto Scaling:
 * registers the variant as a scalable target and attaches target tracking policies on invocations per instance
 * and, optionally, on GPU utilization.
 *
 * Application Auto Scaling acts through its service-linked role for SageMaker endpoints
 * (`AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint`), which it creates on first use: no IAM role is
 * created in the stack.
 */
export class VariantAutoScaling extends Construct {
  /**
   * The production variant, registered with Application Auto Scaling. Its `role` is a placeholder that is not
   * deployed (the service-linked role acts): do not add policies to it.
   */
  public readonly scalableTarget: appscaling.ScalableTarget;

  /**
   * The target tracking policy on `SageMakerVariantInvocationsPerInstance`.
   *
   * @default - undefined when `invocationsPerInstanceTarget` is not set
   */
  public readonly invocationsPerInstancePolicy?: appscaling.TargetTrackingScalingPolicy;

  /**
   * The target tracking policy on the variant's average `GPUUtilization`.
   *
   * @default - undefined when `gpuUtilizationTarget` is not set
   */
  public readonly gpuUtilizationPolicy?: appscaling.TargetTrackingScalingPolicy;

  constructor(scope: Construct, id: string, props: VariantAutoScalingProps) {
    super(scope, id);
    const minInstanceCount = props.minInstanceCount ?? 1;
    validateCounts(this, minInstanceCount, props.initialInstanceCount, props.maxInstanceCount);
    validateTargets(this, props);

    this.scalableTarget = sagemakerScalableTarget(this, 'Target', {
      resourceId: `endpoint/${props.endpointName}/variant/${props.variantName}`,
      scalableDimension: VARIANT_INSTANCE_COUNT,
      minCapacity: minInstanceCount,
      maxCapacity: props.maxInstanceCount,
      dependsOn: props.endpoint,
    });

    const cooldowns = {
      scaleInCooldown: props.scaleInCooldown ?? Duration.minutes(10),
      scaleOutCooldown: props.scaleOutCooldown ?? Duration.minutes(5),
      disableScaleIn: props.disableScaleIn ?? false,
    };
    if (props.invocationsPerInstanceTarget !== undefined) {
      this.invocationsPerInstancePolicy = new appscaling.TargetTrackingScalingPolicy(this, 'InvocationsPerInstance', {
        scalingTarget: this.scalableTarget,
        predefinedMetric: appscaling.PredefinedMetric.SAGEMAKER_VARIANT_INVOCATIONS_PER_INSTANCE,
        targetValue: props.invocationsPerInstanceTarget,
        ...cooldowns,
      });
    }
    if (props.gpuUtilizationTarget !== undefined) {
      const metrics = new EndpointMetrics(props.endpointName, props.variantName);
      this.gpuUtilizationPolicy = new appscaling.TargetTrackingScalingPolicy(this, 'GpuUtilization', {
        scalingTarget: this.scalableTarget,
        // Average over the variant's instances; each instance reports the sum over its GPUs.
        customMetric: metrics.metricGpuUtilization({ statistic: cloudwatch.Stats.AVERAGE }),
        targetValue: props.gpuUtilizationTarget,
        ...cooldowns,
      });
    }
  }
}


function validateCounts(scope: Construct, min: number, initial: number, max: number): void {
  for (const [name, value] of [['minInstanceCount', min], ['maxInstanceCount', max]] as const) {
    validateIntegerInRange(`autoScaling.${name}`, value, 1, undefined, { scope });
  }
  if (isLiteral(min) && isLiteral(max) && min > max) {
    throw new ValidationError(
      `autoScaling.minInstanceCount (${min}) is above autoScaling.maxInstanceCount (${max}): ` +
      'lower the minimum or raise the maximum.', scope);
  }
  if (isLiteral(initial) && isLiteral(min) && initial < min) {
    throw new ValidationError(
      `The initial instance count (${initial}) is below autoScaling.minInstanceCount (${min}): ` +
      'raise the instance count of the endpoint or lower the minimum.', scope);
  }
  if (isLiteral(initial) && isLiteral(max) && initial > max) {
    throw new ValidationError(
      `The initial instance count (${initial}) is above autoScaling.maxInstanceCount (${max}): ` +
      'raise the maximum or lower the instance count of the endpoint.', scope);
  }
}

function validateTargets(scope: Construct, props: AutoScalingOptions): void {
  if (props.invocationsPerInstanceTarget === undefined && props.gpuUtilizationTarget === undefined) {
    throw new ValidationError(
      'autoScaling needs a metric to track: set invocationsPerInstanceTarget (requests per minute per instance), ' +
      'gpuUtilizationTarget (percent summed over the GPUs of an instance), or both.', scope);
  }
  for (const [name, value] of [
    ['invocationsPerInstanceTarget', props.invocationsPerInstanceTarget],
    ['gpuUtilizationTarget', props.gpuUtilizationTarget],
  ] as const) {
    if (value !== undefined && isLiteral(value) && !(value > 0)) {
      throw new ValidationError(`autoScaling.${name} must be above 0, got ${value}.`, scope);
    }
  }
}
