import { Duration } from 'aws-cdk-lib';

/**
 * How the instance count of an endpoint's production variant follows its load, through Application Auto Scaling
 * target tracking.
 *
 * Give at least one target. With both, Application Auto Scaling scales out as soon as either metric is above its
 * target and scales in only when both are below theirs.
 */
export interface AutoScalingOptions {
  /**
   * The fewest instances the variant keeps, even with no traffic. Real-time endpoints cannot scale to zero.
   *
   * @default 1
   */
  readonly minInstanceCount?: number;

  /**
   * The most instances the variant may grow to. Must be at least the initial instance count.
   */
  readonly maxInstanceCount: number;

  /**
   * Target of `SageMakerVariantInvocationsPerInstance`: the average number of requests per minute that each instance
   * should serve. Measure the rate at which one instance reaches your latency objective (a load test), and set this
   * to a fraction of it (about half) to leave room for the minutes a new GPU instance takes to come into service.
   *
   * @default - no target tracking on invocations per instance
   */
  readonly invocationsPerInstanceTarget?: number;

  /**
   * Target of the variant's average `GPUUtilization` (namespace `/aws/sagemaker/Endpoints`), in percent **summed
   * over the GPUs of one instance**: an instance with 4 GPUs reports 0 to 400, so 280 means 70 % of each GPU.
   * Use it for GPU-bound models whose cost per request varies (batch sizes, sequence lengths), where a request
   * count says little about load.
   *
   * @default - no target tracking on GPU utilization
   */
  readonly gpuUtilizationTarget?: number;

  /**
   * How long after a scale-in activity Application Auto Scaling waits before scaling in again. Long by default:
   * a GPU instance taken away takes minutes to come back.
   *
   * @default Duration.minutes(10)
   */
  readonly scaleInCooldown?: Duration;

  /**
   * How long after a scale-out activity Application Auto Scaling waits before scaling out again, so that the
   * instances it just added (which take several minutes to come into service) are counted before more are added.
   *
   * @default Duration.minutes(5)
   */
  readonly scaleOutCooldown?: Duration;

  /**
   * Only scale out: the target tracking policies never remove instances (remove them by hand or with a schedule).
   *
   * @default false
   */
  readonly disableScaleIn?: boolean;
}
