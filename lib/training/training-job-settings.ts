import { Names, Size, SizeRoundingBehavior } from 'aws-cdk-lib';
import { checkMetricDefinitions, MetricDefinition } from './metric-definitions';
import { Construct } from 'constructs';
import { InstanceType } from '../core/instance-type';
import {
  checkChannels, checkEnvironment, checkIsolatedRequirements, checkJobNamePrefix, checkKeyPrefix, checkSourceDirectory, checkTags,
  JobTiming, MAX_PREFIX_LENGTH, resolveTiming,
} from './training-job-checks';
import { TrainingDistribution } from './training-distribution';
import { TRAINING_INSTANCE_TYPES } from './training-instance-types';
import { TrainingJobProps } from './training-job-props';
import { TRAINING_JOB_PROP_TYPES } from './training-prop-types';
import { ValidationError, checkPropTypes, validateIntegerInRange } from '../common/validation';

/** The plain values of a TrainingJob's props, defaults applied and checked: what the later steps build from. */
export interface TrainingJobSettings {
  readonly entryPoint: string;
  readonly instanceType: InstanceType;
  readonly instanceCount: number;
  readonly volumeSizeInGb: number;
  readonly timing: JobTiming;
  readonly distribution: TrainingDistribution;
  /** The user's start of job names, without the inputs hash. */
  readonly jobNamePrefix: string;
  /** The output key prefix, without leading or trailing slashes. */
  readonly outputPrefix: string;
  /** The given checkpoint key prefix with one trailing slash, if any. */
  readonly checkpointPrefix?: string;
  /** The names of the user's input channels, sorted. */
  readonly channelNames: string[];
  readonly networkIsolation: boolean;
  readonly interContainerTrafficEncryption: boolean;
  readonly spotInstances: boolean;
  readonly containerLogLevel: number;
  readonly environment: { [name: string]: string };
  readonly tags: { [key: string]: string };
  readonly metricDefinitions: MetricDefinition[];
  /** Whether SageMaker uploads the model as objects under a prefix (`CompressionType: NONE`). */
  readonly uncompressedModel: boolean;
}

/** Applies the defaults of `props` and checks every plain value, throwing a message that says what to change. */
export function resolveSettings(scope: Construct, props: TrainingJobProps): TrainingJobSettings {
  checkPropTypes('', props, TRAINING_JOB_PROP_TYPES, scope);
  const entryPoint = props.entryPoint ?? 'train.py';
  const networkIsolation = props.enableNetworkIsolation ?? false;
  checkSourceDirectory(scope, props.sourceDirectory, entryPoint);
  checkIsolatedRequirements(scope, props.sourceDirectory, networkIsolation);
  const instanceType = props.instanceType ?? InstanceType.ML_G5_XLARGE;
  if (!props.allowUnlistedInstanceType && !TRAINING_INSTANCE_TYPES.includes(instanceType.name)) {
    throw new ValidationError(`Instance type ${instanceType.name} is not a SageMaker training instance type (CreateTrainingJob's TrainingInstanceType list). Pick one such as ml.g5.xlarge, or set allowUnlistedInstanceType if it is newer than this library.`, scope);
  }
  const instanceCount = props.instanceCount ?? 1;
  validateIntegerInRange('instanceCount', instanceCount, 1, undefined, { scope });
  const volumeSizeInGb = (props.volumeSize ?? Size.gibibytes(30)).toGibibytes({ rounding: SizeRoundingBehavior.NONE });
  if (!Number.isInteger(volumeSizeInGb) || volumeSizeInGb < 1) {
    throw new ValidationError(`volumeSize must be a whole number of GiB, at least 1 (got ${volumeSizeInGb}).`, scope);
  }
  if (props.volumeEncryptionKey && instanceType.hasLocalNvmeStorage) {
    throw new ValidationError(`volumeEncryptionKey cannot be used with ${instanceType.name}: its local NVMe storage is encrypted by the instance's hardware and SageMaker rejects a VolumeKmsKeyId for it. Remove the key or pick an instance type without local storage.`, scope);
  }
  const timing = resolveTiming(scope, props);
  const distribution = props.distribution ?? (instanceCount > 1 ? TrainingDistribution.TORCH_DISTRIBUTED : TrainingDistribution.NONE);
  const jobNamePrefix = props.jobNamePrefix ?? defaultJobNamePrefix(scope);
  checkJobNamePrefix(scope, jobNamePrefix);
  const outputPrefix = checkKeyPrefix(scope, 'outputPrefix', props.outputPrefix ?? 'training', 'training');
  const environment = props.environment ?? {};
  checkEnvironment(scope, environment);
  const tags = props.tags ?? {};
  checkTags(scope, tags);
  const channelNames = Object.keys(props.inputs ?? {}).sort();
  checkChannels(scope, channelNames, networkIsolation);
  if (props.securityGroups && !props.vpc) {
    throw new ValidationError('securityGroups need a vpc: set vpc as well, or remove securityGroups.', scope);
  }
  if (props.vpcSubnets && !props.vpc) {
    throw new ValidationError('vpcSubnets need a vpc: set vpc as well, or remove vpcSubnets.', scope);
  }
  if (props.containerLogLevel !== undefined && !Number.isInteger(props.containerLogLevel)) {
    throw new ValidationError(`containerLogLevel must be a Python logging level such as 10, 20 or 30 (got ${props.containerLogLevel}).`, scope);
  }
  if (props.outputBucket && props.serverAccessLogsBucket) {
    throw new ValidationError('serverAccessLogsBucket applies only to the output bucket the construct creates: remove it, or remove outputBucket.', scope);
  }
  // Spot jobs checkpoint to the output bucket by default.
  if (props.checkpointPrefix !== undefined && !props.checkpointBucket && !props.spotInstances) {
    throw new ValidationError('checkpointPrefix needs a checkpoint bucket: set checkpointBucket, or enable spotInstances (which checkpoints to the output bucket).', scope);
  }
  const checkpointPrefix = props.checkpointPrefix !== undefined
    ? `${checkKeyPrefix(scope, 'checkpointPrefix', props.checkpointPrefix, 'checkpoints/my-run')}/`
    : undefined;
  return {
    entryPoint, instanceType, instanceCount, volumeSizeInGb, timing, distribution, jobNamePrefix, outputPrefix, checkpointPrefix,
    channelNames, networkIsolation, environment, tags,
    interContainerTrafficEncryption: props.interContainerTrafficEncryption ?? false,
    spotInstances: props.spotInstances ?? false,
    containerLogLevel: props.containerLogLevel ?? 20,
    metricDefinitions: resolveMetricDefinitions(scope, props.metricDefinitions),
    uncompressedModel: props.modelOutputCompression?.compressionType === 'NONE',
  };
}

function resolveMetricDefinitions(scope: Construct, definitions: MetricDefinition[] | undefined): MetricDefinition[] {
  checkMetricDefinitions(definitions ?? [], scope);
  return definitions ?? [];
}

function defaultJobNamePrefix(scope: Construct): string {
  const base = Names.uniqueResourceName(scope, { maxLength: 64 }).toLowerCase().replace(/[^a-z0-9]/g, '');
  // Keep the tail: uniqueResourceName ends with a hash of the path, which keeps prefixes of two jobs apart.
  return base.slice(-MAX_PREFIX_LENGTH) || 'training';
}
