import { Duration } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct, IDependable } from 'constructs';
import { addScaleFromZero, WAKE_UP_COOLDOWN } from './scale-from-zero';
import { sagemakerScalableTarget } from './sagemaker-scalable-target';
import { InferenceComponentMetrics } from '../monitoring/scale-to-zero-metrics';

/** Properties of an {@link InferenceComponentAutoScaling}. */
export interface InferenceComponentAutoScalingProps {
  /** The inference component's name (a literal or a token). */
  readonly inferenceComponentName: string;
  /**
   * The fewest copies. 0 lets the component scale to zero (and the endpoint's instances with it).
   *
   * @default 0
   */
  readonly minCopyCount?: number;
  /** The most copies. */
  readonly maxCopyCount: number;
  /** Target of `SageMakerInferenceComponentInvocationsPerCopy` (requests per minute per copy). */
  readonly invocationsPerCopyTarget: number;
  /**
   * What creates the inference component: the target is registered after it.
   *
   * @default - no explicit dependency
   */
  readonly inferenceComponent?: IDependable;
}

/** The scalable dimension of an inference component: its copy count. */
const COPY_COUNT = 'sagemaker:inference-component:DesiredCopyCount';


/**
 * Scales the copies of an inference component between 0 and `maxCopyCount`, as AWS's "Scale an endpoint to zero
 * instances" (https://docs.aws.amazon.com/sagemaker/latest/dg/endpoint-auto-scaling-zero-instances.html) wires it:
 * - the component registered with Application Auto Scaling with minimum capacity 0;
 * - target tracking on `SageMakerInferenceComponentInvocationsPerCopy`: it adds copies under load and, with minimum
 *   capacity 0, removes the last copy once the component has had no request for the scale-in alarm's data points
 *   (real 0 values: "Application Auto Scaling can scale in to 0 when there is no traffic", Target tracking scaling
 *   policies for Application Auto Scaling);
 * - a step policy (+1 copy) on a `NoCapacityInvocationFailures` alarm: the only way out of zero, since target
 *   tracking multiplies the current capacity and a metric per copy has no value at zero copies.
 * Managed instance scaling then starts or stops the instances the copies need. Nothing else scales in: a step policy
 * that lowers the count would act even where target tracking would not (the Considerations of the target tracking
 * page), and an alarm stays in ALARM, re-invoking it every minute, while a woken copy still starts.
 */
export class InferenceComponentAutoScaling extends Construct {
  /** The inference component's copy count, registered with Application Auto Scaling (min 0). */
  public readonly scalableTarget: appscaling.ScalableTarget;
  /** Target tracking on `SageMakerInferenceComponentInvocationsPerCopy`: scales out under load, and in, to 0, when idle. */
  public readonly invocationsPerCopyPolicy: appscaling.TargetTrackingScalingPolicy;
  /** The step policy that adds the first copy. */
  public readonly scaleFromZeroPolicy: appscaling.StepScalingAction;
  /** The alarm on `NoCapacityInvocationFailures` that triggers it (fires on every cold start, by design). */
  public readonly scaleFromZeroAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: InferenceComponentAutoScalingProps) {
    super(scope, id);
    this.scalableTarget = sagemakerScalableTarget(this, 'Target', {
      resourceId: `inference-component/${props.inferenceComponentName}`,
      scalableDimension: COPY_COUNT,
      minCapacity: props.minCopyCount ?? 0,
      maxCapacity: props.maxCopyCount,
      dependsOn: props.inferenceComponent,
    });
    this.invocationsPerCopyPolicy = new appscaling.TargetTrackingScalingPolicy(this, 'InvocationsPerCopy', {
      scalingTarget: this.scalableTarget,
      predefinedMetric: appscaling.PredefinedMetric.SAGEMAKER_INFERENCE_COMPONENT_INVOCATIONS_PER_COPY,
      targetValue: props.invocationsPerCopyTarget,
      scaleOutCooldown: Duration.minutes(5),
      scaleInCooldown: Duration.minutes(10),
    });
    const metrics = new InferenceComponentMetrics(props.inferenceComponentName);
    const wake = addScaleFromZero(this, 'ScaleFromZero', {
      scalingTarget: this.scalableTarget,
      // "Scale an endpoint to zero instances": the alarm on NoCapacityInvocationFailures, one minute, one data point.
      // Maximum >= 1 (as aws-samples' scale_down_to_zero notebook sets it) fires on a single refused request, where
      // the page's example (Sum > 1) needs two in a minute.
      metric: metrics.metricNoCapacityInvocationFailures({ period: Duration.minutes(1) }),
      evaluationPeriods: 1,
      aggregation: appscaling.MetricAggregationType.MAXIMUM,
      cooldown: WAKE_UP_COOLDOWN,
      description: `A request to inference component ${props.inferenceComponentName} found no copy: adds one (the ` +
        'endpoint was scaled to zero). Fires on every cold start, by design.',
    });
    this.scaleFromZeroPolicy = wake.policy;
    this.scaleFromZeroAlarm = wake.alarm;
  }
}
