import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { isLiteral, validateIntegerInRange, ValidationError } from '../../common/validation';
import { EndpointMetrics } from './endpoint-metrics';

/**
 * When an alarm goes off: the threshold and how many one-minute periods must breach it.
 */
export interface AlarmOptions {
  /**
   * Create this alarm.
   *
   * @default - depends on the alarm: see the field of `EndpointAlarmsProps` that holds these options
   */
  readonly enabled?: boolean;

  /**
   * The number of most recent one-minute periods that are evaluated.
   *
   * @default 5
   */
  readonly evaluationPeriods?: number;

  /**
   * How many of the evaluated periods must breach the threshold for the alarm to fire: fewer than
   * `evaluationPeriods` lets one good minute not hide a bad trend.
   *
   * @default 3
   */
  readonly datapointsToAlarm?: number;
}

/**
 * An alarm on a rate (0 to 1), such as the share of requests that failed.
 */
export interface RateAlarmOptions extends AlarmOptions {
  /**
   * The rate above which the alarm fires, between 0 and 1 (0.01 = 1 % of the requests).
   *
   * @default - depends on the alarm: see the field of `EndpointAlarmsProps` that holds these options
   */
  readonly threshold?: number;
}

/**
 * An alarm on a latency percentile.
 */
export interface LatencyAlarmOptions extends AlarmOptions {
  /**
   * The latency above which the alarm fires. CloudWatch receives it in microseconds, the unit SageMaker publishes.
   *
   * @default Duration.seconds(1)
   */
  readonly threshold?: Duration;

  /**
   * The percentile compared with the threshold, between 0 and 100 (exclusive).
   *
   * @default 90
   */
  readonly percentile?: number;
}

/**
 * An alarm on a utilization of the variant's GPUs.
 */
export interface GpuAlarmOptions extends AlarmOptions {
  /**
   * The utilization of each GPU above which the alarm fires, in percent (0 to 100).
   *
   * @default 95
   */
  readonly thresholdPercentPerGpu?: number;

  /**
   * The number of GPUs of one instance of the variant. SageMaker sums GPU metrics over the GPUs of an instance,
   * so the alarm compares the metric with `thresholdPercentPerGpu * gpuCount`.
   *
   * @default 1
   */
  readonly gpuCount?: number;
}

/**
 * Which alarms watch a production variant, and when they fire. `RealtimeEndpoint` takes these as its `alarms`.
 */
export interface EndpointAlarmsOptions {
  /**
   * The share of requests the model answers with a 5xx status. On by default: the model or its container is
   * failing (exceptions in `inference.py`, out of GPU memory, a crashed worker), which callers feel at once.
   *
   * @default - enabled, above 1 % of requests in 3 of 5 minutes
   */
  readonly serverErrors?: RateAlarmOptions;

  /**
   * A percentile of `ModelLatency`. On by default: a slow model breaks the callers' timeouts (the runtime API
   * gives a real-time endpoint 60 s) long before it errors, and it is the first sign of an undersized variant.
   * Set the threshold to your latency objective.
   *
   * @default - enabled, p90 above 1 second in 3 of 5 minutes
   */
  readonly modelLatency?: LatencyAlarmOptions;

  /**
   * The share of requests the model answers with a 4xx status. Off by default: 4xx usually means callers send
   * payloads or content types that `input_fn` rejects, which is their bug, not an outage. Turn it on when the
   * callers are yours, for example right after changing the request format.
   *
   * @default - disabled; when enabled, above 5 % of requests in 3 of 5 minutes
   */
  readonly clientErrors?: RateAlarmOptions;

  /**
   * GPU memory of the instances. Off by default: PyTorch's caching allocator keeps the memory it once used, so a
   * healthy endpoint often sits near its peak, and a real exhaustion shows as 5xx errors anyway. Turn it on to
   * hear early about inputs that grow (longer sequences, bigger batches).
   *
   * @default - disabled; when enabled, above 95 % of each GPU in 3 of 5 minutes
   */
  readonly gpuMemory?: GpuAlarmOptions;

  /**
   * No requests at all. Off by default: many endpoints are idle for hours. Turn it on for an endpoint with steady
   * traffic, where silence means the callers (or the network path to the endpoint) are broken.
   *
   * @default - disabled; when enabled, fires after 5 minutes in a row without a request
   */
  readonly noInvocations?: AlarmOptions;
}

/**
 * Properties of {@link EndpointAlarms}.
 */
export interface EndpointAlarmsProps extends EndpointAlarmsOptions {
  /**
   * The name of the endpoint (a token is fine).
   */
  readonly endpointName: string;

