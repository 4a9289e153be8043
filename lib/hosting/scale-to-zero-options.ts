import { Duration, Size } from 'aws-cdk-lib';

/**
 * How a real-time endpoint that hosts its model as an inference component scales to and from zero instances
 * (`ServingMode.realtimeScaleToZero()`).
 */
export interface ScaleToZeroOptions {
  /**
   * The most instances managed instance scaling may start (`ManagedInstanceScaling.MaxInstanceCount`).
   *
   * @default 1
   */
  readonly maxInstanceCount?: number;

  /**
   * The most copies of the model Application Auto Scaling may run (`MaxCapacity` of the
   * `sagemaker:inference-component:DesiredCopyCount` target). Copies that do not fit on the running instances make
   * managed instance scaling start more, up to `maxInstanceCount`.
   *
   * @default - maxInstanceCount
   */
  readonly maxCopyCount?: number;

  /**
   * The copies the inference component starts with when it is created (`RuntimeConfig.CopyCount`). 0 creates it cold:
   * no instance runs until the first request.
   *
   * @default 1
   */
  readonly initialCopyCount?: number;

  /**
   * Target of `SageMakerInferenceComponentInvocationsPerCopy`: requests per minute each copy should serve. Measure
   * what one copy sustains within your latency objective and set about half of it.
   *
   * @default 60
   */
  readonly invocationsPerCopyTarget?: number;

  /**
   * No longer used: it set an alarm on "no request for this long" whose step policy set the copy count to 0, and that
   * policy, re-invoked every minute while its alarm stayed in ALARM, could undo the copy a waking request had just
   * started (a refused request is no invocation). The endpoint now reaches zero the way "Scale an endpoint to zero
   * instances" documents it: target tracking on invocations per copy removes the last copy once its scale-in alarm has
   * seen enough idle minutes (about 15 one-minute data points; AWS does not document the count), then managed instance
   * scaling releases the instances (about 10 minutes more in AWS's sample). Nothing in the template sets that time.
   * Still accepted, with a synth warning.
   *
   * @deprecated target tracking decides when an idle endpoint reaches zero; remove this option.
   * @default - none
   */
  readonly idleTimeout?: Duration;

  /**
   * The accelerators (GPUs) each copy reserves (`NumberOfAcceleratorDevicesRequired`).
   *
   * @default - every GPU of the instance type (one copy per instance); none on CPU instances
   */
  readonly acceleratorsPerCopy?: number;

  /**
   * The CPU cores each copy reserves (`NumberOfCpuCoresRequired`), at least 0.25.
   *
   * @default - half the vCPUs of the instance type (the rest stays free for SageMaker's agents)
   */
  readonly cpuCoresPerCopy?: number;

  /**
   * The memory each copy reserves (`MinMemoryRequiredInMb`), at least 128 MiB.
   *
   * @default - half the memory of the instance type
   */
  readonly memoryPerCopy?: Size;

  /**
   * Publish the inference component's current and desired copy counts to CloudWatch every minute. SageMaker reports
   * copy counts only through `DescribeInferenceComponent`, so a scheduled function reads and publishes them
   * (namespace `CdkPytorchSageMaker/InferenceComponents`). They give `metricCurrentCopyCount()`,
   * `metricDesiredCopyCount()`, the copy-count graph on the dashboard and the "copies not placed" alarm. Costs about
   * US$1.10 a month in us-east-1 (two custom metrics, 43,800 `PutMetricData` requests, a few cents of Lambda and logs),
   * whether or not the endpoint runs.
   *
   * @default true
   */
  readonly copyCountMetrics?: boolean;
}
