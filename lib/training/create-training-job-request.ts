// The CreateTrainingJob request in the API's own field names, as the job's custom resource carries it (so the
// template shows what SageMaker receives). Internal: not exported from the package, and free of @aws-sdk types
// because jsii compiles this folder. Values may be CloudFormation tokens, resolved at deploy time.

/** CreateTrainingJob's request without `TrainingJobName`, which the lifecycle handler adds at deploy time. */
export interface CreateTrainingJobRequest {
  readonly AlgorithmSpecification: AlgorithmSpecification;
  readonly RoleArn: string;
  readonly HyperParameters: { [name: string]: string };
  readonly OutputDataConfig: OutputDataConfig;
  readonly ResourceConfig: ResourceConfig;
  readonly StoppingCondition: StoppingCondition;
  readonly EnableNetworkIsolation: boolean;
  readonly EnableInterContainerTrafficEncryption: boolean;
  readonly EnableManagedSpotTraining: boolean;
  readonly InputDataConfig?: Channel[];
  readonly VpcConfig?: VpcConfig;
  readonly Environment?: { [name: string]: string };
  readonly Tags?: Tag[];
  readonly CheckpointConfig?: CheckpointConfig;
}

export interface AlgorithmSpecification {
  readonly TrainingImage: string;
  readonly TrainingInputMode: string;
  readonly MetricDefinitions?: Array<{ readonly Name: string; readonly Regex: string }>;
}

export interface OutputDataConfig {
  readonly S3OutputPath: string;
  readonly KmsKeyId?: string;
  /** `NONE` for an uncompressed model; absent for SageMaker's default (`GZIP`). */
  readonly CompressionType?: string;
}

export interface ResourceConfig {
  readonly InstanceType: string;
  readonly InstanceCount: number;
  readonly VolumeSizeInGB: number;
  readonly VolumeKmsKeyId?: string;
}

export interface StoppingCondition {
  readonly MaxRuntimeInSeconds: number;
  readonly MaxWaitTimeInSeconds?: number;
}

/** A channel's fields but its name: what a `TrainingInput` renders, not knowing the name it is given. */
export interface ChannelSource {
  readonly DataSource: { readonly S3DataSource: S3DataSource };
  readonly InputMode: string;
  readonly ContentType?: string;
}

export interface Channel extends ChannelSource {
  readonly ChannelName: string;
}

export interface S3DataSource {
  readonly S3DataType: string;
  readonly S3Uri: string;
  readonly S3DataDistributionType: string;
}

export interface VpcConfig {
  readonly SecurityGroupIds: string[];
  readonly Subnets: string[];
}

export interface CheckpointConfig {
  readonly S3Uri: string;
}

export interface Tag {
  readonly Key: string;
  readonly Value: string;
}
