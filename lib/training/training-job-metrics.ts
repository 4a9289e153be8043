import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { isLiteral, validateIntegerInRange } from '../common/validation';

/** What a training job's dashboard widgets show. */
export interface TrainingJobWidgetsOptions {
  /**
   * The number of instances of the job: one line per instance (`algo-1` ... `algo-N`, at most 16) on its utilization
   * graphs.
   *
   * @default 1
   */
  readonly instanceCount?: number;

  /**
   * The names of the job's metric definitions (`MetricDefinitions[].Name`, e.g. `train:loss`), graphed from the
   * values SageMaker extracts from the training logs.
   *
   * @default - no algorithm metrics
   */
  readonly metricNames?: string[];
}

/** SageMaker publishes training metrics every minute. */
const PERIOD = Duration.minutes(1);
/** Lines per graph stay readable up to this many training instances; more are not drawn. */
const MAX_HOSTS_GRAPHED = 16;

/**
 * The CloudWatch metrics of one SageMaker training job, in the `/aws/sagemaker/TrainingJobs` namespace.
 *
 * - Instance metrics (`CPUUtilization`, `MemoryUtilization`, `GPUUtilization`, `GPUMemoryUtilization`,
 *   `DiskUtilization`, in percent; CPU and GPU ones summed over the cores or GPUs of the instance) carry the
 *   dimension `Host` = `<job name>/algo-<n>`, n counting the job's instances from 1.
 * - Algorithm metrics, which SageMaker extracts from the job's logs with the `MetricDefinitions` regexes
 *   (`train:loss`, ...), carry the dimension `TrainingJobName`.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/training-metrics.html
 */
export class TrainingJobMetrics {
  /** The namespace of training job metrics. */
  public static readonly NAMESPACE = '/aws/sagemaker/TrainingJobs';

  /**
   * @param trainingJobName the training job's name (a token is fine)
   */
  constructor(public readonly trainingJobName: string) {}

  /**
   * An instance metric of one host of the job.
   *
   * @param metricName e.g. `GPUUtilization`
   * @param hostIndex which instance, counting from 1 (`algo-1` is the first)
   * @default - statistic Average, period 5 minutes
   */
  public hostMetric(metricName: string, hostIndex: number = 1, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: TrainingJobMetrics.NAMESPACE,
      metricName,
      ...props,
      statistic: props?.statistic ?? cloudwatch.Stats.AVERAGE,
      dimensionsMap: { ...props?.dimensionsMap, Host: `${this.trainingJobName}/algo-${hostIndex}` },
    });
  }

  /**
   * An algorithm metric of the job: the `Name` of one of its metric definitions, e.g. `train:loss`.
   *
   * @default - statistic Average, period 5 minutes
   */
  public algorithmMetric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: TrainingJobMetrics.NAMESPACE,
      metricName,
      ...props,
      statistic: props?.statistic ?? cloudwatch.Stats.AVERAGE,
      dimensionsMap: { ...props?.dimensionsMap, TrainingJobName: this.trainingJobName },
    });
  }

  /**
   * Dashboard widgets for the job: a title, the utilization of each instance (GPU, GPU memory, CPU, memory, disk)
   * and the metrics of its metric definitions. Add them to any dashboard (the endpoint's: `dashboard.widgets`).
   */
  public dashboardWidgets(options: TrainingJobWidgetsOptions = {}): cloudwatch.IWidget[] {
    const instanceCount = options.instanceCount ?? 1;
    // No scope: not a construct's prop (a TrainingJob checked its count already) but a caller's own options.
    validateIntegerInRange('instanceCount', instanceCount, 1);
    const hosts = isLiteral(instanceCount) ? Math.min(instanceCount, MAX_HOSTS_GRAPHED) : 1;
    const perHost = (metricName: string) => Array.from({ length: hosts }, (_, i) =>
      this.hostMetric(metricName, i + 1, { period: PERIOD, label: `algo-${i + 1}` }));
    const widgets: cloudwatch.IWidget[] = [new cloudwatch.TextWidget({
      markdown: `## Training job ${this.trainingJobName}`,
      width: 24,
      height: 1,
    })];
    for (const [title, metricName] of [
      ['Training GPU (% summed over GPUs)', 'GPUUtilization'],
      ['Training GPU memory (% summed over GPUs)', 'GPUMemoryUtilization'],
      ['Training CPU (% summed over vCPUs)', 'CPUUtilization'],
      ['Training memory (%)', 'MemoryUtilization'],
      ['Training disk (%)', 'DiskUtilization'],
    ]) {
      widgets.push(new cloudwatch.GraphWidget({ title, width: 8, left: perHost(metricName), leftYAxis: { min: 0 } }));
    }
    const names = options.metricNames ?? [];
    if (names.length > 0) {
      widgets.push(new cloudwatch.GraphWidget({
        title: 'Training metrics (from the metric definitions)',
        width: 8,
        left: names.map((name) => this.algorithmMetric(name, { period: PERIOD, label: name })),
      }));
    }
    return widgets;
  }
}
