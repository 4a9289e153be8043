import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { InferenceComponentMetrics } from './scale-to-zero-metrics';

const PERIOD = Duration.minutes(1);

/** How long copies may be missing before the alarm says they cannot be placed: a GPU cold start takes minutes. */
export const COPIES_NOT_PLACED_MINUTES = 20;

/** Desired minus current copies, per minute. */
export function copiesMissing(metrics: InferenceComponentMetrics): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: 'desired - current',
    usingMetrics: {
      desired: metrics.metricDesiredCopyCount({ period: PERIOD }),
      current: metrics.metricCurrentCopyCount({ period: PERIOD, statistic: cloudwatch.Stats.MINIMUM }),
    },
    period: PERIOD,
    label: 'Copies asked for but not running',
  });
}

/** What the alarms of one inference component are built from. */
export interface InferenceComponentAlarmProps {
  readonly metrics: InferenceComponentMetrics;
  /** Whether the library publishes the component's copy counts (`CopyCountPublisher`): the "copies not placed" alarm needs them. */
  readonly copyCountsPublished: boolean;
  /** @default - no notification */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Prefix of the alarms' construct ids (several components under one scope).
   *
   * @default ''
   */
  readonly idPrefix?: string;
}

/** One alarm of an inference component: its construct id (unprefixed) and its props. */
export interface InferenceComponentAlarmDefinition {
  readonly id: string;
  readonly props: cloudwatch.AlarmProps;
}

/**
 * The alarms of one inference component, none of which fires because it is idle or scaled to zero: more than 1 % of
 * its requests answered with a 5xx, and (with published copy counts) copies asked for but not running for
 * `COPIES_NOT_PLACED_MINUTES` (they cannot be placed: instance capacity, quota, a failing container). The one
 * definition both hosts of a component use: the scale-to-zero serving mode (through `EndpointAlarms.addAlarm`) and
 * each model of a fleet.
 */
export function inferenceComponentAlarmDefinitions(metrics: InferenceComponentMetrics, copyCountsPublished: boolean): InferenceComponentAlarmDefinition[] {
  const name = metrics.inferenceComponentName;
  const definitions: InferenceComponentAlarmDefinition[] = [{
    id: 'InferenceComponentServerErrors',
    props: {
      metric: metrics.metricInvocation5XXErrors({ statistic: cloudwatch.Stats.AVERAGE, period: PERIOD }),
      threshold: 0.01,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `More than 1 % of requests to inference component ${name} failed with a 5xx status. Requests ` +
        'refused while it is scaled to zero are NoCapacityInvocationFailures, not counted here.',
    },
  }];
  if (copyCountsPublished) {
    definitions.push({
      id: 'CopiesNotPlaced',
      props: {
        metric: copiesMissing(metrics),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: COPIES_NOT_PLACED_MINUTES,
        datapointsToAlarm: COPIES_NOT_PLACED_MINUTES,
        // No data: the publisher has nothing to report (no component yet); it cannot mean copies are missing.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `Inference component ${name} has had fewer copies running than asked for during ` +
          `${COPIES_NOT_PLACED_MINUTES} minutes: SageMaker cannot place them (no instance capacity of the type, the ` +
          'account\'s endpoint-usage quota for it, the endpoint at its maximum instance count, or the container failing ' +
          `its health check). See FailureReason in aws sagemaker describe-inference-component --inference-component-name ${name}. ` +
          'A cold start takes minutes, not this long; a component scaled to zero asks for no copy and does not fire it.',
      },
    });
  }
  return definitions;
}

