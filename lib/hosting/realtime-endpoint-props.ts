import { Duration, Size } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { ContainerImage } from '../core/container-image';
import { InstanceType } from '../core/instance-type';
import { ModelData } from '../core/model-data';
import { DataCaptureOptions } from './data-capture';
import { DeploymentGuardrails } from './deployment/deployment-guardrails';
import { EndpointAlarmsOptions } from './monitoring/endpoint-alarms';
import { EndpointDashboardOptions } from './monitoring/endpoint-dashboard';
import { AutoScalingOptions } from './scaling/auto-scaling-options';
import { ServingMode } from './serving-mode';

/**
 * How a real-time endpoint serves a model: everything except the model artifacts themselves.
 *
 * `PytorchCustomEndpoint` takes these as its `endpoint` group.
 */
export interface RealtimeEndpointOptions {
  /**
   * The serving container.
   *
   * @default ContainerImage.pytorchInference() - the PyTorch 2.6.0 inference DLC, GPU or CPU to match the instance
   */
  readonly image?: ContainerImage;

  /**
   * The instance type that serves the model.
   *
   * @default InstanceType.ML_G5_XLARGE - one NVIDIA A10G (24 GiB), 4 vCPU, 16 GiB
   */
  readonly instanceType?: InstanceType;

  /**
   * Whether an instance type missing from the SDK's `ProductionVariantInstanceType` list (a type newer than this
   * library) is accepted.
   *
   * @default false
   */
  readonly allowUnlistedInstanceType?: boolean;

  /**
   * How many instances serve the model.
   *
   * @default 1
   */
  readonly instanceCount?: number;

  /**
   * The size of the ML storage volume of each instance, 1 to 512 GiB. Instance types with local NVMe storage
   * (g4dn, g5, g6, p4d, ...) serve from their instance store instead.
   *
   * @default - SageMaker's default for the instance type
   */
  readonly volumeSize?: Size;

  /**
   * A KMS key that encrypts the ML storage volume. SageMaker rejects it for instance types with local NVMe storage,
   * whose instance store is encrypted by the hardware: that combination fails at synth time. The execution role
   * may use the key (`kms:CreateGrant` only for AWS resources, `kms:Decrypt`, `kms:DescribeKey`,
   * `kms:GenerateDataKey`); the key policy must also let the principal that deploys the stack use it, since
   * SageMaker creates the volume's grant with the caller's credentials.
   *
   * @default - the volume is encrypted with an AWS managed key
   */
  readonly volumeEncryptionKey?: kms.IKey;

  /**
   * How long SageMaker may take to download the model artifacts to each instance, 60 to 3600 seconds.
   *
   * @default - SageMaker's default
   */
  readonly modelDataDownloadTimeout?: Duration;

  /**
   * How long the container may take to pass its first `/ping` health check, 60 to 3600 seconds. Raise it for large
   * models: `model_fn` runs before the first ping succeeds.
   *
   * @default - SageMaker's default
   */
  readonly containerStartupHealthCheckTimeout?: Duration;

  /**
   * The Python module under `code/` in the model artifact that holds the handler functions (`model_fn`,
   * `input_fn`, `predict_fn`, `output_fn`); sets `SAGEMAKER_PROGRAM`.
   *
   * @default 'inference.py'
   */
  readonly entryPoint?: string;

  /**
   * Extra environment variables of the serving container, e.g. `SAGEMAKER_MODEL_SERVER_WORKERS` or `TS_*`
   * TorchServe settings. They may override `SAGEMAKER_CONTAINER_LOG_LEVEL` and `SAGEMAKER_REGION`; the module name
   * is set with `entryPoint`.
   *
   * @default - only the serving variables the library sets
   */
  readonly environment?: { [key: string]: string };

  /**
   * The endpoint name: the name callers pass to `InvokeEndpoint`. Validated against SageMaker's pattern
   * (letters, digits, hyphens; up to 63 characters) at synth time.
   *
   * @default - a name derived from the construct path, unique in the account and stable across deployments
   */
  readonly endpointName?: string;

  /**
   * The execution role SageMaker assumes to pull the image, read the model artifacts and write logs. When given,
   * the grants the image and model data need are added to it.
   *
   * @default - a role with exactly those permissions
   */
  readonly role?: iam.IRole;

