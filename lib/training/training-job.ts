import * as path from 'path';
import { Aws, CfnWaitCondition, CfnWaitConditionHandle, CustomResource, Duration, Names, RemovalPolicy, Size, SizeRoundingBehavior, Stack, Token, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct, IDependable } from 'constructs';
import { acknowledgeWildcardResource } from '../common/nag-acknowledgements';
import {
  networkInterfaceStatements, placeInVpc, SAGEMAKER_DESCRIBE_ACTIONS, SAGEMAKER_PLACEMENT_ACTIONS,
} from '../common/vpc-placement';
import { ContainerImage } from '../core/container-image';
import { InstanceType } from '../core/instance-type';
import { ModelData } from '../core/model-data';
import {
  acknowledgeUnscopedActions, grantKeyUse, grantLogsAndMetrics, grantReadWritePrefix, grantSourceRead, grantWritePrefix,
} from './execution-role-grants';
import { handlerFunction } from './handler-function';
import { hashOf } from './inputs-hash';
import {
  CODE_CHANNEL, checkChannels, checkEnvironment, checkIsolatedRequirements, checkJobNamePrefix, checkKeyPrefix, checkSourceDirectory, checkTags,
  MAX_PREFIX_LENGTH, resolveTiming,
} from './training-job-checks';
import { encodeHyperparameters } from './hyperparameter-set';
import { Hyperparameter } from './hyperparameters';
import { stageSourceArchive } from './source-archive';
import { TrainingDistribution } from './training-distribution';
import { TrainingInput } from './training-input';
import { TRAINING_INSTANCE_TYPES } from './training-instance-types';
import { TRAINING_JOB_RESOURCE_TYPE, TRAINING_RESULT_RESOURCE_TYPE } from './resource-types';

/** Where the `code` channel's archive lands in the container under network isolation (the SDK's path). */
const CODE_CHANNEL_DIRECTORY = '/opt/ml/input/data/code';
/** How long CloudFormation waits for the lifecycle function's answer (its timeout is 2 minutes). */
const LIFECYCLE_SERVICE_TIMEOUT = Duration.minutes(5);
/** Keys the handler adds at deploy time (the job name is only known then). */
const HANDLER_ADDED_KEYS = ['sagemaker_job_name'];
/** Hex characters of the inputs hash in job names and logical ids. */
const INPUTS_HASH_LENGTH = 16;


/** Properties of a {@link TrainingJob}. */
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
}

/**
 * A SageMaker script-mode training job on the PyTorch training Deep Learning Container, run as part of
 * `cdk deploy`.
 *
 * CloudFormation has no training job resource: a custom resource starts the job (its properties are the
 * CreateTrainingJob request, so the template shows what SageMaker receives) and a wait condition, signalled from
 * SageMaker's job state-change events, holds the deploy until the job ends, failing it with the job's
 * `FailureReason` when the job fails or is stopped. The job name is derived from a hash of the training inputs:
 * a deploy that changes no input starts no job, one that changes any starts a new one. Deleting the stack (or
 * rolling back) stops a job that is still running.
 */
export class TrainingJob extends Construct {
  /** The execution role SageMaker assumes for the job. */
  public readonly role: iam.IRole;
  /** The bucket that receives the job's outputs. */
  public readonly outputBucket: s3.IBucket;
  /** The training instance type. */
  public readonly instanceType: InstanceType;
  /** Security groups of the training containers (empty outside a VPC). */
  public readonly securityGroups: ec2.ISecurityGroup[];
  /** Hash of every training input: part of the job name and of the wait condition's logical id. */
  public readonly inputsHash: string;
  /** Every job this construct starts has a name beginning with this (`<prefix>-<inputs hash>-`). */
  public readonly jobNamePrefix: string;
  /** The name of the training job (available once the job is started). */
  public readonly trainingJobName: string;
  /** Bucket holding the trained `model.tar.gz` (available once the job completed). */
  public readonly modelArtifactBucketName: string;
  /** Key of the trained `model.tar.gz` (available once the job completed). */
  public readonly modelArtifactKey: string;
  /** `s3://` URI of the trained `model.tar.gz` (available once the job completed). */
  public readonly modelDataUrl: string;
  /**
   * The trained `model.tar.gz` as hosting model data (in `outputBucket`; available once the job completed). Serve it
   * directly when the training script already wrote `code/inference.py` into the model directory; otherwise inject
   * the inference code first (`InferenceCodeInjection` with `artifactBucket: outputBucket, artifactKey: modelArtifactKey`).
   */
  public readonly modelData: ModelData;
  /** Completes when the training job has completed: depend on it to run after training. */
  public readonly completion: IDependable;
  /** The Lambda function that starts, stops and describes the job. */
  public readonly lifecycleFunction: lambda.IFunction;
  /** The Lambda function that signals the wait condition from SageMaker's events. */
  public readonly signalFunction: lambda.IFunction;

