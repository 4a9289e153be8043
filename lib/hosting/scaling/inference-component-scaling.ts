import { Duration } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Construct, IDependable } from 'constructs';
import { addScaleFromZero } from './scale-from-zero';
import { sagemakerScalableTarget } from './sagemaker-scalable-target';
import { InferenceComponentMetrics } from '../monitoring/scale-to-zero-metrics';

/** Properties of an {@link InferenceComponentAutoScaling}. */
export interface InferenceComponentAutoScalingProps {
  /** The inference component's name (a literal or a token). */
  readonly inferenceComponentName: string;
  /** The most copies. */
  readonly maxCopyCount: number;
  /** Target of `SageMakerInferenceComponentInvocationsPerCopy` (requests per minute per copy). */
  readonly invocationsPerCopyTarget: number;
  /** Minutes without any request after which the copies go to zero. */
  readonly idleMinutes: number;
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
 * Scales the copies of an inference component between 0 and `maxCopyCount` ("Scale an endpoint to zero instances"):
 * target tracking on invocations per copy, a step policy that adds the first copy when a request finds none
 * (`NoCapacityInvocationFailures`), and a step policy that removes every copy after `idleMinutes` without a request.
 * Managed instance scaling then starts or stops the instances the copies need.
 */
export class InferenceComponentAutoScaling extends Construct {
  /** The inference component's copy count, registered with Application Auto Scaling (min 0). */
  public readonly scalableTarget: appscaling.ScalableTarget;
  /** Target tracking on `SageMakerInferenceComponentInvocationsPerCopy`. */
  public readonly invocationsPerCopyPolicy: appscaling.TargetTrackingScalingPolicy;
  /** The step policy that adds the first copy. */
  public readonly scaleFromZeroPolicy: appscaling.StepScalingAction;
  /** The alarm on `NoCapacityInvocationFailures` that triggers it (fires on every cold start, by design). */
  public readonly scaleFromZeroAlarm: cloudwatch.Alarm;
  /** The step policy that sets the copy count to 0. */
  public readonly scaleToZeroPolicy: appscaling.StepScalingAction;
  /** The alarm on no invocations for `idleMinutes` that triggers it. */
  public readonly idleAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: InferenceComponentAutoScalingProps) {
    super(scope, id);
    this.scalableTarget = sagemakerScalableTarget(this, 'Target', {
      resourceId: `inference-component/${props.inferenceComponentName}`,
      scalableDimension: COPY_COUNT,
      minCapacity: 0,
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
      metric: metrics.metricNoCapacityInvocationFailures({ period: Duration.minutes(1) }),
      evaluationPeriods: 1,
      aggregation: appscaling.MetricAggregationType.MAXIMUM,
      cooldown: Duration.minutes(1),
      description: `A request to inference component ${props.inferenceComponentName} found no copy: adds one (the ` +
        'endpoint was scaled to zero). Fires on every cold start, by design.',
    });
    this.scaleFromZeroPolicy = wake.policy;
    this.scaleFromZeroAlarm = wake.alarm;

    // Target tracking cannot reach 0 (it rounds a positive load up to one copy, and without requests its metric has
    // no data), so idleness is an alarm of its own. FILL gives minutes without requests the value 0, so that the step
    // policy always has a value to compare.
    this.scaleToZeroPolicy = new appscaling.StepScalingAction(this, 'ScaleToZeroPolicy', {
      scalingTarget: this.scalableTarget,
      adjustmentType: appscaling.AdjustmentType.EXACT_CAPACITY,
      metricAggregationType: appscaling.MetricAggregationType.MAXIMUM,
      cooldown: Duration.minutes(1),
    });
    this.scaleToZeroPolicy.addAdjustment({ adjustment: 0, upperBound: 0 });
    this.idleAlarm = new cloudwatch.Alarm(this, 'IdleAlarm', {
      metric: new cloudwatch.MathExpression({
        expression: 'FILL(invocations, 0)',
        usingMetrics: { invocations: metrics.metricInvocations({ period: Duration.minutes(1) }) },
        period: Duration.minutes(1),
        label: 'Invocations (0 when none)',
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: props.idleMinutes,
      datapointsToAlarm: props.idleMinutes,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      alarmDescription: `No request reached inference component ${props.inferenceComponentName} for ` +
        `${props.idleMinutes} minutes: scales it to zero copies. Expected whenever the endpoint is idle.`,
    });
    this.idleAlarm.addAlarmAction(new cloudwatchActions.ApplicationScalingAction(this.scaleToZeroPolicy));
  }
}
