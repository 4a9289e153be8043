import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';

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
}
