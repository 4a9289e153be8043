import { ArnFormat, Duration, Names, Size, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ContainerImage } from './container-image';
import { bindDataCapture, DataCaptureOptions } from './data-capture';
import { HOSTING_INSTANCE_TYPES } from './hosting-instance-types';
import { InstanceType } from './instance-type';
import { ModelData } from './model-data';
import { bindModelNetwork } from './model-network';
import { EndpointAlarms, EndpointAlarmsOptions } from './monitoring/endpoint-alarms';
import { EndpointDashboard, EndpointDashboardOptions } from './monitoring/endpoint-dashboard';
import { EndpointMetrics } from './monitoring/endpoint-metrics';
import { AutoScalingOptions } from './scaling/auto-scaling-options';
import { VariantAutoScaling } from './scaling/variant-auto-scaling';
import { SAGEMAKER_MAX_NAME_LENGTH } from '../common/sagemaker-names';
import { validateContainerEnvironment, validateIntegerInRange, validateSageMakerName } from '../common/validation';
import { acknowledgeWildcardResource } from '../common/nag-acknowledgements';

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
  readonly networkIsolation?: boolean;

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
}

/** Properties of a `RealtimeEndpoint`. */
export interface RealtimeEndpointProps extends RealtimeEndpointOptions {
  /** The model artifacts: a `model.tar.gz` with `code/` inside, or an uncompressed prefix with the same layout. */
  readonly modelData: ModelData;
}

/** The one serving variable users set through a property (`entryPoint`) rather than `environment`. */
const RESERVED_ENVIRONMENT = 'SAGEMAKER_PROGRAM';

/**
 * A SageMaker real-time endpoint serving one model: `AWS::SageMaker::Model`, `EndpointConfig` and `Endpoint`.
 *
 * The model and endpoint config get no fixed names, because CloudFormation replaces them on every change; the
 * endpoint then switches to the new config in place.
 */
export class RealtimeEndpoint extends Construct implements ec2.IConnectable {
  /** The endpoint name, for `InvokeEndpoint`. */
  public readonly endpointName: string;
  /** The endpoint ARN. */
  public readonly endpointArn: string;
  /** The SageMaker model. */
  public readonly model: sagemaker.CfnModel;
  /** The endpoint configuration. */
  public readonly endpointConfig: sagemaker.CfnEndpointConfig;
  /** The endpoint. */
  public readonly endpoint: sagemaker.CfnEndpoint;
  /** The execution role of the model. */
  public readonly role: iam.IRole;
  /** The instance type serving the model. */
  public readonly instanceType: InstanceType;
  /** The URI of the serving image. */
  public readonly imageUri: string;
  /** The name of the production variant (for metrics and autoscaling: `endpoint/<name>/variant/<variant>`). */
  public readonly variantName: string;
  /** The initial number of instances of the variant. */
  public readonly instanceCount: number;
  /** The CloudWatch metrics of the endpoint's variant; the `metric*` methods delegate to it. */
  public readonly metrics: EndpointMetrics;

  /**
   * The Application Auto Scaling of the variant.
   *
   * @default - undefined without `autoScaling`
   */
  public readonly autoScaling?: VariantAutoScaling;

  /**
   * The endpoint's alarms (`alarms.alarms` lists them all).
   *
   * @default - undefined when `enableAlarms` is false
   */
  public readonly alarms?: EndpointAlarms;

  /**
   * The topic the alarms notify.
   *
   * @default - undefined without `alarmTopic`
   */
  public readonly alarmTopic?: sns.ITopic;

  /**
   * The endpoint's CloudWatch dashboard.
   *
   * @default - undefined when `enableDashboard` is false
   */
  public readonly dashboard?: EndpointDashboard;

  /**
   * The URL that opens the dashboard in the CloudWatch console (put it in a `CfnOutput`).
   *
   * @default - undefined when `enableDashboard` is false
   */
  public readonly dashboardUrl?: string;

  private readonly modelConnections?: ec2.Connections;

