import { Duration, Size } from 'aws-cdk-lib';
import { MetricDefinition } from './metric-definitions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ContainerImage } from '../core/container-image';
import { InstanceType } from '../core/instance-type';
import { Hyperparameter } from './hyperparameters';
import { ModelOutputCompression } from './model-output-compression';
import { TrainingDistribution } from './training-distribution';
import { TrainingInput } from './training-input';

/** Properties of a `TrainingJob`. */
export interface TrainingJobProps {
  /**
   * Local directory with the training script and, optionally, a `requirements.txt` that the training toolkit
   * pip-installs first. It is packed at synth time into a deterministic `sourcedir.tar.gz` (caches, VCS folders and
   * `*.pyc` left out), so an unchanged directory never retrains.
   */
  readonly sourceDirectory: string;

  /**
   * The script to run, relative to `sourceDirectory`.
   *
   * @default 'train.py'
   */
  readonly entryPoint?: string;

  /**
   * Typed hyperparameters: each reaches the script with its declared Python type (see `Hyperparameter`).
   *
   * @default - none
   */
  readonly hyperparameters?: { [name: string]: Hyperparameter };

  /**
   * The training instance type; GPU (`g*`, `p*`) instances get the CUDA image, others the CPU image.
   *
   * @default InstanceType.ML_G5_XLARGE
   */
  readonly instanceType?: InstanceType;

  /**
   * Number of instances.
   *
   * @default 1
   */
  readonly instanceCount?: number;

  /**
   * How the toolkit launches the script on the instances.
   *
   * @default - TrainingDistribution.TORCH_DISTRIBUTED when instanceCount > 1, else TrainingDistribution.NONE
   */
  readonly distribution?: TrainingDistribution;

  /**
   * Whether an instance type missing from the SDK's `TrainingInstanceType` list (a type newer than this library)
   * is accepted.
   *
   * @default false
   */
  readonly allowUnlistedInstanceType?: boolean;

  /**
   * The training image.
   *
   * @default ContainerImage.pytorchTraining() - the newest PyTorch training DLC, GPU or CPU by instance type
   */
  readonly image?: ContainerImage;

  /**
   * Input channels by name (`train`, `validation`...): the script finds each in `SM_CHANNEL_<NAME>`.
   *
   * @default - no input channels
   */
  readonly inputs?: { [channelName: string]: TrainingInput };

  /**
   * Size of the ML storage volume of each instance (File-mode input data and checkpoints live there).
   *
   * @default Size.gibibytes(30)
   */
  readonly volumeSize?: Size;

  /**
   * Longest the job may run; SageMaker stops it then (SIGTERM, 120 s to save).
   *
   * @default - completionTimeout minus 30 minutes
   */
  readonly maxRuntime?: Duration;

  /**
   * How long `cdk deploy` waits for the job to finish (a CloudFormation wait condition: at most 12 hours). Must
   * leave room for the job's `maxRuntime` (or `maxWaitTime` with spot instances).
   *
   * @default Duration.hours(4)
   */
  readonly completionTimeout?: Duration;

  /**
   * Whether to train on managed spot instances (up to 90% cheaper, may be interrupted and resumed).
   *
   * @default false
   */
  readonly spotInstances?: boolean;

  /**
   * With spot instances: longest time to wait for capacity plus run; at least `maxRuntime`.
   *
   * @default - completionTimeout minus 30 minutes
   */
  readonly maxWaitTime?: Duration;

  /**
   * Bucket for checkpoints that SageMaker syncs from `/opt/ml/checkpoints`, so that an interrupted spot job resumes.
   *
   * @default - with spot instances, the output bucket; otherwise no checkpoints
   */
  readonly checkpointBucket?: s3.IBucket;

  /**
   * Key prefix for checkpoints in `checkpointBucket`. Leading and trailing slashes are ignored; a prefix that is
   * empty without them, or contains `//`, `..`, `*` or `?`, is rejected.
   *
   * @default - `<outputPrefix>/checkpoints/<hash of the training inputs>/`: a changed training never resumes from another one's checkpoints
   */
  readonly checkpointPrefix?: string;

