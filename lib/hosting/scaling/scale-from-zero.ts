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

/**
 * The wake-up policy's cooldown, in both modes: how long the first copy or instance may take to serve after a request
 * found none (an instance start plus the model download and `model_fn`: "the provisioning process takes several
 * minutes"). While it starts, the wake-up alarm stays in ALARM (refused requests, or requests waiting in the queue)
 * and CloudWatch invokes the step policy again every minute; during this cooldown a repeated +1 adds nothing ("won't
 * increase the desired capacity again unless either a larger scale out is triggered or the cooldown period ends", Step
 * scaling policies for Application Auto Scaling,
 * https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-step-scaling-policies.html),
 * so one idle-to-busy transition starts one copy or instance, not the maximum. More, if the load needs them, come from
 * target tracking once the first serves. AWS's examples use shorter cooldowns (60 s for an inference component, 300 s
 * for an asynchronous endpoint); the simulation in test/simulation measured one caller after idle: on two copies at
 * most 56 instance-minutes with this cooldown, 85 with 60 s (a second instance during the cold start); on an
 * asynchronous endpoint of up to 4 instances 44 instance-minutes on average over the assumptions instead of 58 with
 * 300 s, which started up to 4 instances for one queued request. The first answer came no later either way.
 */
export const WAKE_UP_COOLDOWN = Duration.minutes(10);

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
