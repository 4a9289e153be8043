import { Duration } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Construct } from 'constructs';

/**
 * The step scaling policy that starts capacity when a request finds none, and the CloudWatch alarm that triggers it.
 * Target tracking cannot do this: its metric (requests or backlog per copy or instance) has no value at zero
 * capacity. This is the documented way out of zero for both inference components and asynchronous endpoints.
 */
export interface ScaleFromZero {
  readonly policy: appscaling.StepScalingAction;
  readonly alarm: cloudwatch.Alarm;
}

/** What the alarm of a {@link addScaleFromZero} watches. */
export interface ScaleFromZeroProps {
  readonly scalingTarget: appscaling.IScalableTarget;
  readonly metric: cloudwatch.IMetric;
  readonly evaluationPeriods: number;
  readonly aggregation: appscaling.MetricAggregationType;
  readonly cooldown: Duration;
  readonly description: string;
}

/** Adds +1 capacity on `metric >= 1`. The alarm's own actions are only this policy: it fires by design, not as a fault. */
export function addScaleFromZero(scope: Construct, id: string, props: ScaleFromZeroProps): ScaleFromZero {
  const policy = new appscaling.StepScalingAction(scope, `${id}Policy`, {
    scalingTarget: props.scalingTarget,
    adjustmentType: appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
    metricAggregationType: props.aggregation,
    cooldown: props.cooldown,
  });
  policy.addAdjustment({ adjustment: 1, lowerBound: 0 });
  const alarm = new cloudwatch.Alarm(scope, `${id}Alarm`, {
    metric: props.metric,
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: props.evaluationPeriods,
    datapointsToAlarm: props.evaluationPeriods,
    treatMissingData: cloudwatch.TreatMissingData.MISSING,
    alarmDescription: props.description,
  });
  alarm.addAlarmAction(new cloudwatchActions.ApplicationScalingAction(policy));
  return { policy, alarm };
}
