import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { AsyncInferenceLocations } from './async-inference-options';
import { keepCopyCountAcrossUpdates } from './copy-count-at-deploy';
import { EndpointSettings } from './endpoint-settings';
import { inferenceComponentNameOf, renderInferenceComponent } from './inference-component';
import { CopyCountPublisher } from './monitoring/copy-count-publisher';
import { AsyncInferenceMetrics, InferenceComponentMetrics } from './monitoring/scale-to-zero-metrics';
import { AsyncAutoScaling } from './scaling/async-auto-scaling';
import { InferenceComponentAutoScaling } from './scaling/inference-component-scaling';
import { BoundServingMode, ServingModeSettings } from './serving-mode-config';

/** What {@link ServingModeParts} is built from (internal wiring of `RealtimeEndpoint`). */
export interface ServingModePartsProps {
  readonly modeSettings: ServingModeSettings;
  readonly settings: EndpointSettings;
  readonly boundMode: BoundServingMode;
  readonly model: sagemaker.CfnModel;
  readonly endpoint: sagemaker.CfnEndpoint;
  readonly role: iam.IRole;
}

const PERIOD = Duration.minutes(1);

/** How long copies may be missing before the alarm says they cannot be placed: a GPU cold start takes minutes. */
const COPIES_NOT_PLACED_MINUTES = 20;