  /**
   * The name of the production variant (a token is fine).
   */
  readonly variantName: string;

  /**
   * Where alarms notify, when they fire and when they recover.
   *
   * @default - the alarms notify nobody: they show on the dashboard and in the CloudWatch console only
   */
  readonly alarmTopic?: sns.ITopic;
}

const DEFAULT_EVALUATION_PERIODS = 5;
const DEFAULT_DATAPOINTS_TO_ALARM = 3;
const MICROSECONDS_PER_MILLISECOND = 1000;

/**
 * CloudWatch alarms for one production variant of a SageMaker real-time endpoint, with defaults chosen for what
 * deserves a page: requests failing (5xx) and requests too slow (model latency). Alarms for 4xx errors, GPU
 * memory and silence are available and off by default. Every alarm can be switched off, its threshold changed,
 * and all of them notify an optional SNS topic when they fire and when they recover.
 *
 * Each alarm evaluates one-minute periods (the resolution SageMaker publishes at) and fires when 3 of the last 5
 * breach, so one slow minute does not page anyone.
 */
export class EndpointAlarms extends Construct {
  /** Every alarm created, in a stable order (for dashboards and composite alarms). */
  public readonly alarms: cloudwatch.Alarm[] = [];

  /**
   * The 5xx error rate alarm.
   *
   * @default - undefined when disabled
   */
  public readonly serverErrorsAlarm?: cloudwatch.Alarm;

  /**
   * The model latency alarm.
   *
   * @default - undefined when disabled
   */
  public readonly modelLatencyAlarm?: cloudwatch.Alarm;

  /**
   * The 4xx error rate alarm.
   *
   * @default - undefined unless enabled
   */
  public readonly clientErrorsAlarm?: cloudwatch.Alarm;

  /**
   * The GPU memory alarm.
   *
   * @default - undefined unless enabled
   */
  public readonly gpuMemoryAlarm?: cloudwatch.Alarm;

  /**
   * The no-invocations alarm.
   *
   * @default - undefined unless enabled
   */
  public readonly noInvocationsAlarm?: cloudwatch.Alarm;

  private readonly metrics: EndpointMetrics;
  private readonly alarmTopic?: sns.ITopic;