  /**
   * Whether the container runs without network access. Then `code/requirements.txt` cannot be pip-installed at
   * startup, so dependencies must be vendored.
   *
   * @default false
   */
  readonly enableNetworkIsolation?: boolean;

  /**
   * The name of the production variant.
   *
   * @default 'AllTraffic'
   */
  readonly variantName?: string;

  /**
   * The VPC the model's containers are attached to (`VpcConfig` of the model): their traffic to S3, ECR and
   * anything else goes through it, so the subnets need a route to S3 and ECR (NAT, or VPC endpoints for S3,
   * `ecr.api` and `ecr.dkr`). Callers still reach the endpoint through the SageMaker runtime API.
   *
   * @default - not in a VPC: SageMaker's own network
   */
  readonly vpc?: ec2.IVpc;

  /**
   * Which subnets of `vpc` to use, 1 to 16 of them (spread over availability zones for an endpoint with several
   * instances).
   *
   * @default - aws-cdk-lib's default selection: the private subnets with egress, else the isolated ones
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * The security groups of the model's containers, 1 to 5.
   *
   * @default - one security group is created that allows outbound HTTPS only and no inbound traffic
   */
  readonly securityGroups?: ec2.ISecurityGroup[];

  /**
   * Copy a sample of the requests and responses to S3 (`DataCaptureConfig`).
   *
   * @default - no data capture
   */
  readonly dataCapture?: DataCaptureOptions;

  /**
   * Scale the instance count with Application Auto Scaling between `minInstanceCount` and `maxInstanceCount`;
   * `instanceCount` must lie between them. With autoscaling the endpoint keeps the instance count it reached when a
   * new model or configuration is deployed (`RetainAllVariantProperties`), instead of dropping back to
   * `instanceCount` under load.
   *
   * @default - a fixed instance count
   */
  readonly autoScaling?: AutoScalingOptions;

  /**
   * Whether to create CloudWatch alarms for the endpoint. Set false to create none.
   *
   * @default true - the 5xx error rate and model latency alarms, as `alarms` describes
   */
  readonly enableAlarms?: boolean;

  /**
   * Which alarms to create and when they fire.
   *
   * @default - the 5xx error rate (above 1 %) and p90 model latency (above 1 s) alarms, 3 of 5 minutes
   */
  readonly alarms?: EndpointAlarmsOptions;

  /**
   * Where the alarms notify, when they fire and when they recover.
   *
   * @default - the alarms notify nobody: they show on the dashboard and in the CloudWatch console only
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * Whether to create a CloudWatch dashboard for the endpoint (traffic, errors, latency, instances, GPU, CPU,
   * memory, disk, alarm states). Open it from `dashboardUrl`.
   *
   * @default true
   */
  readonly enableDashboard?: boolean;

  /**
   * The dashboard's name, time range and the training job it also shows.
   *
   * @default - a generated name, the last 3 hours, endpoint metrics only
   */
  readonly dashboard?: EndpointDashboardOptions;

  /**
   * How a changed model (a new endpoint config) reaches traffic on `cdk deploy`, and which alarms roll it back:
   * `DeploymentGuardrails.canary(...)`, `.linear(...)`, `.rolling(...)` or `.allAtOnce(...)`. By default the
   * endpoint's own alarms roll a bad deployment back. Checked at synth time against SageMaker's rules (sizes against
   * the instance count, timeouts, alarm count, Inf1).
   *
   * @default - SageMaker's default: blue/green, all traffic at once, no baking period, no automatic rollback
   */
  readonly deployment?: DeploymentGuardrails;

  /**
   * How the endpoint serves the model and what it costs when idle: always-on real-time instances, a real-time
   * inference component that scales to zero instances, or an asynchronous endpoint that scales to zero.
   *
   * @default ServingMode.realtime() - dedicated instances that always run, as before
   */
  readonly servingMode?: ServingMode;
}

/** Properties of a `RealtimeEndpoint`. */
export interface RealtimeEndpointProps extends RealtimeEndpointOptions {
  /** The model artifacts: a `model.tar.gz` with `code/` inside, or an uncompressed prefix with the same layout. */
  readonly modelData: ModelData;
}
