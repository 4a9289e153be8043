import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as path from 'path';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct, IDependable } from 'constructs';
import {
  networkInterfaceStatements, placeInVpc, SAGEMAKER_DESCRIBE_ACTIONS, SAGEMAKER_PLACEMENT_ACTIONS,
} from '../common/vpc-placement';
import { ContainerImage } from '../core/container-image';
import { InstanceType } from '../core/instance-type';
import { ModelData } from '../core/model-data';
import { Channel, CreateTrainingJobRequest, VpcConfig } from './create-training-job-request';
import {
  acknowledgeUnscopedActions, grantKeyUse, grantLogsAndMetrics, grantReadWritePrefix, grantSourceRead, grantWritePrefix,
} from './execution-role-grants';
import { encodeHyperparameters } from './hyperparameter-set';
import { hashOf } from './inputs-hash';
import { HANDLER_ADDED_KEYS, libraryHyperparameters } from './library-hyperparameters';
import { renderCreateTrainingJobRequest } from './render-create-training-job-request';
import { stageSourceArchive } from './source-archive';
import { TrainingInput } from './training-input';
import { createTrainingJobLifecycle, HandlerOnlyProperties } from './training-job-lifecycle';
import { TrainingJobProps } from './training-job-props';
import { resolveSettings, TrainingJobSettings } from './training-job-settings';
import { TrainingJobMetrics, TrainingJobWidgetsOptions } from './training-job-metrics';