  constructor(scope: Construct, id: string, props: EndpointAlarmsProps) {
    super(scope, id);
    this.metrics = new EndpointMetrics(props.endpointName, props.variantName);
    this.alarmTopic = props.alarmTopic;
    const where = `SageMaker endpoint ${props.endpointName}, variant ${props.variantName}`;

    if (props.serverErrors?.enabled ?? true) {
      const threshold = rateThreshold(this, 'serverErrors', props.serverErrors?.threshold ?? 0.01);
      this.serverErrorsAlarm = this.addConfiguredAlarm('ServerErrors', props.serverErrors, {
        // Each request contributes 1 (5xx) or 0: the average is the error rate.
        metric: this.metrics.metricInvocation5XXErrors({ statistic: cloudwatch.Stats.AVERAGE, period: Duration.minutes(1) }),
        threshold,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        // No data means no requests, hence no errors.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `More than ${percent(threshold)} of requests to ${where} failed with a 5xx status ` +
          '(model or container errors): see the endpoint\'s CloudWatch logs.',
      });
    }

    if (props.modelLatency?.enabled ?? true) {
      const percentile = props.modelLatency?.percentile ?? 90;
      if (isLiteral(percentile) && !(percentile > 0 && percentile < 100)) {
        throw new ValidationError(`modelLatency.percentile must be between 0 and 100 (exclusive), got ${percentile}.`, this);
      }
      const latency = props.modelLatency?.threshold ?? Duration.seconds(1);
      const thresholdMicros = latency.toMilliseconds({ integral: false }) * MICROSECONDS_PER_MILLISECOND;
      if (isLiteral(thresholdMicros) && !(thresholdMicros > 0)) {
        throw new ValidationError('modelLatency.threshold must be longer than 0.', this);
      }
      this.modelLatencyAlarm = this.addConfiguredAlarm('ModelLatency', props.modelLatency, {
        metric: this.metrics.metricModelLatency({ statistic: `p${percentile}`, period: Duration.minutes(1) }),
        threshold: thresholdMicros,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        // No data means no requests: nothing was slow.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `p${percentile} model latency of ${where} is above ${latency.toHumanString()}.`,
      });
    }

    if (props.clientErrors?.enabled ?? false) {
      const threshold = rateThreshold(this, 'clientErrors', props.clientErrors?.threshold ?? 0.05);
      this.clientErrorsAlarm = this.addConfiguredAlarm('ClientErrors', props.clientErrors, {
        metric: this.metrics.metricInvocation4XXErrors({ statistic: cloudwatch.Stats.AVERAGE, period: Duration.minutes(1) }),
        threshold,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `More than ${percent(threshold)} of requests to ${where} were rejected with a 4xx status ` +
          '(payloads or content types the model does not accept).',
      });
    }

    if (props.gpuMemory?.enabled ?? false) {
      const perGpu = props.gpuMemory?.thresholdPercentPerGpu ?? 95;
      const gpuCount = props.gpuMemory?.gpuCount ?? 1;
      if (isLiteral(perGpu) && !(perGpu > 0 && perGpu <= 100)) {
        throw new ValidationError(`gpuMemory.thresholdPercentPerGpu must be a percentage above 0 and at most 100, got ${perGpu}.`, this);
      }
      validateIntegerInRange('gpuMemory.gpuCount', gpuCount, 1, undefined, { why: 'the GPUs of one instance', scope: this });
      this.gpuMemoryAlarm = this.addConfiguredAlarm('GpuMemory', props.gpuMemory, {
        metric: this.metrics.metricGpuMemoryUtilization({ statistic: cloudwatch.Stats.MAXIMUM, period: Duration.minutes(1) }),
        // SageMaker sums the percentage over the GPUs of an instance.
        threshold: perGpu * gpuCount,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        // Instance metrics stop only while the variant has no instance in service (an update): not an alarm.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `GPU memory of an instance of ${where} is above ${perGpu} % on average over its ` +
          `${gpuCount} GPU(s).`,
      });
    }

    if (props.noInvocations?.enabled ?? false) {
      this.noInvocationsAlarm = this.addConfiguredAlarm('NoInvocations', props.noInvocations, {
        metric: this.metrics.metricInvocations({ statistic: cloudwatch.Stats.SUM, period: Duration.minutes(1) }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        // SageMaker publishes Invocations only for minutes with requests: missing data is the silence we look for.
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        alarmDescription: `${where} received no request.`,
      }, DEFAULT_EVALUATION_PERIODS);
    }
  }

  /**
   * Adds an alarm to this set: created here, notifying the alarm topic (when it fires and when it recovers), listed
   * in `alarms` (and so on the endpoint's dashboard and among its deployment rollback alarms). Serving modes add
   * theirs this way.
   */
  public addAlarm(id: string, props: cloudwatch.AlarmProps): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, props);
    if (this.alarmTopic) {
      const action = new cloudwatchActions.SnsAction(this.alarmTopic);
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
    this.alarms.push(alarm);
    return alarm;
  }

  /** One of the alarms the options configure, with their evaluation periods checked. */
  private addConfiguredAlarm(
    id: string,
    options: AlarmOptions | undefined,
    props: Omit<cloudwatch.AlarmProps, 'evaluationPeriods'>,
    defaultDatapointsToAlarm = DEFAULT_DATAPOINTS_TO_ALARM,
  ): cloudwatch.Alarm {
    const evaluationPeriods = options?.evaluationPeriods ?? DEFAULT_EVALUATION_PERIODS;
    const datapointsToAlarm = options?.datapointsToAlarm ?? Math.min(defaultDatapointsToAlarm, evaluationPeriods);
    validateIntegerInRange(`${id}: evaluationPeriods`, evaluationPeriods, 1, undefined, { scope: this });
    if (isLiteral(datapointsToAlarm) &&
      !(Number.isInteger(datapointsToAlarm) && datapointsToAlarm >= 1 && datapointsToAlarm <= evaluationPeriods)) {
      throw new ValidationError(`${id}: datapointsToAlarm must be a whole number from 1 to evaluationPeriods ` +
        `(${evaluationPeriods}), got ${datapointsToAlarm}.`, this);
    }
    return this.addAlarm(id, { ...props, evaluationPeriods, datapointsToAlarm });
  }
}

function rateThreshold(scope: Construct, name: string, threshold: number): number {
  if (isLiteral(threshold) && !(threshold >= 0 && threshold < 1)) {
    throw new ValidationError(`${name}.threshold is a rate from 0 to 1 (0.01 = 1 % of requests), got ${threshold}.`, scope);
  }
  return threshold;
}

function percent(rate: number): string {
  return isLiteral(rate) ? `${Math.round(rate * 10000) / 100} %` : 'the threshold';
}