/** The alarms of one inference component (`inferenceComponentAlarmDefinitions`) as constructs under `scope`. */
export function createInferenceComponentAlarms(scope: Construct, props: InferenceComponentAlarmProps): cloudwatch.Alarm[] {
  const prefix = props.idPrefix ?? '';
  return inferenceComponentAlarmDefinitions(props.metrics, props.copyCountsPublished).map(({ id, props: alarmProps }) => {
    const alarm = new cloudwatch.Alarm(scope, `${prefix}${id}`, alarmProps);
    if (props.alarmTopic) {
      const action = new cloudwatchActions.SnsAction(props.alarmTopic);
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
    return alarm;
  });
}

/** Requests to the component (left) and requests per copy (right), per minute: graphed by both hosts. */
function requestSeries(m: InferenceComponentMetrics): Pick<cloudwatch.GraphWidgetProps, 'left' | 'right'> {
  return {
    left: [m.metricInvocations({ period: PERIOD, label: 'Invocations' })],
    right: [m.metricInvocationsPerCopy({ period: PERIOD, label: 'Invocations per copy' })],
  };
}

/** Copies running and copies asked for (the published copy counts; 0 = scaled to zero): graphed by both hosts. */
function copyCountSeries(m: InferenceComponentMetrics): cloudwatch.IMetric[] {
  return [
    m.metricCurrentCopyCount({ period: PERIOD, label: 'Current copies' }),
    m.metricDesiredCopyCount({ period: PERIOD, label: 'Desired copies' }),
  ];
}

/**
 * One dashboard row of a model on a fleet (24 columns wide): requests and requests per copy, latency, errors,
 * cold starts (requests that found no copy) and, with published copy counts, copies running against asked for.
 */
export function inferenceComponentWidgets(metrics: InferenceComponentMetrics, title: string, copyCountsPublished: boolean): cloudwatch.IWidget[] {
  const m = metrics;
  return [
    new cloudwatch.GraphWidget({
      title: `${title}: requests, per copy (per minute)`,
      width: 6,
      ...requestSeries(m),
    }),
    new cloudwatch.GraphWidget({
      title: `${title}: model latency (µs)`,
      width: 6,
      left: [m.metricModelLatency({ period: PERIOD, statistic: 'p50', label: 'p50' }), m.metricModelLatency({ period: PERIOD, statistic: 'p99', label: 'p99' })],
    }),
    new cloudwatch.GraphWidget({
      title: `${title}: errors and cold starts`,
      width: 6,
      left: [
        m.metricInvocation4XXErrors({ period: PERIOD, label: '4xx' }),
        m.metricInvocation5XXErrors({ period: PERIOD, label: '5xx' }),
        m.metricNoCapacityInvocationFailures({ period: PERIOD, statistic: cloudwatch.Stats.SUM, label: 'Found no copy' }),
      ],
    }),
    new cloudwatch.GraphWidget({
      title: copyCountsPublished ? `${title}: copies running / asked for; GPU use` : `${title}: GPU use of its copies`,
      width: 6,
      left: copyCountsPublished ? copyCountSeries(m) : [],
      leftYAxis: { min: 0 },
      right: [m.metricUtilization('GPUUtilizationNormalized', { period: PERIOD, label: 'GPU utilization (normalized, %)' })],
    }),
  ];
}

/**
 * The rows the scale-to-zero serving mode adds below its endpoint's graphs (which already show the endpoint's
 * latency, errors and instances): the component's requests and requests per copy, the requests that found no copy
 * (cold starts) and, with published copy counts, copies running against asked for, full width. Each inner array is
 * one row (`Dashboard.addWidgets` call).
 */
export function scaleToZeroComponentRows(metrics: InferenceComponentMetrics, copyCountsPublished: boolean): cloudwatch.IWidget[][] {
  const m = metrics;
  const rows: cloudwatch.IWidget[][] = [[
    new cloudwatch.GraphWidget({
      title: 'Inference component: requests and requests per copy (per minute)',
      width: 12,
      ...requestSeries(m),
    }),
    new cloudwatch.GraphWidget({
      title: 'Requests that found no copy (cold starts)',
      width: 12,
      left: [m.metricNoCapacityInvocationFailures({ period: PERIOD, statistic: cloudwatch.Stats.SUM, label: 'NoCapacityInvocationFailures' })],
    }),
  ]];
  if (copyCountsPublished) {
    rows.push([new cloudwatch.GraphWidget({
      title: 'Inference component: copies running and asked for (0 = scaled to zero)',
      width: 24,
      left: copyCountSeries(m),
      leftYAxis: { min: 0 },
    })]);
  }
  return rows;
}