/** Desired minus current copies, per minute. */
function copiesMissing(metrics: InferenceComponentMetrics): cloudwatch.MathExpression {
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

/**
 * The resources a scale-to-zero serving mode adds after the endpoint exists: the inference component and its
 * scaling, or the asynchronous endpoint's scaling; their metrics, alarms and dashboard widgets; `grantInvokeAsync`.
 * Empty for `ServingMode.realtime()`.
 */
export class ServingModeParts extends Construct {
  /**
   * The inference component (scale-to-zero mode).
   *
   * @default - undefined in other modes
   */
  public readonly inferenceComponent?: sagemaker.CfnInferenceComponent;

  /**
   * The inference component's name: callers may pass it as `InferenceComponentName` to `InvokeEndpoint`.
   *
   * @default - undefined in other modes
   */
  public readonly inferenceComponentName?: string;

  /**
   * The copy-count scaling of the inference component.
   *
   * @default - undefined in other modes
   */
  public readonly inferenceComponentScaling?: InferenceComponentAutoScaling;

  /**
   * The metrics of the inference component.
   *
   * @default - undefined in other modes
   */
  public readonly inferenceComponentMetrics?: InferenceComponentMetrics;

  /**
   * The function that publishes the inference component's copy counts (scale-to-zero mode, `copyCountMetrics`).
   *
   * @default - undefined in other modes, or with `copyCountMetrics: false`
   */
  public readonly copyCountPublisher?: CopyCountPublisher;

  /**
   * Where an asynchronous endpoint keeps request payloads, results and failures.
   *
   * @default - undefined in other modes
   */
  public readonly asyncInference?: AsyncInferenceLocations;

  /**
   * The variant scaling of an asynchronous endpoint.
   *
   * @default - undefined in other modes
   */
  public readonly asyncScaling?: AsyncAutoScaling;

  /**
   * The metrics of an asynchronous endpoint.
   *
   * @default - undefined in other modes
   */
  public readonly asyncMetrics?: AsyncInferenceMetrics;

  constructor(scope: Construct, id: string, props: ServingModePartsProps) {
    super(scope, id);
    const { modeSettings, settings } = props;
    if (modeSettings.scaleToZero) {
      // The endpoint config names the role SageMaker uses to place copies: its policy must exist first.
      props.endpoint.node.addDependency(props.role);
      this.inferenceComponent = renderInferenceComponent(scope, settings, modeSettings.scaleToZero, props.model, props.endpoint);
      keepCopyCountAcrossUpdates(this, this.inferenceComponent, modeSettings.scaleToZero.initialCopyCount);
      this.inferenceComponentName = inferenceComponentNameOf(settings.endpointName);
      this.inferenceComponentMetrics = new InferenceComponentMetrics(this.inferenceComponentName);
      if (modeSettings.scaleToZero.copyCountMetrics) {
        this.copyCountPublisher = new CopyCountPublisher(this, 'CopyCounts', { inferenceComponentName: this.inferenceComponentName });
      }
      this.inferenceComponentScaling = new InferenceComponentAutoScaling(this, 'Scaling', {
        inferenceComponentName: this.inferenceComponentName,
        maxCopyCount: modeSettings.scaleToZero.maxCopyCount,
        invocationsPerCopyTarget: modeSettings.scaleToZero.invocationsPerCopyTarget,
        inferenceComponent: this.inferenceComponent,
      });
    }
    if (modeSettings.asyncScaling) {
      this.asyncInference = props.boundMode.asyncLocations;
      this.asyncMetrics = new AsyncInferenceMetrics(props.endpoint.attrEndpointName, settings.variantName);
      this.asyncScaling = new AsyncAutoScaling(this, 'Scaling', {
        ...modeSettings.asyncScaling,
        scaleInCooldown: Duration.seconds(modeSettings.asyncScaling.scaleInCooldownSeconds),
        endpointName: props.endpoint.attrEndpointName,
        variantName: settings.variantName,
        endpoint: props.endpoint,
      });
    }
  }

  /**
   * The alarms that make sense in this mode, none of which fires because the endpoint is idle or scaled to zero:
   * asynchronous: the oldest queued request older than 30 minutes (cold starts take minutes, not half an hour) and
   * failed requests; scale to zero: the inference component's 5xx rate.
   */
  public createAlarms(scope: Construct, alarmTopic?: sns.ITopic): cloudwatch.Alarm[] {
    const alarms: cloudwatch.Alarm[] = [];
    const add = (id: string, alarmProps: cloudwatch.AlarmProps) => {
      const alarm = new cloudwatch.Alarm(scope, id, alarmProps);
      if (alarmTopic) {
        const action = new cloudwatchActions.SnsAction(alarmTopic);
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
      }
      alarms.push(alarm);
    };
    if (this.asyncMetrics) {
      add('OldestRequestAge', {
        metric: this.asyncMetrics.metricApproximateAgeOfOldestRequest({ period: PERIOD }),
        threshold: 30 * 60,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
        // No data: no queue, nothing waits.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: 'The oldest queued asynchronous request has waited more than 30 minutes: instances cannot ' +
          'start (quota, capacity) or cannot keep up (raise maxInstanceCount).',
      });
      add('InvocationFailures', {
        metric: this.asyncMetrics.metricInvocationFailures({ period: PERIOD }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: 'Asynchronous requests failed in 3 of the last 5 minutes: see the failure path and the ' +
          'endpoint\'s CloudWatch logs.',
      });
    }
    if (this.inferenceComponentMetrics) {
      add('InferenceComponentServerErrors', {
        metric: this.inferenceComponentMetrics.metricInvocation5XXErrors({ statistic: cloudwatch.Stats.AVERAGE, period: PERIOD }),
        threshold: 0.01,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `More than 1 % of requests to inference component ${this.inferenceComponentName} failed ` +
          'with a 5xx status. Requests refused while the endpoint is scaled to zero are NoCapacityInvocationFailures, ' +
          'not counted here.',
      });
    }
    if (this.inferenceComponentMetrics && this.copyCountPublisher) {
      add('CopiesNotPlaced', {
        metric: copiesMissing(this.inferenceComponentMetrics),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: COPIES_NOT_PLACED_MINUTES,
        datapointsToAlarm: COPIES_NOT_PLACED_MINUTES,
        // No data: the publisher has nothing to report (no component yet); it cannot mean copies are missing.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `Inference component ${this.inferenceComponentName} has had fewer copies running than asked for ` +
          `during ${COPIES_NOT_PLACED_MINUTES} minutes: SageMaker cannot place them (no instance capacity of the type, ` +
          'the account\'s endpoint-usage quota for it, or the container failing its health check). See FailureReason in ' +
          `aws sagemaker describe-inference-component --inference-component-name ${this.inferenceComponentName}. ` +
          'A cold start takes minutes, not this long; an endpoint scaled to zero asks for no copy and does not fire it.',
      });
    }
    return alarms;
  }

  /** Graphs of this mode's metrics, below the endpoint's. */
  public addDashboardWidgets(dashboard: cloudwatch.Dashboard): void {
    if (this.inferenceComponentMetrics) {
      const m = this.inferenceComponentMetrics;
      dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: 'Inference component: requests and requests per copy (per minute)',
          width: 12,
          left: [m.metricInvocations({ period: PERIOD, label: 'Invocations' })],
          right: [m.metricInvocationsPerCopy({ period: PERIOD, label: 'Invocations per copy' })],
        }),
        new cloudwatch.GraphWidget({
          title: 'Requests that found no copy (cold starts)',
          width: 12,
          left: [m.metricNoCapacityInvocationFailures({ period: PERIOD, statistic: cloudwatch.Stats.SUM, label: 'NoCapacityInvocationFailures' })],
        }),
      );
      if (this.copyCountPublisher) {
        dashboard.addWidgets(new cloudwatch.GraphWidget({
          title: 'Inference component: copies running and asked for (0 = scaled to zero)',
          width: 24,
          left: [
            m.metricCurrentCopyCount({ period: PERIOD, label: 'Current copies' }),
            m.metricDesiredCopyCount({ period: PERIOD, label: 'Desired copies' }),
          ],
          leftYAxis: { min: 0 },
        }));
      }
    }
    if (this.asyncMetrics) {
      const m = this.asyncMetrics;
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
  }

  /** See `RealtimeEndpoint.grantInvokeAsync`. */
  public grantInvokeAsync(grantee: iam.IGrantable, endpointArn: string): iam.Grant {
    const locations = this.asyncInference;
    if (!locations) {
      throw new Error(`${this.node.path}: grantInvokeAsync needs servingMode: ServingMode.asynchronous(); use grantInvoke ` +
        'for a real-time endpoint.');
    }
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