  constructor(scope: Construct, id: string, props: RealtimeEndpointProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.instanceType = props.instanceType ?? InstanceType.ML_G5_XLARGE;
    // Without this, an unknown or training-only type (ml.p3dn) fails only at deploy time, in CreateEndpointConfig.
    if (!props.allowUnlistedInstanceType && !HOSTING_INSTANCE_TYPES.includes(this.instanceType.name)) {
      throw new Error(
        `Instance type ${this.instanceType.name} is not a SageMaker real-time hosting instance type ` +
        '(CreateEndpointConfig\'s ProductionVariantInstanceType list). Pick one such as ml.g5.xlarge, or set ' +
        'allowUnlistedInstanceType if it is newer than this library.',
      );
    }
    const instanceCount = props.instanceCount ?? 1;
    validateIntegerInRange('instanceCount', instanceCount, 1, 1000);
    this.instanceCount = instanceCount;
    const volumeSizeInGb = props.volumeSize ? toGibibytes(props.volumeSize) : undefined;
    if (props.volumeEncryptionKey && this.instanceType.hasLocalNvmeStorage) {
      throw new Error(
        `volumeEncryptionKey cannot be used with ${this.instanceType.name}: it has local NVMe storage, which SageMaker ` +
        'encrypts in hardware and for which it rejects a KMS key. Remove the key or pick an instance type without ' +
        'instance storage (e.g. ml.p3, ml.m5, ml.c5).',
      );
    }
    const modelDataDownloadTimeout = timeoutSeconds('modelDataDownloadTimeout', props.modelDataDownloadTimeout);
    const startupTimeout = timeoutSeconds('containerStartupHealthCheckTimeout', props.containerStartupHealthCheckTimeout);
    const entryPoint = props.entryPoint ?? 'inference.py';
    if (!/^[A-Za-z_][A-Za-z0-9_]*\.py$/.test(entryPoint)) {
      throw new Error(
        `entryPoint '${entryPoint}' must be the file name of a Python module under code/, e.g. 'inference.py' ` +
        '(no directories: the container imports it by module name).',
      );
    }
    // A local archive served as it is must hold code/<entryPoint> (read now, at synth).
    props.modelData._checkServedAsIs(entryPoint);
    const userEnvironment = props.environment ?? {};
    if (RESERVED_ENVIRONMENT in userEnvironment) {
      throw new Error(`Set the inference module with the entryPoint property, not the ${RESERVED_ENVIRONMENT} environment variable.`);
    }
    const variantName = props.variantName ?? 'AllTraffic';
    validateSageMakerName('variantName', variantName);
    this.variantName = variantName;
    validateMonitoringSwitches(props);
    validateGpuOptions(this.instanceType, props);

    const endpointName = props.endpointName ?? Names.uniqueResourceName(this, { maxLength: SAGEMAKER_MAX_NAME_LENGTH, separator: '-' });
    validateSageMakerName('endpointName', endpointName);

    this.role = props.role ?? this.createRole(endpointName, props.vpc !== undefined);

    const image = (props.image ?? ContainerImage.pytorchInference()).bind(this, { instanceType: this.instanceType, grantee: this.role });
    this.imageUri = image.imageUri;
    const modelData = props.modelData.bind(this, this.role);
    const network = bindModelNetwork(this, props, this.role);
    this.modelConnections = network?.connections;
    const dataCaptureConfig = props.dataCapture ? bindDataCapture(this, props.dataCapture, this.role) : undefined;
    if (props.volumeEncryptionKey) {
      grantVolumeKey(this.role, props.volumeEncryptionKey);
    }

    const environment = {
      // The serving toolkit imports this module from /opt/ml/model/code; when it is missing it silently serves
      // with its defaults, so it is always set.
      SAGEMAKER_PROGRAM: entryPoint,
      // Not read by the serving container, but set by the SageMaker SDK: kept for code that looks for it.
      SAGEMAKER_SUBMIT_DIRECTORY: '/opt/ml/model/code',
      SAGEMAKER_REGION: stack.region,
      SAGEMAKER_CONTAINER_LOG_LEVEL: '20',
      ...userEnvironment,
    };
    validateContainerEnvironment('environment', environment);

    this.model = new sagemaker.CfnModel(this, 'Model', {
      executionRoleArn: this.role.roleArn,
      enableNetworkIsolation: props.networkIsolation ?? false,
      vpcConfig: network?.vpcConfig,
      primaryContainer: {
        image: image.imageUri,
        modelDataUrl: modelData.modelDataUrl,
        modelDataSource: modelData.modelDataSource,
        environment,
      },
    });
    // CreateModel checks that the role can pull the image and read the artifacts: the policies must exist first.
    this.model.node.addDependency(this.role);

    this.endpointConfig = new sagemaker.CfnEndpointConfig(this, 'EndpointConfig', {
      kmsKeyId: props.volumeEncryptionKey?.keyArn,
      dataCaptureConfig,
      productionVariants: [{
        variantName,
        modelName: this.model.attrModelName,
        instanceType: this.instanceType.name,
        initialInstanceCount: instanceCount,
        initialVariantWeight: 1,
        volumeSizeInGb,
        modelDataDownloadTimeoutInSeconds: modelDataDownloadTimeout,
        containerStartupHealthCheckTimeoutInSeconds: startupTimeout,
      }],
    });

    if (this.instanceType.hasLocalNvmeStorage) {
      // The compliance packs ask every endpoint config for a KMS key, which SageMaker refuses on these instances.
      for (const pack of ['HIPAA.Security', 'NIST.800.53.R4', 'NIST.800.53.R5', 'PCI.DSS.321']) {
        Validations.of(this.endpointConfig).acknowledge({
          id: `${pack}-SageMakerEndpointConfigurationKMSKeyConfigured`,
          reason: `${this.instanceType.name} serves from local NVMe instance storage, encrypted by the hardware; ` +
            'SageMaker rejects a KMS key for it (CreateEndpointConfig KmsKeyId).',
        });
      }
    }

    this.endpoint = new sagemaker.CfnEndpoint(this, 'Endpoint', {
      endpointName,
      endpointConfigName: this.endpointConfig.attrEndpointConfigName,
      // With autoscaling, a new endpoint config (a new model, a changed option) must not reset the instance count
      // autoscaling reached to InitialInstanceCount: that would drop capacity under load. Weights still follow the
      // config (always 1 for the single variant).
      retainAllVariantProperties: props.autoScaling ? true : undefined,
      excludeRetainedVariantProperties: props.autoScaling ? [{ variantPropertyType: 'DesiredWeight' }] : undefined,
    });
    this.endpointName = this.endpoint.attrEndpointName;
    // Ref of AWS::SageMaker::Endpoint is its ARN (SageMaker lower-cases the name inside it).
    this.endpointArn = this.endpoint.ref;
    this.metrics = new EndpointMetrics(this.endpointName, variantName);

    if (props.autoScaling) {
      this.autoScaling = new VariantAutoScaling(this, 'AutoScaling', {
        ...props.autoScaling,
        endpointName: this.endpointName,
        variantName,
        initialInstanceCount: instanceCount,
        endpoint: this.endpoint,
      });
    }
    this.alarmTopic = props.alarmTopic;
    if (props.enableAlarms ?? true) {
      this.alarms = new EndpointAlarms(this, 'Alarms', {
        ...props.alarms,
        endpointName: this.endpointName,
        variantName,
        alarmTopic: props.alarmTopic,
      });
    }
    if (props.enableDashboard ?? true) {
      this.dashboard = new EndpointDashboard(this, 'Dashboard', {
        ...props.dashboard,
        endpointName: this.endpointName,
        variantName,
        alarms: this.alarms?.alarms,
      });
      this.dashboardUrl = this.dashboard.dashboardUrl;
    }
  }