  /**
   * VPC to run the training containers in.
   *
   * @default - SageMaker's own network
   */
  readonly vpc?: ec2.IVpc;

  /**
   * Subnets of `vpc` to use (at most 16).
   *
   * @default - the private subnets with egress of the VPC
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * Security groups of the training containers (at most 5).
   *
   * @default - one new group, open to itself when instanceCount > 1 (the instances talk to each other)
   */
  readonly securityGroups?: ec2.ISecurityGroup[];

  /**
   * KMS key for the ML storage volumes. Not allowed with instance types that have local NVMe storage (their
   * instance store is encrypted by the hardware).
   *
   * @default - AWS managed encryption
   */
  readonly volumeEncryptionKey?: kms.IKey;

  /**
   * KMS key for the model artifacts SageMaker writes to the output bucket.
   *
   * @default - the bucket's default encryption
   */
  readonly outputEncryptionKey?: kms.IKey;

  /**
   * Whether the containers run without any network access. The source archive then travels as an input channel
   * named `code` (as with the SageMaker SDK), and the script cannot pip-install: vendor dependencies. A
   * `requirements.txt` in `sourceDirectory` that names packages is rejected, since the training toolkit would
   * pip-install it before the script runs.
   *
   * @default false
   */
  readonly enableNetworkIsolation?: boolean;

  /**
   * Whether traffic between the instances of a multi-instance job is encrypted.
   *
   * @default false
   */
  readonly interContainerTrafficEncryption?: boolean;

  /**
   * Environment variables of the training containers (at most 100; names and values at most 512 characters).
   *
   * @default - none
   */
  readonly environment?: { [name: string]: string };

  /**
   * Tags of the training job (at most 50).
   *
   * @default - none
   */
  readonly tags?: { [key: string]: string };

  /**
   * Metrics SageMaker extracts from the job's logs with a regex each (the SDK's `metric_definitions`), published to
   * CloudWatch and graphed on the endpoint's dashboard; read them with `trainingJob.metric(name)`. At most 40; names
   * 1-255 characters, regexes 1-500.
   *
   * @default - none: only the instance metrics
   */
  readonly metricDefinitions?: MetricDefinition[];

  /**
   * Execution role that SageMaker assumes for the job. A given role is granted what the job needs where it is
   * mutable.
   *
   * @default - a new role with least privilege: read the channels and the source archive, write the output prefix, logs and metrics
   */
  readonly role?: iam.IRole;

  /**
   * Bucket that receives the model artifacts.
   *
   * @default - a new bucket: encrypted, SSL only, public access blocked, retained on stack deletion
   */
  readonly outputBucket?: s3.IBucket;

  /**
   * Bucket for the server access logs of the output bucket the construct creates.
   *
   * @default - no access logs
   */
  readonly serverAccessLogsBucket?: s3.IBucket;

  /**
   * Key prefix for the job outputs; SageMaker writes `<outputPrefix>/<job name>/output/model.tar.gz`. Leading and
   * trailing slashes are ignored; a prefix that is empty without them, or contains `//`, `..`, `*` or `?`, is
   * rejected (the role's grant and SageMaker's keys would not match).
   *
   * @default 'training'
   */
  readonly outputPrefix?: string;

  /**
   * Start of every training job name (lower case letters, digits and hyphens; at most 30 characters). The
   * name is `<prefix>-<hash of the training inputs>-<attempt>`.
   *
   * @default - derived from the construct's path
   */
  readonly jobNamePrefix?: string;

  /**
   * Log level of the training toolkit (Python `logging` level: 10 DEBUG, 20 INFO, 30 WARNING...).
   *
   * @default 20
   */
  readonly containerLogLevel?: number;

  /**
   * How SageMaker uploads the model the script writes to `SM_MODEL_DIR`: one `model.tar.gz`, or (with
   * `ModelOutputCompression.NONE`) the files themselves under an S3 prefix, which `modelData` then serves as
   * uncompressed model data (recommended for models of tens to hundreds of GB).
   *
   * @default ModelOutputCompression.GZIP
   */
  readonly modelOutputCompression?: ModelOutputCompression;
}
