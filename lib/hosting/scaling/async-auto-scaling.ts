import { Duration } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct, IDependable } from 'constructs';
import { addScaleFromZero, WAKE_UP_COOLDOWN } from './scale-from-zero';
import { sagemakerScalableTarget, VARIANT_INSTANCE_COUNT } from './sagemaker-scalable-target';
import { AsyncInferenceMetrics } from '../monitoring/scale-to-zero-metrics';

/** Properties of an {@link AsyncAutoScaling}. */
export interface AsyncAutoScalingProps {
  readonly endpointName: string;
  readonly variantName: string;
  readonly minInstanceCount: number;
  readonly maxInstanceCount: number;
  /** Target of `ApproximateBacklogSizePerInstance`. */
  readonly backlogPerInstanceTarget: number;
  /**
   * Target tracking's scale-in cooldown: how long after removing instances it waits before it may remove more.
   *
   * @default Duration.minutes(15)
   */
  readonly scaleInCooldown?: Duration;
  /**
   * What creates the endpoint: the target is registered after it.
   *
   * @default - no explicit dependency
   */
  readonly endpoint?: IDependable;
}

/**
 * Scales an asynchronous endpoint's variant between `minInstanceCount` (0 by default) and `maxInstanceCount`
 * ("Autoscale an asynchronous endpoint"): target tracking on `ApproximateBacklogSizePerInstance`, and a step policy on
 * `HasBacklogWithoutCapacity` that starts an instance when a request arrives at zero instances (its cooldown: see
 * `WAKE_UP_COOLDOWN`, 10 minutes where AWS's example has 300 s).
 */
export class AsyncAutoScaling extends Construct {
  /** The variant's instance count, registered with Application Auto Scaling. */
  public readonly scalableTarget: appscaling.ScalableTarget;
  /** Target tracking on the backlog per instance. */
  public readonly backlogPolicy: appscaling.TargetTrackingScalingPolicy;
  /** The step policy that starts the first instance. */
  public readonly scaleFromZeroPolicy: appscaling.StepScalingAction;
  /** The alarm on `HasBacklogWithoutCapacity` that triggers it. */
  public readonly scaleFromZeroAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: AsyncAutoScalingProps) {
    super(scope, id);
    this.scalableTarget = sagemakerScalableTarget(this, 'Target', {
      resourceId: `endpoint/${props.endpointName}/variant/${props.variantName}`,
      scalableDimension: VARIANT_INSTANCE_COUNT,
      minCapacity: props.minInstanceCount,
      maxCapacity: props.maxInstanceCount,
      dependsOn: props.endpoint,
    });
    const metrics = new AsyncInferenceMetrics(props.endpointName, props.variantName);
    this.backlogPolicy = new appscaling.TargetTrackingScalingPolicy(this, 'BacklogPerInstance', {
      scalingTarget: this.scalableTarget,
      customMetric: metrics.metricApproximateBacklogSizePerInstance({ statistic: cloudwatch.Stats.AVERAGE }),
      targetValue: props.backlogPerInstanceTarget,
      scaleInCooldown: props.scaleInCooldown ?? Duration.minutes(15),
      scaleOutCooldown: Duration.minutes(5),
    });
    const wake = addScaleFromZero(this, 'ScaleFromZero', {
      scalingTarget: this.scalableTarget,
      metric: metrics.metricHasBacklogWithoutCapacity({ period: Duration.minutes(1) }),
      evaluationPeriods: 2,
      aggregation: appscaling.MetricAggregationType.AVERAGE,
      cooldown: WAKE_UP_COOLDOWN,
      description: `Requests wait at endpoint ${props.endpointName} and no instance runs: starts one. Fires on every ` +
        'cold start, by design.',
    });
    this.scaleFromZeroPolicy = wake.policy;
    this.scaleFromZeroAlarm = wake.alarm;
  }
}