  /**
   * The security groups of the model's containers, to allow traffic to other resources of the VPC
   * (`endpoint.connections.allowTo(database, ec2.Port.tcp(5432))`). Only for an endpoint with a `vpc`.
   */
  public get connections(): ec2.Connections {
    if (!this.modelConnections) {
      throw new Error(`${this.node.path}: only an endpoint whose model is in a VPC has security groups: set vpc.`);
    }
    return this.modelConnections;
  }

  /** Grants `sagemaker:InvokeEndpoint` on this endpoint, and nothing else. */
  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: ['sagemaker:InvokeEndpoint'], resourceArns: [this.endpointArn] });
  }

  /**
   * Any invocation metric of this endpoint's variant, in the `AWS/SageMaker` namespace.
   *
   * @default - statistic Average, period 5 minutes
   */
  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metric(metricName, props);
  }

  /**
   * Any instance metric of this endpoint's variant, in the `/aws/sagemaker/Endpoints` namespace.
   *
   * @default - statistic Average, period 5 minutes
   */
  public instanceMetric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.instanceMetric(metricName, props);
  }

  /**
   * The number of `InvokeEndpoint` requests.
   *
   * @default - statistic Sum, period 5 minutes
   */
  public metricInvocations(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricInvocations(props);
  }

  /**
   * The requests answered with a 4xx status (`Average` is the 4xx rate).
   *
   * @default - statistic Sum, period 5 minutes
   */
  public metricInvocation4XXErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricInvocation4XXErrors(props);
  }

  /**
   * The requests answered with a 5xx status (`Average` is the 5xx rate).
   *
   * @default - statistic Sum, period 5 minutes
   */
  public metricInvocation5XXErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricInvocation5XXErrors(props);
  }

  /**
   * The requests per instance: the metric target tracking on invocations scales on.
   *
   * @default - statistic Sum, period 5 minutes
   */
  public metricInvocationsPerInstance(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricInvocationsPerInstance(props);
  }

  /**
   * The model's latency, in microseconds (percentiles such as `p90` are valid statistics).
   *
   * @default - statistic Average, period 5 minutes
   */
  public metricModelLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricModelLatency(props);
  }

  /**
   * The latency SageMaker adds on top of the model's, in microseconds.
   *
   * @default - statistic Average, period 5 minutes
   */
  public metricOverheadLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricOverheadLatency(props);
  }

  /**
   * GPU utilization of an instance, in percent summed over its GPUs.
   *
   * @default - statistic Average, period 5 minutes
   */
  public metricGpuUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricGpuUtilization(props);
  }

  /**
   * GPU memory used on an instance, in percent summed over its GPUs.
   *
   * @default - statistic Average, period 5 minutes
   */
  public metricGpuMemoryUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricGpuMemoryUtilization(props);
  }

  /**
   * CPU utilization of an instance, in percent summed over its vCPUs.
   *
   * @default - statistic Average, period 5 minutes
   */
  public metricCpuUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricCpuUtilization(props);
  }

  /**
   * Memory used on an instance, in percent.
   *
   * @default - statistic Average, period 5 minutes
   */
  public metricMemoryUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricMemoryUtilization(props);
  }

  /**
   * Disk space used on an instance, in percent.
   *
   * @default - statistic Average, period 5 minutes
   */
  public metricDiskUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricDiskUtilization(props);
  }

  /** The execution role: the image and model data add their own grants at bind time; logs are granted here. */
  private createRole(endpointName: string, inVpc: boolean): iam.IRole {
    const role = new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: 'SageMaker execution role of a PyTorch real-time endpoint: pulls its image, reads its model, writes its logs',
    });
    // The log group SageMaker writes the endpoint's container logs to. The name is known at synth time, so the
    // policy does not depend on the endpoint (which itself waits for this role).
    const logGroupArn = Stack.of(this).formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: `/aws/sagemaker/Endpoints/${endpointName}`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogGroup'], resources: [logGroupArn] }));
    const logStreamsArn = `${logGroupArn}:log-stream:*`;
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
      resources: [logStreamsArn],
    }));
    acknowledgeWildcardResource(role, logStreamsArn,
      'SageMaker names a log stream per instance and container at run time; the wildcard stays inside this endpoint\'s log group.');
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Only actions without a resource type use "*": ecr:GetAuthorizationToken (the ECR API accepts only "*")' +
        (inVpc ? ' and the EC2 Describe actions SageMaker needs to attach the model to the VPC (DescribeVpcs, ' +
          'DescribeSubnets, DescribeSecurityGroups, DescribeNetworkInterfaces, DescribeDhcpOptions)' : '') +
        '; every other statement names its resource.',
    });
    // The compliance packs count CDK's role policy (AWS::IAM::Policy) as an inline policy.
    for (const pack of ['HIPAA.Security', 'NIST.800.53.R4', 'NIST.800.53.R5', 'PCI.DSS.321']) {
      Validations.of(role).acknowledge({
        id: `${pack}-IAMNoInlinePolicy`,
        reason: 'The rule guards against permissions scattered over identities and hard to review centrally. This role ' +
          'serves one endpoint only and its policy names exactly that endpoint\'s image, model data, logs and options, ' +
          'so it is created, reviewed and deleted with the endpoint; a managed policy would only be a second, ' +
          'attachable copy of the same permissions.',
      });
    }
    return role;
  }
}