/** Hex characters of the inputs hash in job names and logical ids. */
const INPUTS_HASH_LENGTH = 16;

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
  /** Bucket holding the trained model (available once the job completed). */
  public readonly modelArtifactBucketName: string;
  /**
   * Key of the trained `model.tar.gz`, or, with `ModelOutputCompression.NONE`, the key prefix (ending in `/`) of the
   * model's files, as DescribeTrainingJob reports it (available once the job completed).
   */
  public readonly modelArtifactKey: string;
  /** `s3://` URI of the trained `model.tar.gz`, or of the model's prefix when uncompressed (available once the job completed). */
  public readonly modelDataUrl: string;
  /**
   * The trained model as hosting model data (in `outputBucket`; available once the job completed): the
   * `model.tar.gz`, or the uncompressed prefix with `ModelOutputCompression.NONE`. Serve it directly when the
   * training script already wrote `code/inference.py` into the model directory; otherwise inject the inference code
   * first (`InferenceCodeInjection` with `modelData: job.modelData`).
   */
  public readonly modelData: ModelData;
  /** Whether the model is uploaded uncompressed (`ModelOutputCompression.NONE`). */
  public readonly uncompressedModel: boolean;
  /** Completes when the training job has completed: depend on it to run after training. */
  public readonly completion: IDependable;
  /** The Lambda function that starts, stops and describes the job. */
  public readonly lifecycleFunction: lambda.IFunction;
  /** The Lambda function that signals the wait condition from SageMaker's events. */
  public readonly signalFunction: lambda.IFunction;
  /** The job's CloudWatch metrics (instance and algorithm metrics); the `metric*` methods delegate to it. */
  public readonly metrics: TrainingJobMetrics;

  /** The job's instance count and metric names, for its dashboard widgets. */
  private readonly widgetOptions: TrainingJobWidgetsOptions;

  constructor(scope: Construct, id: string, props: TrainingJobProps) {
    super(scope, id);
    const settings = resolveSettings(this, props);
    this.instanceType = settings.instanceType;

    this.role = props.role ?? this.createExecutionRole();
    this.outputBucket = props.outputBucket ?? this.createOutputBucket(props.outputEncryptionKey, props.serverAccessLogsBucket);
    const source = this.stageSource(props.sourceDirectory, settings.networkIsolation);
    const image = (props.image ?? ContainerImage.pytorchTraining()).bind(this, { instanceType: this.instanceType, grantee: this.role });
    this.grantOutputsLogsAndKeys(props, settings.outputPrefix);
    const vpcConfig = this.placeJobInVpc(props, settings.instanceCount);
    this.securityGroups = vpcConfig?.securityGroups ?? [];

    const hyperparameters = encodeHyperparameters(this, props.hyperparameters ?? {}, libraryHyperparameters(this, settings, source), HANDLER_ADDED_KEYS);
    const handlerOnly: HandlerOnlyProperties = {
      HyperParameterTypes: hyperparameters.types,
      DeployTimeHyperParameters: hyperparameters.deployTimeEncodings,
    };
    const request = this.addCheckpoints(props.checkpointBucket, settings, handlerOnly, renderCreateTrainingJobRequest(settings, {
      trainingImage: image.imageUri,
      roleArn: this.role.roleArn,
      hyperParameters: hyperparameters.values,
      outputBucketName: this.outputBucket.bucketName,
      outputKmsKeyId: props.outputEncryptionKey?.keyArn,
      volumeKmsKeyId: props.volumeEncryptionKey?.keyArn,
      channels: this.bindChannels(props.inputs ?? {}, settings.channelNames),
      sourceArchiveUrl: source.s3ObjectUrl,
      vpcConfig: vpcConfig?.config,
    }));

    // The wait condition's timeout is hashed too: a wait condition cannot be updated, only replaced.
    this.inputsHash = hashOf(Stack.of(this), { request, handlerOnly, completionTimeout: settings.timing.completionTimeout.toSeconds() }).slice(0, INPUTS_HASH_LENGTH);
    this.jobNamePrefix = `${settings.jobNamePrefix}-${this.inputsHash}-`;

    const lifecycle = createTrainingJobLifecycle(this, {
      request,
      handlerOnly,
      role: this.role,
      userJobNamePrefix: settings.jobNamePrefix,
      jobNamePrefix: this.jobNamePrefix,
      inputsHash: this.inputsHash,
      completionTimeout: settings.timing.completionTimeout,
    });
    this.lifecycleFunction = lifecycle.lifecycleFunction;
    this.signalFunction = lifecycle.signalFunction;
    this.trainingJobName = lifecycle.trainingJobName;
    this.metrics = new TrainingJobMetrics(this.trainingJobName);
    this.widgetOptions = {
      instanceCount: settings.instanceCount,
      metricNames: props.metricDefinitions?.map((definition) => definition.name),
    };
    this.completion = lifecycle.completion;
    this.modelArtifactBucketName = lifecycle.result.getAttString('ModelArtifactBucket');
    this.modelArtifactKey = lifecycle.result.getAttString('ModelArtifactKey');
    this.modelDataUrl = lifecycle.result.getAttString('ModelDataUrl');
    this.uncompressedModel = settings.uncompressedModel;
    // The result resource reads the location from DescribeTrainingJob (a prefix ending in '/' when uncompressed).
    this.modelData = settings.uncompressedModel
      ? ModelData.fromS3Prefix(this.outputBucket, this.modelArtifactKey)
      : ModelData.fromBucket(this.outputBucket, this.modelArtifactKey);
  }

  private createExecutionRole(): iam.Role {
    return new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: `SageMaker execution role of training job ${this.node.path}`,
    });
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

  /** The source directory as a deterministic archive asset that the role may read. */
  private stageSource(sourceDirectory: string, networkIsolation: boolean): s3assets.Asset {
    const asset = new s3assets.Asset(this, 'Source', { path: stageSourceArchive(this, path.resolve(sourceDirectory)) });
    grantSourceRead(this.role, asset, networkIsolation);
    return asset;
  }

  private grantOutputsLogsAndKeys(props: TrainingJobProps, outputPrefix: string): void {
    grantWritePrefix(this, this.role, this.outputBucket, `${outputPrefix}/`);
    grantLogsAndMetrics(this, this.role);
    if (props.volumeEncryptionKey) grantKeyUse(this.role, props.volumeEncryptionKey, true);
    if (props.outputEncryptionKey) grantKeyUse(this.role, props.outputEncryptionKey, false);
    if (!props.role) acknowledgeUnscopedActions(this.role);
  }

  /** Subnets and security groups of the containers, and the network-interface rights SageMaker needs there. */
  private placeJobInVpc(props: TrainingJobProps, instanceCount: number): { securityGroups: ec2.ISecurityGroup[]; config: VpcConfig } | undefined {
    if (!props.vpc) return undefined;
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
    const statements = networkInterfaceStatements(this, placement, {
      describeActions: SAGEMAKER_DESCRIBE_ACTIONS,
      placementActions: SAGEMAKER_PLACEMENT_ACTIONS,
      interfaceWildcardReason: 'SageMaker creates and deletes the network interfaces of the training containers at run ' +
        'time, so their ids are unknown; the statement is confined to this account and region, the job\'s subnets and security groups.',
    });
    for (const statement of statements) this.role.addToPrincipalPolicy(statement);
    return {
      securityGroups: placement.securityGroups,
      config: {
        SecurityGroupIds: placement.securityGroups.map((sg) => sg.securityGroupId),
        Subnets: placement.subnets.map((subnet) => subnet.subnetId),
      },
    };
  }

  /** The input channels in name order, each granted to the role. */
  private bindChannels(inputs: { [channelName: string]: TrainingInput }, channelNames: string[]): Channel[] {
    return channelNames.map((name) => ({ ChannelName: name, ...inputs[name]._bind(this, this.role) }));
  }

  /**
   * The request with the checkpoint location, when there is one (spot jobs default to the output bucket), granted
   * to the role. Its default prefix is a hash of the request: a changed training never resumes from another one's
   * checkpoints.
   */
  private addCheckpoints(
    checkpointBucketProp: s3.IBucket | undefined, settings: TrainingJobSettings, handlerOnly: HandlerOnlyProperties, request: CreateTrainingJobRequest,
  ): CreateTrainingJobRequest {
    const checkpointBucket = checkpointBucketProp ?? (settings.spotInstances ? this.outputBucket : undefined);
    if (!checkpointBucket) return request;
    const checkpointPrefix = settings.checkpointPrefix
      ?? `${settings.outputPrefix}/checkpoints/${hashOf(Stack.of(this), { request, handlerOnly }).slice(0, INPUTS_HASH_LENGTH)}/`;
    grantReadWritePrefix(this, this.role, checkpointBucket, checkpointPrefix);
    return { ...request, CheckpointConfig: { S3Uri: `s3://${checkpointBucket.bucketName}/${checkpointPrefix}` } };
  }

  /**
   * A metric of the job's `metricDefinitions` (by its name, e.g. `train:loss`), as SageMaker publishes it.
   *
   * @default - statistic Average, period 5 minutes
   */
  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.algorithmMetric(metricName, props);
  }

  /**
   * An instance metric of one host of the job (`CPUUtilization`, `MemoryUtilization`, `GPUUtilization`,
   * `GPUMemoryUtilization`, `DiskUtilization`); `hostIndex` counts from 1 (`algo-1`).
   *
   * @default - statistic Average, period 5 minutes
   */
  public metricInstance(metricName: string, hostIndex: number = 1, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.hostMetric(metricName, hostIndex, props);
  }

  /**
   * GPU utilization of one host, in percent summed over its GPUs.
   *
   * @default - statistic Average, period 5 minutes
   */
  public metricGpuUtilization(hostIndex: number = 1, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metricInstance('GPUUtilization', hostIndex, props);
  }

  /**
   * CPU utilization of one host, in percent summed over its vCPUs.
   *
   * @default - statistic Average, period 5 minutes
   */
  public metricCpuUtilization(hostIndex: number = 1, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metricInstance('CPUUtilization', hostIndex, props);
  }

  /**
   * Dashboard widgets for this job: the utilization of each of its instances and the metrics of its
   * `metricDefinitions`. `PytorchCustomEndpoint` puts them on the endpoint's dashboard.
   */
  public dashboardWidgets(): cloudwatch.IWidget[] {
    return this.metrics.dashboardWidgets(this.widgetOptions);
  }
}