  constructor(scope: Construct, id: string, props: TrainingJobProps) {
    super(scope, id);
    const stack = Stack.of(this);

    // ---- validation of plain values ------------------------------------------------------------------------
    const entryPoint = props.entryPoint ?? 'train.py';
    checkSourceDirectory(props.sourceDirectory, entryPoint);
    checkIsolatedRequirements(props.sourceDirectory, props.enableNetworkIsolation ?? false);
    this.instanceType = props.instanceType ?? InstanceType.ML_G5_XLARGE;
    if (!props.allowUnlistedInstanceType && !TRAINING_INSTANCE_TYPES.includes(this.instanceType.name)) {
      throw new Error(`Instance type ${this.instanceType.name} is not a SageMaker training instance type (CreateTrainingJob's TrainingInstanceType list). Pick one such as ml.g5.xlarge, or set allowUnlistedInstanceType if it is newer than this library.`);
    }
    const instanceCount = props.instanceCount ?? 1;
    if (!Number.isInteger(instanceCount) || instanceCount < 1) {
      throw new Error(`instanceCount must be a whole number of at least 1 (got ${instanceCount}).`);
    }
    const volumeGb = (props.volumeSize ?? Size.gibibytes(30)).toGibibytes({ rounding: SizeRoundingBehavior.NONE });
    if (!Number.isInteger(volumeGb) || volumeGb < 1) {
      throw new Error(`volumeSize must be a whole number of GiB, at least 1 (got ${volumeGb}).`);
    }
    if (props.volumeEncryptionKey && this.instanceType.hasLocalNvmeStorage) {
      throw new Error(`volumeEncryptionKey cannot be used with ${this.instanceType.name}: its local NVMe storage is encrypted by the instance's hardware and SageMaker rejects a VolumeKmsKeyId for it. Remove the key or pick an instance type without local storage.`);
    }
    const timing = resolveTiming(props);
    const distribution = props.distribution ?? (instanceCount > 1 ? TrainingDistribution.TORCH_DISTRIBUTED : TrainingDistribution.NONE);
    const jobPrefix = props.jobNamePrefix ?? defaultJobNamePrefix(this);
    checkJobNamePrefix(jobPrefix);
    const outputPrefix = checkKeyPrefix('outputPrefix', props.outputPrefix ?? 'training', 'training');
    checkEnvironment(props.environment ?? {});
    checkTags(props.tags ?? {});
    const channelNames = Object.keys(props.inputs ?? {}).sort();
    checkChannels(channelNames, props.enableNetworkIsolation ?? false);
    if (props.securityGroups && !props.vpc) {
      throw new Error('securityGroups need a vpc: set vpc as well, or remove securityGroups.');
    }
    if (props.vpcSubnets && !props.vpc) {
      throw new Error('vpcSubnets need a vpc: set vpc as well, or remove vpcSubnets.');
    }
    if (props.containerLogLevel !== undefined && !Number.isInteger(props.containerLogLevel)) {
      throw new Error(`containerLogLevel must be a Python logging level such as 10, 20 or 30 (got ${props.containerLogLevel}).`);
    }

    // ---- resources the job uses ----------------------------------------------------------------------------
    this.role = props.role ?? new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: `SageMaker execution role of training job ${this.node.path}`,
    });
    if (props.outputBucket && props.serverAccessLogsBucket) {
      throw new Error('serverAccessLogsBucket applies only to the output bucket the construct creates: remove it, or remove outputBucket.');
    }
    this.outputBucket = props.outputBucket ?? this.createOutputBucket(props.outputEncryptionKey, props.serverAccessLogsBucket);
    const sourceAsset = new s3assets.Asset(this, 'Source', {
      path: stageSourceArchive(path.resolve(props.sourceDirectory)),
    });
    grantSourceRead(this.role, sourceAsset, props.enableNetworkIsolation ?? false);
    const image = (props.image ?? ContainerImage.pytorchTraining()).bind(this, { instanceType: this.instanceType, grantee: this.role });
    grantWritePrefix(this, this.role, this.outputBucket, `${outputPrefix}/`);
    grantLogsAndMetrics(this, this.role);
    if (props.volumeEncryptionKey) grantKeyUse(this.role, props.volumeEncryptionKey, true);
    if (props.outputEncryptionKey) grantKeyUse(this.role, props.outputEncryptionKey, false);
    if (!props.role) acknowledgeUnscopedActions(this.role);

    this.securityGroups = [];
    let vpcConfig: { [key: string]: unknown } | undefined;
    if (props.vpc) {
      const placement = placeInVpc(this, { vpc: props.vpc, vpcSubnets: props.vpcSubnets, securityGroups: props.securityGroups }, {
        service: 'SageMaker',
        defaultSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        subnetExample: '{ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }',
        defaultSecurityGroup: {
          description: `Training containers of ${this.node.path}`,
          // Distributed training: the instances exchange gradients with each other.
          selfIngressDescription: instanceCount > 1 ? 'Traffic between the instances of the training job' : undefined,
        },
      });
      this.securityGroups = placement.securityGroups;
      vpcConfig = { SecurityGroupIds: this.securityGroups.map((sg) => sg.securityGroupId), Subnets: placement.subnets.map((subnet) => subnet.subnetId) };
      const statements = networkInterfaceStatements(this, placement, {
        describeActions: SAGEMAKER_DESCRIBE_ACTIONS,
        placementActions: SAGEMAKER_PLACEMENT_ACTIONS,
        interfaceWildcardReason: 'SageMaker creates and deletes the network interfaces of the training containers at run ' +
          'time, so their ids are unknown; the statement is confined to this account and region, the job\'s subnets and security groups.',
      });
      for (const statement of statements) this.role.addToPrincipalPolicy(statement);
    }

    // ---- the CreateTrainingJob request ----------------------------------------------------------------------
    const networkIsolation = props.enableNetworkIsolation ?? false;
    // Under network isolation the container cannot reach S3: the archive arrives as the `code` channel, a file named
    // after the last segment of its key (as the SageMaker SDK does it, with its own key).
    const submitDirectory = networkIsolation
      ? JSON.stringify(`${CODE_CHANNEL_DIRECTORY}/${literalKeyName(sourceAsset.s3ObjectKey)}`)
      : `"${sourceAsset.s3ObjectUrl}"`;
    const libraryKeys: { [key: string]: string } = {
      sagemaker_program: JSON.stringify(entryPoint),
      sagemaker_submit_directory: submitDirectory,
      sagemaker_region: `"${Aws.REGION}"`,
      sagemaker_container_log_level: String(props.containerLogLevel ?? 20),
      ...distribution._hyperparameters(this.instanceType),
    };
    const hyperparameters = encodeHyperparameters(props.hyperparameters ?? {}, libraryKeys, HANDLER_ADDED_KEYS);

    const inputDataConfig: Array<{ [key: string]: unknown }> = channelNames.map((name) => ({
      ChannelName: name,
      ...props.inputs![name]._bind(this, this.role),
    }));
    if (networkIsolation) {
      inputDataConfig.push({
        ChannelName: CODE_CHANNEL,
        DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: sourceAsset.s3ObjectUrl, S3DataDistributionType: 'FullyReplicated' } },
        InputMode: 'File',
      });
    }

    const request: { [key: string]: unknown } = {
      AlgorithmSpecification: { TrainingImage: image.imageUri, TrainingInputMode: 'File' },
      RoleArn: this.role.roleArn,
      HyperParameters: hyperparameters.values,
      OutputDataConfig: definedOnly({
        S3OutputPath: `s3://${this.outputBucket.bucketName}/${outputPrefix}`,
        KmsKeyId: props.outputEncryptionKey?.keyArn,
      }),
      ResourceConfig: definedOnly({
        InstanceType: this.instanceType.name,
        InstanceCount: instanceCount,
        VolumeSizeInGB: volumeGb,
        VolumeKmsKeyId: props.volumeEncryptionKey?.keyArn,
      }),
      StoppingCondition: definedOnly({
        MaxRuntimeInSeconds: timing.maxRuntime.toSeconds(),
        MaxWaitTimeInSeconds: timing.maxWaitTime?.toSeconds(),
      }),
      EnableNetworkIsolation: networkIsolation,
      EnableInterContainerTrafficEncryption: props.interContainerTrafficEncryption ?? false,
      EnableManagedSpotTraining: props.spotInstances ?? false,
    };
    if (inputDataConfig.length > 0) request.InputDataConfig = inputDataConfig;
    if (vpcConfig) request.VpcConfig = vpcConfig;
    if (props.environment && Object.keys(props.environment).length > 0) request.Environment = props.environment;
    if (props.tags && Object.keys(props.tags).length > 0) {
      request.Tags = Object.keys(props.tags).sort().map((key) => ({ Key: key, Value: props.tags![key] }));
    }
    const handlerOnly = {
      HyperParameterTypes: hyperparameters.types,
      DeployTimeHyperParameters: hyperparameters.deployTimeEncodings,
    };

    const checkpointBucket = props.checkpointBucket ?? (props.spotInstances ? this.outputBucket : undefined);
    if (props.checkpointPrefix !== undefined && !checkpointBucket) {
      throw new Error('checkpointPrefix needs a checkpoint bucket: set checkpointBucket, or enable spotInstances (which checkpoints to the output bucket).');
    }
    if (checkpointBucket) {
      const checkpointPrefix = props.checkpointPrefix !== undefined
        ? `${checkKeyPrefix('checkpointPrefix', props.checkpointPrefix, 'checkpoints/my-run')}/`
        : `${outputPrefix}/checkpoints/${hashOf(stack, { request, handlerOnly }).slice(0, INPUTS_HASH_LENGTH)}/`;
      grantReadWritePrefix(this, this.role, checkpointBucket, checkpointPrefix);
      request.CheckpointConfig = { S3Uri: `s3://${checkpointBucket.bucketName}/${checkpointPrefix}` };
    }

    // The wait condition's timeout is hashed too: a wait condition cannot be updated, only replaced.
    this.inputsHash = hashOf(stack, { request, handlerOnly, completionTimeout: timing.completionTimeout.toSeconds() }).slice(0, INPUTS_HASH_LENGTH);
    this.jobNamePrefix = `${jobPrefix}-${this.inputsHash}-`;

    // ---- lifecycle: start, wait for the state-change event, read the result -------------------------------
    const lifecycle = handlerFunction(this, 'Lifecycle', 'training-job-lifecycle',
      `Starts, stops and describes the SageMaker training jobs of ${this.node.path}`, Duration.minutes(2), 256);
    this.lifecycleFunction = lifecycle;
    const jobArns = `arn:${Aws.PARTITION}:sagemaker:${Aws.REGION}:${Aws.ACCOUNT_ID}:training-job/${jobPrefix}-*`;
    acknowledgeWildcardResource(this, jobArns, 'Job names end in a hash of the training inputs and an attempt suffix known only at deploy time; confined to this construct\'s job name prefix.');
    lifecycle.addToRolePolicy(new iam.PolicyStatement({
      actions: ['sagemaker:CreateTrainingJob', 'sagemaker:DescribeTrainingJob', 'sagemaker:StopTrainingJob',
        ...(request.Tags ? ['sagemaker:AddTags'] : [])],
      // SageMaker ARNs carry the job name in lower case; the prefix (without the hash) covers the jobs of
      // earlier inputs too, which a later deploy stops or describes.
      resources: [jobArns],
    }));
    // ListTrainingJobs has no resource type; it finds a completed job of the same inputs to reuse (rollbacks).
    lifecycle.addToRolePolicy(new iam.PolicyStatement({ actions: ['sagemaker:ListTrainingJobs'], resources: ['*'] }));
    Validations.of(lifecycle.role!).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'sagemaker:ListTrainingJobs has no resource type; it only lists job names to find a completed job of the same inputs.',
    });
    lifecycle.addToRolePolicy(new iam.PolicyStatement({
      actions: ['iam:PassRole'],
      resources: [this.role.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
    }));

    const signaller = handlerFunction(this, 'Signal', 'training-job-signaller',
      `Signals the wait condition of ${this.node.path} when its SageMaker training job ends`, Duration.seconds(30), 128);
    this.signalFunction = signaller;

    // Wait conditions cannot be updated: a changed training gets a new handle and condition (new logical ids).
    const handle = new CfnWaitConditionHandle(this, `CompletionHandle${this.inputsHash}`);
    const rule = new events.Rule(this, 'JobStateChange', {
      description: `Training job state changes of ${this.node.path}`,
      eventPattern: {
        source: ['aws.sagemaker'],
        detailType: ['SageMaker Training Job State Change'],
        detail: { TrainingJobName: [{ prefix: this.jobNamePrefix }] },
      },
    });
    rule.addTarget(new targets.LambdaFunction(signaller, {
      event: events.RuleTargetInput.fromObject({
        waitHandleUrl: handle.ref,
        detail: events.EventField.fromPath('$.detail'),
      }),
      retryAttempts: 20,
      maxEventAge: Duration.hours(2),
    }));

    const job = new CustomResource(this, 'Resource', {
      resourceType: TRAINING_JOB_RESOURCE_TYPE,
      serviceToken: lifecycle.functionArn,
      // Longer than the function's timeout, so its own FAILED answer always comes first; a crashed function fails
      // the deploy after minutes, not after CloudFormation's default hour.
      serviceTimeout: LIFECYCLE_SERVICE_TIMEOUT,
      properties: {
        ...request,
        TrainingJobNamePrefix: this.jobNamePrefix,
        ...handlerOnly,
        // For a job reused from an earlier deploy, the handler signals the wait condition itself.
        WaitConditionHandle: handle.ref,
      },
    });
    // The rule (and its target input, the handle URL) must exist before a job can end.
    job.node.addDependency(rule);
    job.node.addDependency(lifecycle);
    this.trainingJobName = job.getAttString('TrainingJobName');

    const waitCondition = new CfnWaitCondition(this, `Completion${this.inputsHash}`, {
      handle: handle.ref,
      timeout: String(timing.completionTimeout.toSeconds()),
      count: 1,
    });
    waitCondition.node.addDependency(job);
    this.completion = waitCondition;

    const result = new CustomResource(this, 'Result', {
      resourceType: TRAINING_RESULT_RESOURCE_TYPE,
      serviceToken: lifecycle.functionArn,
      serviceTimeout: LIFECYCLE_SERVICE_TIMEOUT,
      properties: { TrainingJobName: this.trainingJobName },
    });
    result.node.addDependency(waitCondition);
    this.modelArtifactBucketName = result.getAttString('ModelArtifactBucket');
    this.modelArtifactKey = result.getAttString('ModelArtifactKey');
    this.modelDataUrl = result.getAttString('ModelDataUrl');
    this.modelData = ModelData.fromBucket(this.outputBucket, this.modelArtifactKey);
    // The role and its policy must exist before SageMaker assumes it for the job.
    job.node.addDependency(this.role);
  }

  private createOutputBucket(key: kms.IKey | undefined, accessLogs: s3.IBucket | undefined): s3.Bucket {
    const bucket = new s3.Bucket(this, 'OutputBucket', {
      encryption: key ? s3.BucketEncryption.KMS : s3.BucketEncryption.S3_MANAGED,
      encryptionKey: key,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      // Trained models are expensive to recreate: keep them when the stack goes.
      removalPolicy: RemovalPolicy.RETAIN,
      serverAccessLogsBucket: accessLogs,
      lifecycleRules: [{ abortIncompleteMultipartUploadAfter: Duration.days(1) }],
    });
    if (!accessLogs) {
      Validations.of(bucket).acknowledge({
        id: 'AwsSolutions-S1',
        reason: 'Holds only the outputs of this stack\'s training jobs, written by SageMaker with the job\'s role; give serverAccessLogsBucket to log access.',
      });
    }
    return bucket;
  }
}

function literalKeyName(key: string): string {
  if (Token.isUnresolved(key)) {
    throw new Error('enableNetworkIsolation needs the source asset key at synth time (the stack synthesizer gave a token): the container path of the code channel is built from it. Use the DefaultStackSynthesizer or disable network isolation.');
  }
  return key.split('/').pop() as string;
}

function defaultJobNamePrefix(scope: Construct): string {
  const base = Names.uniqueResourceName(scope, { maxLength: 64 }).toLowerCase().replace(/[^a-z0-9]/g, '');
  // Keep the tail: uniqueResourceName ends with a hash of the path, which keeps prefixes of two jobs apart.
  return base.slice(-MAX_PREFIX_LENGTH) || 'training';
}

function definedOnly(values: { [key: string]: unknown }): { [key: string]: unknown } {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
}
