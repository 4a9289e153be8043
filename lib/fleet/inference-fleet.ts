import { Duration, Names, Resource, Size, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as sns from 'aws-cdk-lib/aws-sns';
import { aws_sagemaker as sagemakerRefs } from 'aws-cdk-lib/interfaces';
import { Construct } from 'constructs';
import { ContainerImage } from '../core/container-image';
import { InstanceType } from '../core/instance-type';
import { SAGEMAKER_MAX_NAME_LENGTH } from '../common/sagemaker-names';
import { validateSageMakerName } from '../common/validation';
import { renderEndpointConfig } from '../hosting/endpoint-config';
import { renderEndpoint } from '../hosting/endpoint-resource';
import { volumeSizeInGibibytes } from '../hosting/endpoint-settings';
import { createExecutionRole, endpointLogGroups } from '../hosting/execution-role';
import { HOSTING_INSTANCE_TYPES } from '../hosting/hosting-instance-types';
import { instanceCapacity } from '../hosting/instance-capacity';
import { bindModelNetwork } from '../hosting/model-network';
import { EndpointMetrics } from '../hosting/monitoring/endpoint-metrics';
import { renderScaleToZeroVariant, VariantSettings } from '../hosting/production-variant';
import { fleetError } from './fleet-error';
import { FleetModel, FleetModelOptions } from './fleet-model';
import { instancesNeeded, InstanceRange, resolveInstanceRange } from './fleet-rules';

/** Properties of an {@link InferenceFleet}. Every one of them is the fleet's: changing one updates every model's instances. */
export interface InferenceFleetProps {
  /**
   * The instance type every model of the fleet runs on (models have no instance type of their own: an endpoint's
   * variant has one).
   *
   * @default InstanceType.ML_G5_XLARGE
   */
  readonly instanceType?: InstanceType;

  /**
   * Accept an instance type missing from the library's list of SageMaker hosting types (a type newer than the
   * library). Per-copy requirements must then be set on every model.
   *
   * @default false
   */
  readonly allowUnlistedInstanceType?: boolean;

  /**
   * The most instances managed instance scaling may start (`ManagedInstanceScaling.MaxInstanceCount`). The models'
   * minimum and initial copies must fit on this many instances (checked at synth time). Never derived from the
   * models: adding a model must not change the endpoint config (which would update the whole fleet).
   *
   * @default 1
   */
  readonly maxInstanceCount?: number;

  /**
   * The fewest instances (`ManagedInstanceScaling.MinInstanceCount`). 0 lets the fleet run no instance once every
   * model is at zero copies.
   *
   * @default 0
   */
  readonly minInstanceCount?: number;

  /**
   * The instances the endpoint starts with (`InitialInstanceCount`, at least 1 by the API): managed instance scaling
   * then keeps the instances the copies need.
   *
   * @default 1
   */
  readonly initialInstanceCount?: number;

  /**
   * The endpoint's name. Must be known at synth time (the models' component names, alarms and grants use it).
   *
   * @default - a name unique in the app, derived from the construct path
   */
  readonly endpointName?: string;

  /**
   * The execution role of the endpoint and of every model (the endpoint config's `ExecutionRoleArn`: SageMaker places
   * the models' copies with it). Each model grants it its image and model data.
   *
   * @default - a role created for the fleet, writing only the endpoint's and its components' log groups
   */
  readonly role?: iam.IRole;

  /**
   * The serving image of the models that do not set their own.
   *
   * @default ContainerImage.pytorchInference() (the PyTorch 2.6.0 inference container, GPU or CPU by the instance type)
   */
  readonly image?: ContainerImage;

  /**
   * The size of each instance's ML storage volume, whole GiB from 1 to 512.
   *
   * @default - SageMaker's default for the instance type
   */
  readonly volumeSize?: Size;

  /**
   * A KMS key for the instances' ML storage volumes (not on instance types with local NVMe storage).
   *
   * @default - AWS-managed encryption
   */
  readonly volumeEncryptionKey?: kms.IKey;

  /**
   * Run every model's container without network access (the endpoint config's `EnableNetworkIsolation`, which "applies
   * to all model containers deployed to the endpoint").
   *
   * @default false
   */
  readonly enableNetworkIsolation?: boolean;

  /**
   * A VPC to attach every model's containers to (the endpoint config's `VpcConfig`).
   *
   * @default - no VPC
   */
  readonly vpc?: ec2.IVpc;

  /**
   * Subnets of `vpc` (private).
   *
   * @default - the VPC's private subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * Security groups of the containers, with `vpc`.
   *
   * @default - one created for the fleet: HTTPS out only
   */
  readonly securityGroups?: ec2.ISecurityGroup[];

  /**
   * Create each model's alarms (5xx rate; copies asked for but not placed).
   *
   * @default true
   */
  readonly enableAlarms?: boolean;

  /**
   * The topic every alarm of the fleet notifies (ALARM and OK).
   *
   * @default - no notification
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * Create a CloudWatch dashboard: the fleet's instances, then one row per model.
   *
   * @default true
   */
  readonly enableDashboard?: boolean;

  /**
   * The dashboard's name.
   *
   * @default - generated by CloudFormation
   */
  readonly dashboardName?: string;

  /**
   * Publish each model's current and desired copy counts every minute (`CopyCountPublisher`, about US$1.10 a month
   * per model): the "copies not placed" alarm and the copies graph need them.
   *
   * @default true
   */
  readonly copyCountMetrics?: boolean;
}

const VARIANT_NAME = 'AllTraffic';
const PERIOD = Duration.minutes(1);

/**
 * Several models on one SageMaker real-time endpoint, each an inference component with its own copies, compute per
 * copy, scaling to and from zero, rolling updates, alarms and grants; the fleet's instances (one GPU instance type)
 * started and released by managed instance scaling, down to zero when every model is at zero copies.
 *
 * ```ts fixture=with-stack
 * const fleet = new InferenceFleet(stack, 'Fleet', { instanceType: InstanceType.ML_G5_12XLARGE, maxInstanceCount: 2 });
 * const classifier = fleet.addModel('Classifier', {
 *   model: ModelData.fromAsset('classifier.tar.gz'),
 *   inferenceCode: InferenceCode.fromDirectory('src/classifier'),
 *   maxCopyCount: 2,
 * });
 * classifier.grantInvoke(myFunction);
 * ```
 *
 * The endpoint config holds no model (its variant has no `ModelName`): each model is its own `AWS::SageMaker::Model`
 * and `AWS::SageMaker::InferenceComponent`, so adding, removing or updating one model changes only that model's
 * resources and the others keep serving. It is an aws-cdk-lib `sagemaker.IEndpoint` (`grantInvoke` covers every model).
 */
export class InferenceFleet extends Resource implements sagemaker.IEndpoint {
  /** The endpoint name, for `InvokeEndpoint` (with an inference component name). */
  public readonly endpointName: string;
  /** The endpoint ARN. */
  public readonly endpointArn: string;
  /** The endpoint. */
  public readonly endpoint: sagemaker.CfnEndpoint;
  /** The endpoint configuration: the variant, with managed instance scaling, and no model. */
  public readonly endpointConfig: sagemaker.CfnEndpointConfig;
  /** The execution role of the endpoint and its models. */
  public readonly role: iam.IRole;
  /** The instance type of every model. */
  public readonly instanceType: InstanceType;
  /** The variant's name (metrics: `EndpointName`, `VariantName`). */
  public readonly variantName: string;
  /** The instance range managed instance scaling keeps. */
  public readonly maxInstanceCount: number;
  /** The fewest instances. */
  public readonly minInstanceCount: number;
  /** The instance metrics of the fleet (`/aws/sagemaker/Endpoints`). */
  public readonly metrics: EndpointMetrics;
  /**
   * The fleet's dashboard.
   *
   * @default - undefined when `enableDashboard` is false
   */
  public readonly dashboard?: cloudwatch.Dashboard;
  /**
   * The console URL of the dashboard.
   *
   * @default - undefined when `enableDashboard` is false
   */
  public readonly dashboardUrl?: string;

  /** @internal */
  public readonly _literalEndpointName: string;
  /** @internal */
  public readonly _defaultImage?: ContainerImage;
  /** @internal */
  public readonly _networkIsolation: boolean;
  /** @internal */
  public readonly _vpcConfig?: sagemaker.CfnModel.VpcConfigProperty;
  /** @internal */
  public readonly _createdRole: boolean;
  /** @internal */
  public readonly _alarmsEnabled: boolean;
  /** @internal */
  public readonly _alarmTopic?: sns.ITopic;
  /** @internal */
  public readonly _copyCountMetrics: boolean;

  private readonly fleetModels: FleetModel[] = [];
  private readonly invokeGrantees: iam.IGrantable[] = [];
  private readonly instances: InstanceRange;

  constructor(scope: Construct, id: string, props: InferenceFleetProps = {}) {
    super(scope, id);
    const fail = (message: string): never => fleetError(this, message);
    this.instanceType = props.instanceType ?? InstanceType.ML_G5_XLARGE;
    if (!props.allowUnlistedInstanceType && !HOSTING_INSTANCE_TYPES.includes(this.instanceType.name)) {
      fail(`instance type ${this.instanceType.name} is not a SageMaker real-time hosting instance type (CreateEndpointConfig's ` +
        'ProductionVariantInstanceType list). Pick one such as ml.g5.xlarge, or set allowUnlistedInstanceType if it is newer than this library.');
    }
    this.instances = resolveInstanceRange(props, fail);
    this.maxInstanceCount = this.instances.maxInstanceCount;
    this.minInstanceCount = this.instances.minInstanceCount;
    this.variantName = VARIANT_NAME;
    const endpointName = props.endpointName ?? Names.uniqueResourceName(this, { maxLength: SAGEMAKER_MAX_NAME_LENGTH, separator: '-' });
    validateSageMakerName('endpointName', endpointName, undefined, this);
    if (Stack.of(this).resolve(endpointName) !== endpointName) {
      fail('endpointName must be a literal: the models\' component names, alarms and grants use it at synth time.');
    }
    this._literalEndpointName = endpointName;
    if (props.enableAlarms === false && props.alarmTopic) fail('enableAlarms is false, yet alarmTopic is set: remove it, or enable the alarms.');
    if (props.enableDashboard === false && props.dashboardName) fail('enableDashboard is false, yet dashboardName is set: remove it, or enable the dashboard.');
    if (props.volumeEncryptionKey && this.instanceType.hasLocalNvmeStorage) {
      fail(`volumeEncryptionKey cannot be used with ${this.instanceType.name}: it has local NVMe storage, which SageMaker encrypts in ` +
        'hardware and for which it rejects a KMS key. Remove the key or pick an instance type without instance storage.');
    }
    // The endpoint's rule and message: a size that is not whole GiB used to fail in aws-cdk-lib's Size, unnamed.
    const volumeSizeInGb = props.volumeSize ? volumeSizeInGibibytes(this, props.volumeSize) : undefined;
    this._defaultImage = props.image;
    this._networkIsolation = props.enableNetworkIsolation ?? false;
    this._alarmsEnabled = props.enableAlarms ?? true;
    this._alarmTopic = props.alarmTopic;
    this._copyCountMetrics = props.copyCountMetrics ?? true;

    this._createdRole = props.role === undefined;
    this.role = props.role ?? createExecutionRole(this, endpointLogGroups(endpointName), props.vpc !== undefined);
    const network = bindModelNetwork(this, props, this.role);
    this._vpcConfig = network?.vpcConfig;

    const variant: VariantSettings = {
      variantName: this.variantName,
      instanceType: this.instanceType,
      instanceCount: this.instances.initialInstanceCount,
      volumeSizeInGb,
    };
    // For an endpoint that hosts inference components SageMaker reads the role, the VPC and the isolation from the
    // endpoint config; the variant has no model of its own.
    this.endpointConfig = renderEndpointConfig(this, { volumeEncryptionKey: props.volumeEncryptionKey }, variant, this.role, undefined, {
      productionVariant: renderScaleToZeroVariant(variant, this.instances.maxInstanceCount, this.instances.minInstanceCount),
      executionRoleArn: this.role.roleArn,
      vpcConfig: network?.vpcConfig as sagemaker.CfnEndpointConfig.VpcConfigProperty | undefined,
      enableNetworkIsolation: this._networkIsolation ? true : undefined,
    });
    this.endpoint = renderEndpoint(this, { endpointName, endpointConfig: this.endpointConfig, autoScaled: false });
    // The endpoint config names the role SageMaker places copies with: its policy must exist first.
    this.endpoint.node.addDependency(this.role);
    this.endpointName = this.endpoint.attrEndpointName;
    // Ref of AWS::SageMaker::Endpoint is its ARN.
    this.endpointArn = this.endpoint.ref;
    this.metrics = new EndpointMetrics(endpointName, this.variantName);

    if (props.enableDashboard ?? true) {
      this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { dashboardName: props.dashboardName, defaultInterval: Duration.hours(3) });
      this.dashboardUrl = `https://console.aws.amazon.com/cloudwatch/home?region=${Stack.of(this).region}#dashboards:name=${this.dashboard.dashboardName}`;
      this.addFleetRow(this.dashboard);
    }
  }

  /** The endpoint as aws-cdk-lib's generated reference interfaces see it. */
  public get endpointRef(): sagemakerRefs.EndpointReference {
    return { endpointArn: this.endpointArn };
  }

  /** The models added to the fleet, in the order they were added. */
  public get models(): FleetModel[] {
    return [...this.fleetModels];
  }

  /** Adds a model to the fleet: its own inference component, copies, scaling, alarms and grants. */
  public addModel(id: string, options: FleetModelOptions): FleetModel {
    return new FleetModel(this, id, { ...options, fleet: this });
  }

  /**
   * Grants `sagemaker:InvokeEndpoint` on the endpoint and every model's inference component, those added later
   * included. To let a principal call one model only, use that model's `grantInvoke`.
   */
  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    this.invokeGrantees.push(grantee);
    const grant = iam.Grant.addToPrincipal({ grantee, actions: ['sagemaker:InvokeEndpoint'], resourceArns: [this.endpointArn] });
    for (const model of this.fleetModels) model.grantInvoke(grantee);
    return grant;
  }

  /**
   * Any instance metric of the fleet (`/aws/sagemaker/Endpoints`, `EndpointName` and `VariantName`): CPUUtilization,
   * MemoryUtilization, GPUUtilization, GPUMemoryUtilization, DiskUtilization.
   *
   * @default - statistic Average, period 5 minutes
   */
  public metricInstance(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.instanceMetric(metricName, props);
  }

  /**
   * The instances running, counted as the number of `CPUUtilization` samples per minute (each instance publishes one
   * a minute; no data while the fleet runs no instance): the technique of AWS's observability sample
   * (aws-samples/sagemaker-genai-hosting-examples, `endpoint_metrics_helper.py`). SageMaker publishes no instance count.
   *
   * @default - statistic SampleCount, period 1 minute
   */
  public metricInstanceCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.instanceMetric('CPUUtilization', { period: PERIOD, ...props, statistic: props?.statistic ?? cloudwatch.Stats.SAMPLE_COUNT });
  }

  /**
   * Registers a model: checks that its component name is unique (in the fleet and among the stack's fleets) and that
   * the models' minimum and initial copies fit on `maxInstanceCount` instances; chains its component after the
   * previous model's; grants the fleet-wide grantees. @internal
   */
  public _register(model: FleetModel): FleetModel | undefined {
    const fail = (message: string): never => fleetError(model, message);
    for (const fleet of Stack.of(this).node.findAll().filter((c): c is InferenceFleet => c instanceof InferenceFleet)) {
      const clash = fleet.fleetModels.find((m) => m.inferenceComponentName.toLowerCase() === model.inferenceComponentName.toLowerCase());
      if (clash) {
        fail(`inference component name '${model.inferenceComponentName}' is already used by ${clash.node.path}: component names ` +
          'are unique in the account and region (CreateInferenceComponent "a unique name"; IAM and metrics may see them in ' +
          'lower case). Give one model another inferenceComponentName or id.');
      }
    }
    const all = [...this.fleetModels, model];
    this.checkPlacement(all, 'minCopyCount', fail);
    this.checkPlacement(all, 'initialCopyCount', fail);
    const previous = this.fleetModels[this.fleetModels.length - 1];
    this.fleetModels.push(model);
    for (const grantee of this.invokeGrantees) model.grantInvoke(grantee);
    return previous;
  }

  /** @internal */
  public _addModelRow(widgets: cloudwatch.IWidget[]): void {
    this.dashboard?.addWidgets(...widgets);
  }

  /**
   * The copies every model keeps (or starts with) must fit on `maxInstanceCount` instances, or SageMaker could never
   * place them: the component would not become InService (or its minimum would never be met).
   */
  private checkPlacement(models: FleetModel[], which: 'minCopyCount' | 'initialCopyCount', fail: (message: string) => never): void {
    const capacity = instanceCapacity(this.instanceType.name);
    if (!capacity) return;
    const copies = models.map((m) => ({ model: m.node.id, count: m._copies[which], requirements: m._requirements }));
    const needed = instancesNeeded(copies, capacity, this.maxInstanceCount);
    if (needed === undefined) {
      const listed = copies.filter((c) => c.count > 0).map((c) => `${c.model}: ${c.count} x (${c.requirements.acceleratorsPerCopy ?? 0} ` +
        `accelerators, ${c.requirements.cpuCoresPerCopy} CPU cores, ${c.requirements.memoryPerCopyInMb} MiB)`).join('; ');
      fail(`the models' ${which === 'minCopyCount' ? 'minimum' : 'initial'} copies do not fit on maxInstanceCount ` +
        `(${this.maxInstanceCount}) ${this.instanceType.name} instances (${capacity.gpus} GPUs, ${capacity.vcpus} vCPUs, ` +
        `${capacity.memoryGib} GiB each; a copy runs whole on one instance): ${listed}. Raise the fleet's maxInstanceCount, ` +
        `lower ${which}${which === 'initialCopyCount' ? ' (0 starts a model cold)' : ''}, or lower the per-copy requirements.`);
    }
  }

  private addFleetRow(dashboard: cloudwatch.Dashboard): void {
    dashboard.addWidgets(new cloudwatch.TextWidget({
      markdown: `# Inference fleet ${this._literalEndpointName} (${this.instanceType.name}, 0-${this.maxInstanceCount} instances)\n` +
        'The fleet\'s instances, then one row per model. No instance runs while every model is at zero copies.',
      width: 24,
      height: 2,
    }));
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Instances running',
        width: 8,
        left: [this.metricInstanceCount({ label: 'Instances (CPUUtilization samples per minute)' })],
        leftYAxis: { min: 0 },
      }),
      new cloudwatch.GraphWidget({
        title: 'GPU and GPU memory utilization (%, summed over GPUs)',
        width: 8,
        left: [this.metrics.metricGpuUtilization({ period: PERIOD }), this.metrics.metricGpuMemoryUtilization({ period: PERIOD })],
      }),
      new cloudwatch.GraphWidget({
        title: 'CPU, memory and disk utilization (%)',
        width: 8,
        left: [this.metrics.metricCpuUtilization({ period: PERIOD }), this.metrics.metricMemoryUtilization({ period: PERIOD }),
          this.metrics.metricDiskUtilization({ period: PERIOD })],
      }),
    );
  }
}
