import { Size } from 'aws-cdk-lib';

/**
 * What each copy of a model hosted as an inference component reserves on an instance
 * (`InferenceComponentComputeResourceRequirements`, CreateInferenceComponent API reference,
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_InferenceComponentComputeResourceRequirements.html).
 */
export interface CopyRequirementOptions {
  /**
   * The accelerators (GPUs) each copy reserves (`NumberOfAcceleratorDevicesRequired`): a whole number of at least 1
   * (the API's minimum: a copy cannot share a GPU).
   *
   * @default - 1 on GPU instance types; none on CPU instance types
   */
  readonly acceleratorsPerCopy?: number;

  /**
   * The CPU cores each copy reserves (`NumberOfCpuCoresRequired`), at least 0.25.
   *
   * @default - half the vCPUs that come with each reserved GPU (half the instance's on CPU types): the rest stays free for SageMaker's agents
   */
  readonly cpuCoresPerCopy?: number;

  /**
   * The memory each copy reserves (`MinMemoryRequiredInMb`), whole MiB of at least 128.
   *
   * @default - half the memory that comes with each reserved GPU (half the instance's on CPU types)
   */
  readonly memoryPerCopy?: Size;
}