/**
 * Lets the execution role use the volume key. `kms:CreateGrant` is limited to grants for AWS resources (the
 * instance volumes SageMaker attaches), so the role cannot hand the key to anyone else.
 */
function grantVolumeKey(role: iam.IRole, key: kms.IKey): void {
  iam.Grant.addToPrincipal({ grantee: role, actions: ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKey'], resourceArns: [key.keyArn] });
  iam.Grant.addToPrincipal({
    grantee: role,
    actions: ['kms:CreateGrant'],
    resourceArns: [key.keyArn],
    conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
  });
}

/**
 * GPU metrics exist only for instances with GPUs: on a CPU instance a GPU alarm would never fire and a GPU scaling
 * target would never scale, silently.
 */
function validateGpuOptions(instanceType: InstanceType, props: RealtimeEndpointOptions): void {
  if (instanceType.hasGpu) {
    return;
  }
  if (props.autoScaling?.gpuUtilizationTarget !== undefined) {
    throw new Error(`autoScaling.gpuUtilizationTarget needs a GPU instance, but ${instanceType.name} has none: SageMaker ` +
      'publishes no GPUUtilization for it, so the policy would never scale. Use invocationsPerInstanceTarget.');
  }
  if (props.alarms?.gpuMemory?.enabled) {
    throw new Error(`alarms.gpuMemory needs a GPU instance, but ${instanceType.name} has none: the alarm would never ` +
      'fire. Remove it.');
  }
}

/** The switches that turn monitoring off must not contradict the options that configure it. */
function validateMonitoringSwitches(props: RealtimeEndpointOptions): void {
  if (props.enableAlarms === false && (props.alarms || props.alarmTopic)) {
    throw new Error('enableAlarms is false, yet alarms or alarmTopic is set: remove them, or set enableAlarms to true.');
  }
  if (props.enableDashboard === false && props.dashboard) {
    throw new Error('enableDashboard is false, yet dashboard options are set: remove them, or set enableDashboard to true.');
  }
}

/** A duration as whole seconds in SageMaker's 60-3600 s range for endpoint timeouts. */
function timeoutSeconds(what: string, duration: Duration | undefined): number | undefined {
  if (!duration) {
    return undefined;
  }
  const seconds = duration.toSeconds();
  validateIntegerInRange(what, seconds, 60, 3600, 'seconds');
  return seconds;
}

/** A volume size as whole GiB in SageMaker's 1-512 range. */
function toGibibytes(size: Size): number {
  const mebibytes = size.toMebibytes();
  if (mebibytes % 1024 !== 0) {
    throw new Error(`volumeSize must be a whole number of GiB from 1 to 512, got ${mebibytes} MiB.`);
  }
  const gibibytes = mebibytes / 1024;
  validateIntegerInRange('volumeSize', gibibytes, 1, 512, 'GiB');
  return gibibytes;
}
