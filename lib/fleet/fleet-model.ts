import { Aws, CustomResource, Duration, Resource, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { aws_sagemaker as sagemakerRefs } from 'aws-cdk-lib/interfaces';
import { Construct } from 'constructs';
import { ContainerImage } from '../core/container-image';
import { ModelData } from '../core/model-data';
import { keepCopyCountAcrossUpdates } from '../hosting/copy-count-at-deploy';
import { CopyRequirementOptions } from '../hosting/copy-requirement-options';
import { CopyRequirements, copyTakesOneGpu, resolveCopyRequirements } from '../hosting/copy-requirements';
import { DeploymentGuardrails } from '../hosting/deployment/deployment-guardrails';
import { renderComponentDeploymentConfig } from '../hosting/deployment/render-component-deployment-config';
import { renderModel } from '../hosting/endpoint-model';
import { resolveEndpointSettings } from '../hosting/endpoint-settings';
import { endpointLogGroups, grantLogGroups } from '../hosting/execution-role';
import { inferenceComponentArns, renderComponent } from '../hosting/inference-component';
import { CopyCountPublisher } from '../hosting/monitoring/copy-count-publisher';
import { createInferenceComponentAlarms, inferenceComponentWidgets } from '../hosting/monitoring/inference-component-monitoring';
import { InferenceComponentMetrics } from '../hosting/monitoring/scale-to-zero-metrics';
import { InferenceComponentAutoScaling } from '../hosting/scaling/inference-component-scaling';
import { InferenceCode, InferenceCodeInjection, InferenceCodeInjectionOptions } from '../packaging';
import { bindServedModel, checkServedModelSource } from '../served-model';
import { TrainingJob, TrainingJobProps } from '../training';
import { fleetError } from './fleet-error';
import { checkComponentName, CopyRange, defaultComponentName, resolveCopyRange } from './fleet-rules';
import type { InferenceFleet } from './inference-fleet';

/** A model added to an {@link InferenceFleet}: everything but the fleet. Every option changes only this model. */
export interface FleetModelOptions extends CopyRequirementOptions {
  /**
   * A model artifact you already have: a `model.tar.gz` or an uncompressed S3 prefix (`ModelData.fromS3Prefix`).
   * Give exactly one of `model` and `training`.
   *
   * @default - none: `training` produces the model
   */
  readonly model?: ModelData;

  /**
   * Train the model during `cdk deploy` (a SageMaker training job of this library). Give exactly one of `model` and
   * `training`.
   *
   * @default - none: `model` is served
   */
  readonly training?: TrainingJobProps;

  /**
   * Inference code to place under `code/` in the model artifact, by the library's code injection (the original is
   * never modified).
   *
   * @default - the artifact is served as it is: it must already contain `code/inference.py`
   */
  readonly inferenceCode?: InferenceCode;

  /**
   * How the inference code is injected. Only with `inferenceCode`.
   *
   * @default - `InjectionStrategy.AUTO` into a bucket created for it
   */
  readonly codeInjection?: InferenceCodeInjectionOptions;

  /**
   * This model's serving image.
   *
   * @default - the fleet's `image`, else the PyTorch 2.6.0 inference container
   */
  readonly image?: ContainerImage;

  /**
   * The module under `code/` that holds `model_fn` and the handlers.
   *
   * @default 'inference.py'
   */
  readonly entryPoint?: string;

  /**
   * Environment variables of this model's container (on top of the library's serving variables).
   *
   * @default - the serving variables only
   */
  readonly environment?: { [key: string]: string };

  /**
   * The inference component's name (`InvokeEndpoint` `InferenceComponentName`): letters, digits and hyphens, at most
   * 63 characters, unique in the account and region. Changing it replaces the component (remove + add).
   *
   * @default - `<endpoint name>-<id>`, in lower case
   */
  readonly inferenceComponentName?: string;

  /**
   * The fewest copies Application Auto Scaling keeps. 0 lets this model scale to zero on its own (the fleet's
   * instances go when every model is at zero).
   *
   * @default 0
   */
  readonly minCopyCount?: number;

  /**
   * The copies the component is created with (`RuntimeConfig.CopyCount`). 0 creates it cold. Afterwards Application
   * Auto Scaling owns the count, and a stack update keeps it.
   *
   * @default - 1, or minCopyCount when higher
   */
  readonly initialCopyCount?: number;

  /**
   * The most copies. Copies that do not fit on the running instances make managed instance scaling start more, up to
   * the fleet's `maxInstanceCount`.
   *
   * @default - 1, or minCopyCount when higher
   */
  readonly maxCopyCount?: number;

  /**
   * Target of `SageMakerInferenceComponentInvocationsPerCopy`: requests per minute each copy should serve.
   *
   * @default 60
   */
  readonly invocationsPerCopyTarget?: number;

  /**
   * How a new version of this model reaches its copies: `DeploymentGuardrails.rolling(...)` renders the component's
   * `DeploymentConfig` (batches of copies, automatic rollback on this model's alarms). Only this model's copies are
   * updated.
   *
   * @default - SageMaker's default for inference components
   */
  readonly deployment?: DeploymentGuardrails;

  /**
   * How long SageMaker may take to download this model (`StartupParameters`), 60 s to 1 h.
   *
   * @default - SageMaker's default
   */
  readonly modelDataDownloadTimeout?: Duration;

  /**
   * How long this model's container may take to pass its first health check (`StartupParameters`), 60 s to 1 h.
   *
   * @default - SageMaker's default
   */
  readonly containerStartupHealthCheckTimeout?: Duration;
}

/** Properties of a {@link FleetModel}. */
export interface FleetModelProps extends FleetModelOptions {
  /** The fleet the model runs on. */
  readonly fleet: InferenceFleet;
}

/**
 * One model on an {@link InferenceFleet}: an `AWS::SageMaker::Model` and an `AWS::SageMaker::InferenceComponent` with
 * its copies' compute, its own scaling to and from zero (target tracking on invocations per copy, a
 * `NoCapacityInvocationFailures` step policy out of zero), its alarms, dashboard row and grants.
 *
 * It is an aws-cdk-lib `sagemaker.IEndpoint` for callers of this one model: `endpointName` and `endpointArn` are the
 * fleet's, `grantInvoke` is scoped to this model's component, so `new apigateway.SagemakerIntegration(model, ...)`
 * gets a role that can call this model only (send `X-Amzn-SageMaker-Inference-Component`).
 */
export class FleetModel extends Resource implements sagemaker.IEndpoint {
  /** The fleet. */
  public readonly fleet: InferenceFleet;
  /** The fleet's endpoint name. */
  public readonly endpointName: string;
  /** The fleet's endpoint ARN. */
  public readonly endpointArn: string;
  /** The inference component's name (`InvokeEndpoint` `InferenceComponentName`). */
  public readonly inferenceComponentName: string;
  /** The inference component. */
  public readonly inferenceComponent: sagemaker.CfnInferenceComponent;
  /** The SageMaker model of the component. */
  public readonly model: sagemaker.CfnModel;
  /** The URI of the serving image. */
  public readonly imageUri: string;
  /** The model data served (the injected copy when `inferenceCode` is given). */
  public readonly servedModelData: ModelData;
  /**
   * The training job, with `training`.
   *
   * @default - undefined without `training`
   */
  public readonly trainingJob?: TrainingJob;
  /**
   * The code injection, with `inferenceCode`.
   *
   * @default - undefined without `inferenceCode`
   */
  public readonly codeInjection?: InferenceCodeInjection;
  /** The copy-count scaling (min..max copies, to and from zero). */
  public readonly scaling: InferenceComponentAutoScaling;
  /** The component's metrics. */
  public readonly metrics: InferenceComponentMetrics;
  /** The model's alarms (empty when the fleet's alarms are off). */
  public readonly alarms: cloudwatch.Alarm[];
  /**
   * The function publishing the copy counts.
   *
   * @default - undefined with the fleet's `copyCountMetrics: false`
   */
  public readonly copyCountPublisher?: CopyCountPublisher;
  /** The custom resource that keeps the copy count across stack updates. */
  public readonly copyCountAtDeploy: CustomResource;

  /** @internal */
  public readonly _requirements: CopyRequirements;
  /** @internal */
  public readonly _copies: CopyRange;

  constructor(scope: Construct, id: string, props: FleetModelProps) {
    super(scope, id);
    const fail = (message: string): never => fleetError(this, message);
    const fleet = props.fleet;
    if ((props as { instanceType?: unknown }).instanceType !== undefined) {
      fail(`models on a fleet share its instance type (${fleet.instanceType.name}): an endpoint's variant has one type. ` +
        'Remove instanceType from the model, or put the model on a fleet of that type.');
    }
    checkServedModelSource(props, fleet._networkIsolation ? { on: 'network isolation', off: 'network isolation' } : undefined, fail);
    this.fleet = fleet;
    this.endpointName = fleet.endpointName;
    this.endpointArn = fleet.endpointArn;
    this.inferenceComponentName = props.inferenceComponentName ?? defaultComponentName(fleet._literalEndpointName, id);
    checkComponentName(this.inferenceComponentName, fail);
    for (const [name, value] of Object.entries({ minCopyCount: props.minCopyCount, initialCopyCount: props.initialCopyCount, maxCopyCount: props.maxCopyCount })) {
      if (value !== undefined && Token.isUnresolved(value)) fail(`${name} must be a literal: the placement of the copies is checked at synth time.`);
    }
    this._copies = resolveCopyRange(props, fail);
    this._requirements = resolveCopyRequirements('', fleet.instanceType, props, copyTakesOneGpu(fail), fail);
    const invocationsPerCopyTarget = props.invocationsPerCopyTarget ?? 60;
    if (!Token.isUnresolved(invocationsPerCopyTarget) && !(invocationsPerCopyTarget > 0)) {
      fail(`invocationsPerCopyTarget must be above 0, got ${invocationsPerCopyTarget}.`);
    }
    const previous = fleet._register(this);

    const served = bindServedModel(this, props);
    this.trainingJob = served.trainingJob;
    this.codeInjection = served.codeInjection;
    this.servedModelData = served.servedModelData;
    // Its errors name this model's construct path (ValidationError).
    const settings = resolveEndpointSettings(this, {
      modelData: this.servedModelData,
      instanceType: fleet.instanceType,
      allowUnlistedInstanceType: true,
      endpointName: fleet._literalEndpointName,
      entryPoint: props.entryPoint,
      environment: props.environment,
      modelDataDownloadTimeout: props.modelDataDownloadTimeout,
      containerStartupHealthCheckTimeout: props.containerStartupHealthCheckTimeout,
    });
    const rendered = renderModel(this, {
      modelData: this.servedModelData,
      image: props.image ?? fleet._defaultImage,
      enableNetworkIsolation: fleet._networkIsolation,
    }, settings, fleet.role);
    this.model = rendered.model;
    this.imageUri = rendered.imageUri;
    if (fleet._vpcConfig) this.model.vpcConfig = fleet._vpcConfig;
    if (served.servingDependency) this.model.node.addDependency(served.servingDependency);
    if (fleet._createdRole) {
      // The component's containers log to /aws/sagemaker/InferenceComponents/<component name>.
      grantLogGroups(fleet.role, endpointLogGroups(fleet._literalEndpointName, this.inferenceComponentName).slice(1));
    }

    this.inferenceComponent = renderComponent(this, 'InferenceComponent', {
      inferenceComponentName: this.inferenceComponentName,
      endpoint: fleet.endpoint,
      variantName: fleet.variantName,
      model: this.model,
      ...this._requirements,
      initialCopyCount: this._copies.initialCopyCount,
      modelDataDownloadTimeoutInSeconds: settings.modelDataDownloadTimeoutInSeconds,
      containerStartupHealthCheckTimeoutInSeconds: settings.containerStartupHealthCheckTimeoutInSeconds,
    });
    // The role's policy (this component's log group) must exist before SageMaker starts the copies.
    this.inferenceComponent.node.addDependency(fleet.role);
    // One component operation at a time on the endpoint: whether SageMaker accepts concurrent creates and updates of
    // components of one endpoint is not documented, and AWS's samples create them one after another. It also limits
    // the extra capacity a stack update needs to one model's rolling batch at a time.
    if (previous) this.inferenceComponent.node.addDependency(previous.inferenceComponent);
    this.copyCountAtDeploy = keepCopyCountAcrossUpdates(this, this.inferenceComponent, this._copies.initialCopyCount);

    this.metrics = new InferenceComponentMetrics(this.inferenceComponentName);
    if (fleet._copyCountMetrics) {
      this.copyCountPublisher = new CopyCountPublisher(this, 'CopyCounts', { inferenceComponentName: this.inferenceComponentName });
    }
    this.scaling = new InferenceComponentAutoScaling(this, 'Scaling', {
      inferenceComponentName: this.inferenceComponentName,
      minCopyCount: this._copies.minCopyCount,
      maxCopyCount: this._copies.maxCopyCount,
      invocationsPerCopyTarget,
      inferenceComponent: this.inferenceComponent,
    });
    this.alarms = fleet._alarmsEnabled ? createInferenceComponentAlarms(new Construct(this, 'Alarms'), {
      metrics: this.metrics,
      copyCountsPublished: this.copyCountPublisher !== undefined,
      alarmTopic: fleet._alarmTopic,
    }) : [];
    if (props.deployment) {
      // A new version of this model is an update of its component, which takes the rolling update.
      this.inferenceComponent.deploymentConfig = renderComponentDeploymentConfig(this, props.deployment, {
        instanceTypeName: fleet.instanceType.name,
        maxCopyCount: this._copies.maxCopyCount,
        componentAlarms: fleet._alarmsEnabled ? this.alarms : undefined,
        countSetting: 'maxCopyCount',
      });
    }
    fleet._addModelRow(inferenceComponentWidgets(this.metrics, `${id} (${this.inferenceComponentName})`, this.copyCountPublisher !== undefined));
  }

  /** The endpoint as aws-cdk-lib's generated reference interfaces see it (the fleet's). */
  public get endpointRef(): sagemakerRefs.EndpointReference {
    return { endpointArn: this.endpointArn };
  }

  /**
   * Grants `sagemaker:InvokeEndpoint` on this model only: the fleet's endpoint ARN (IAM requires it: `endpoint*` is the
   * required resource type of InvokeEndpoint) and this model's inference component ARN (the action's
   * `inference-component` resource type, Service Authorization Reference for Amazon SageMaker AI), named as given and
   * in lower case (SageMaker writes names in lower case in the ARNs it returns).
   */
  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return this.grantActions(grantee, 'sagemaker:InvokeEndpoint');
  }

  /** Grants `sagemaker:InvokeEndpointWithResponseStream` on this model only (the same resources as `grantInvoke`). */
  public grantInvokeWithResponseStream(grantee: iam.IGrantable): iam.Grant {
    return this.grantActions(grantee, 'sagemaker:InvokeEndpointWithResponseStream');
  }

  /**
   * A ready-to-run AWS CLI command that sends `body` (JSON) to this model and prints the answer (put it in a
   * `CfnOutput`). A model at zero copies refuses the first request while a copy starts: retry.
   */
  public invokeCommand(body: string): string {
    return [
      'aws sagemaker-runtime invoke-endpoint',
      `--region ${Aws.REGION}`,
      `--endpoint-name ${this.endpointName}`,
      `--inference-component-name ${this.inferenceComponentName}`,
      '--content-type application/json',
      '--accept application/json',
      '--cli-binary-format raw-in-base64-out',
      `--body '${body}'`,
      '/dev/stdout',
    ].join(' ');
  }

  private grantActions(grantee: iam.IGrantable, action: string): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: [action],
      resourceArns: [this.endpointArn, ...inferenceComponentArns(this, this.inferenceComponentName)],
    });
  }
}
