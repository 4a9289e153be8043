import { Channel, CreateTrainingJobRequest, VpcConfig } from './create-training-job-request';
import { CODE_CHANNEL } from './training-job-checks';
import { TrainingJobSettings } from './training-job-settings';

/** What the request names besides the settings: the job's resources, as ARNs, names and URLs. */
export interface TrainingJobResources {
  readonly trainingImage: string;
  readonly roleArn: string;
  readonly hyperParameters: { [name: string]: string };
  readonly outputBucketName: string;
  readonly outputKmsKeyId?: string;
  readonly volumeKmsKeyId?: string;
  /** The user's input channels, in order. */
  readonly channels: Channel[];
  /** `s3://` URL of the source archive, which travels as the `code` channel under network isolation. */
  readonly sourceArchiveUrl: string;
  readonly vpcConfig?: VpcConfig;
}

/**
 * The CreateTrainingJob request (without checkpoints, whose default prefix is a hash of this request). Optional
 * fields are left out rather than empty: SageMaker rejects empty lists and maps.
 */
export function renderCreateTrainingJobRequest(settings: TrainingJobSettings, resources: TrainingJobResources): CreateTrainingJobRequest {
  const channels = settings.networkIsolation ? [...resources.channels, codeChannel(resources.sourceArchiveUrl)] : resources.channels;
  const tagKeys = Object.keys(settings.tags).sort();
  return {
    AlgorithmSpecification: {
      TrainingImage: resources.trainingImage,
      TrainingInputMode: 'File',
      // Left out when empty, so jobs without definitions keep their request (and inputs hash).
      MetricDefinitions: settings.metricDefinitions.length > 0
        ? settings.metricDefinitions.map((d) => ({ Name: d.name, Regex: d.regex }))
        : undefined,
    },
    RoleArn: resources.roleArn,
    HyperParameters: resources.hyperParameters,
    OutputDataConfig: definedOnly({
      S3OutputPath: `s3://${resources.outputBucketName}/${settings.outputPrefix}`,
      KmsKeyId: resources.outputKmsKeyId,
      // Only when not SageMaker's default, so that existing templates (and their inputs hash) stay as they were.
      CompressionType: settings.uncompressedModel ? 'NONE' : undefined,
    }),
    ResourceConfig: definedOnly({
      InstanceType: settings.instanceType.name,
      InstanceCount: settings.instanceCount,
      VolumeSizeInGB: settings.volumeSizeInGb,
      VolumeKmsKeyId: resources.volumeKmsKeyId,
    }),
    StoppingCondition: definedOnly({
      MaxRuntimeInSeconds: settings.timing.maxRuntime.toSeconds(),
      MaxWaitTimeInSeconds: settings.timing.maxWaitTime?.toSeconds(),
    }),
    EnableNetworkIsolation: settings.networkIsolation,
    EnableInterContainerTrafficEncryption: settings.interContainerTrafficEncryption,
    EnableManagedSpotTraining: settings.spotInstances,
    ...(channels.length > 0 ? { InputDataConfig: channels } : {}),
    ...(resources.vpcConfig ? { VpcConfig: resources.vpcConfig } : {}),
    ...(Object.keys(settings.environment).length > 0 ? { Environment: settings.environment } : {}),
    ...(tagKeys.length > 0 ? { Tags: tagKeys.map((key) => ({ Key: key, Value: settings.tags[key] })) } : {}),
  };
}

/** The source archive as an input channel (network isolation): the SDK's way, so the toolkit finds it. */
function codeChannel(sourceArchiveUrl: string): Channel {
  return {
    ChannelName: CODE_CHANNEL,
    DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: sourceArchiveUrl, S3DataDistributionType: 'FullyReplicated' } },
    InputMode: 'File',
  };
}

/** `values` without its undefined fields, so that an unset optional field is absent from the template and the hash. */
function definedOnly<T extends object>(values: T): T {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as T;
}
