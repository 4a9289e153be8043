import { Resource } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as sns from 'aws-cdk-lib/aws-sns';
import { aws_sagemaker as sagemakerRefs } from 'aws-cdk-lib/interfaces';
import { Construct } from 'constructs';
import { InstanceType } from '../core/instance-type';
import { renderComponentDeploymentConfig } from './deployment/render-component-deployment-config';
import { renderDeploymentConfig } from './deployment/render-deployment-config';
import { renderEndpointConfig } from './endpoint-config';
import { renderModel } from './endpoint-model';
import { renderEndpoint } from './endpoint-resource';
import { resolveEndpointSettings } from './endpoint-settings';
import { bindServingMode, resolveServingMode } from './serving-mode-config';
import { createExecutionRole, endpointLogGroups } from './execution-role';
import { inferenceComponentNameOf } from './inference-component';
import { EndpointAlarms } from './monitoring/endpoint-alarms';
import { EndpointDashboard } from './monitoring/endpoint-dashboard';
import { EndpointMetrics } from './monitoring/endpoint-metrics';
import { EndpointAttributes, ImportedEndpoint } from './imported-endpoint';
import { RealtimeEndpointOptions, RealtimeEndpointProps } from './realtime-endpoint-props';
import { VariantAutoScaling } from './scaling/variant-auto-scaling';
import { ServingModeParts } from './serving-mode-parts';
import { AsyncAutoScaling } from './scaling/async-auto-scaling';
import { InferenceComponentAutoScaling } from './scaling/inference-component-scaling';
import { AsyncInferenceLocations } from './async-inference-options';
import { CopyCountPublisher } from './monitoring/copy-count-publisher';
import { AsyncInferenceMetrics, InferenceComponentMetrics } from './monitoring/scale-to-zero-metrics';
import { ServingModeKind } from './serving-mode';


/** The serving modes as the deployment guardrail rules name them. */
const GUARDRAIL_MODE_KINDS: Record<ServingModeKind, string> = {
  [ServingModeKind.REALTIME]: 'realtime',
  [ServingModeKind.REALTIME_SCALE_TO_ZERO]: 'inference-components',
  [ServingModeKind.ASYNCHRONOUS]: 'async',
};

/**
 * A SageMaker real-time endpoint serving one model: `AWS::SageMaker::Model`, `EndpointConfig` and `Endpoint`.
 *
 * The model and endpoint config get no fixed names, because CloudFormation replaces them on every change; the
 * endpoint then switches to the new config in place. It is an aws-cdk-lib `sagemaker.IEndpoint`, so it plugs into
 * `apigateway.SagemakerIntegration` and anything else that takes one.
 */
export class RealtimeEndpoint extends Resource implements sagemaker.IEndpoint, ec2.IConnectable {
  /**
   * An existing endpoint, by name, for `grantInvoke` and metrics (of its `AllTraffic` variant).
   */
  public static fromEndpointName(scope: Construct, id: string, endpointName: string): ImportedEndpoint {
    return new ImportedEndpoint(scope, id, { endpointName });
  }

  /**
   * An existing endpoint, by name and optionally its ARN and variant, for `grantInvoke` and metrics.
   */
  public static fromEndpointAttributes(scope: Construct, id: string, attrs: EndpointAttributes): ImportedEndpoint {
    return new ImportedEndpoint(scope, id, attrs);
  }

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

  /**
   * The inference component's name, with `ServingMode.realtimeScaleToZero()`.
   *
   * @default - undefined in other modes
   */
  public readonly inferenceComponentName?: string;

  /**
   * Where the requests, results and failures of an asynchronous endpoint live, with `ServingMode.asynchronous()`.
   *
   * @default - undefined in other modes
   */
  public readonly asyncInference?: AsyncInferenceLocations;

  /**
   * The inference component that hosts the model, with `ServingMode.realtimeScaleToZero()`.
   *
   * @default - undefined in other modes
   */
  public readonly inferenceComponent?: sagemaker.CfnInferenceComponent;

  /**
   * The copy-count scaling of the inference component (target tracking, scale from and to zero), with
   * `ServingMode.realtimeScaleToZero()`.
   *
   * @default - undefined in other modes
   */
  public readonly inferenceComponentScaling?: InferenceComponentAutoScaling;

  /**
   * The scheduled function that publishes the inference component's copy counts to CloudWatch, with
   * `ServingMode.realtimeScaleToZero()` (unless `copyCountMetrics: false`).
   *
   * @default - undefined in other modes
   */
  public readonly copyCountPublisher?: CopyCountPublisher;

  /**
   * The instance-count scaling of an asynchronous endpoint (backlog target tracking, scale from zero), with
   * `ServingMode.asynchronous()`.
   *
   * @default - undefined in other modes
   */
  public readonly asyncScaling?: AsyncAutoScaling;

  /** What the serving mode added (empty for `ServingMode.realtime()`). */
  private readonly servingModeResources: ServingModeParts;

  private readonly modelConnections?: ec2.Connections;

  constructor(scope: Construct, id: string, props: RealtimeEndpointProps) {
    super(scope, id);
    // Every value is defaulted and checked before any resource exists; each following step renders one resource from
    // those settings, so a new kind of variant or endpoint option is a new renderer rather than an edit of every step.
    const settings = resolveEndpointSettings(this, props);
    const modeSettings = resolveServingMode(this, props, settings);
    this.instanceType = settings.instanceType;
    this.instanceCount = settings.instanceCount;
    this.variantName = settings.variantName;

    this.role = props.role ?? createExecutionRole(this, endpointLogGroups(settings.endpointName,
      modeSettings.scaleToZero ? inferenceComponentNameOf(settings.endpointName) : undefined), props.vpc !== undefined);

    const model = renderModel(this, props, settings, this.role);
    this.model = model.model;
    this.imageUri = model.imageUri;
    this.modelConnections = model.connections;

    const boundMode = bindServingMode(this, modeSettings, settings, this.role, this.model);
    this.endpointConfig = renderEndpointConfig(this, props, settings, this.role, this.model, boundMode.endpointConfigParts);

    this.endpoint = renderEndpoint(this, {
      endpointName: settings.endpointName,
      endpointConfig: this.endpointConfig,
      autoScaled: props.autoScaling !== undefined || modeSettings.asyncScaling !== undefined,
    });
    this.endpointName = this.endpoint.attrEndpointName;
    // Ref of AWS::SageMaker::Endpoint is its ARN (SageMaker lower-cases the name inside it).
    this.endpointArn = this.endpoint.ref;

    this.autoScaling = this.createAutoScaling(props);
    this.servingModeResources = new ServingModeParts(this, 'ServingMode', {
      modeSettings, settings, boundMode, model: this.model, endpoint: this.endpoint, role: this.role,
    });

    // With guardrails the endpoint names its rollback alarms, so the alarms (and any alarm built on these metrics)
    // must not depend on the endpoint: they use the name known at synth time instead of GetAtt EndpointName.
    this.metrics = new EndpointMetrics(props.deployment ? settings.endpointName : this.endpointName, this.variantName);
    this.alarmTopic = props.alarmTopic;
    this.alarms = this.createAlarms(props);
    if (this.alarms) {
      this.alarms.alarms.push(...this.servingModeResources.createAlarms(this.alarms, props.alarmTopic));
    }
    this.inferenceComponentName = this.servingModeResources.inferenceComponentName;
    this.inferenceComponent = this.servingModeResources.inferenceComponent;
    this.inferenceComponentScaling = this.servingModeResources.inferenceComponentScaling;
    this.copyCountPublisher = this.servingModeResources.copyCountPublisher;
    this.asyncScaling = this.servingModeResources.asyncScaling;
    this.asyncInference = this.servingModeResources.asyncInference;
    if (props.deployment && this.inferenceComponent && modeSettings.scaleToZero) {
      // The model lives in the inference component: a new model is an update of the component, which takes the
      // rolling update; the endpoint's own DeploymentConfig would never govern a model change.
      this.inferenceComponent.deploymentConfig = renderComponentDeploymentConfig(this, props.deployment, {
        instanceTypeName: this.instanceType.name,
        maxCopyCount: modeSettings.scaleToZero.maxCopyCount,
        componentAlarms: this.alarms?.alarms,
      });
    } else if (props.deployment) {
      this.endpoint.deploymentConfig = renderDeploymentConfig(this, props.deployment, {
        instanceTypeName: this.instanceType.name,
        instanceCount: this.instanceCount,
        minInstanceCount: modeSettings.asyncScaling?.minInstanceCount
          ?? (props.autoScaling ? props.autoScaling.minInstanceCount ?? 1 : undefined),
        countSetting: modeSettings.asyncScaling ? 'ServingMode.asynchronous({ minInstanceCount })'
          : props.autoScaling ? 'autoScaling.minInstanceCount' : 'instanceCount',
        endpointAlarms: this.alarms?.alarms,
        modeKind: GUARDRAIL_MODE_KINDS[modeSettings.mode.kind],
      });
    }
    this.dashboard = this.createDashboard(props, this.alarms);
    this.dashboardUrl = this.dashboard?.dashboardUrl;
    if (this.dashboard) {
      this.servingModeResources.addDashboardWidgets(this.dashboard.dashboard);
    }
  }

  /**
   * Grants `sagemaker:InvokeEndpointAsync` on this endpoint, writing request payloads under the input prefix, and
   * reading the results and failures (plus the bucket key's use). Only for `ServingMode.asynchronous()`.
   */
  public grantInvokeAsync(grantee: iam.IGrantable): iam.Grant {
    return this.servingModeResources.grantInvokeAsync(grantee, this.endpointArn);
  }

  /** The endpoint as aws-cdk-lib's generated reference interfaces see it. */
  public get endpointRef(): sagemakerRefs.EndpointReference {
    return { endpointArn: this.endpointArn };
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

  /**
   * Requests that found no copy of the model (the endpoint was scaled to zero). `ServingMode.realtimeScaleToZero()` only.
   *
   * @default - statistic Maximum, period 5 minutes
   */
  public metricNoCapacityInvocationFailures(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.componentMetrics('metricNoCapacityInvocationFailures').metricNoCapacityInvocationFailures(props);
  }

  /**
   * Requests per copy of the model, what the copies scale on. `ServingMode.realtimeScaleToZero()` only.
   *
   * @default - statistic Sum, period 5 minutes
   */
  public metricInvocationsPerCopy(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.componentMetrics('metricInvocationsPerCopy').metricInvocationsPerCopy(props);
  }

  /**
   * Copies of the model running: 0 while scaled to zero. `ServingMode.realtimeScaleToZero()` with
   * `copyCountMetrics` (the default) only; the library publishes it every minute.
   *
   * @default - statistic Maximum, period 5 minutes
   */
  public metricCurrentCopyCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.copyCountMetrics('metricCurrentCopyCount').metricCurrentCopyCount(props);
  }

  /**
   * Copies Application Auto Scaling asked for. `ServingMode.realtimeScaleToZero()` with `copyCountMetrics` (the
   * default) only; the library publishes it every minute.
   *
   * @default - statistic Maximum, period 5 minutes
   */
  public metricDesiredCopyCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.copyCountMetrics('metricDesiredCopyCount').metricDesiredCopyCount(props);
  }

  /**
   * Queued requests. `ServingMode.asynchronous()` only.
   *
   * @default - statistic Average, period 5 minutes
   */
  public metricApproximateBacklogSize(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.asyncMetricsFor('metricApproximateBacklogSize').metricApproximateBacklogSize(props);
  }

  /**
   * Queued requests per instance, what the variant scales on. `ServingMode.asynchronous()` only.
   *
   * @default - statistic Average, period 5 minutes
   */
  public metricApproximateBacklogSizePerInstance(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.asyncMetricsFor('metricApproximateBacklogSizePerInstance').metricApproximateBacklogSizePerInstance(props);
  }

  /**
   * Age of the oldest queued request, in seconds. `ServingMode.asynchronous()` only.
   *
   * @default - statistic Maximum, period 5 minutes
   */
  public metricApproximateAgeOfOldestRequest(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.asyncMetricsFor('metricApproximateAgeOfOldestRequest').metricApproximateAgeOfOldestRequest(props);
  }

  /**
   * 1 while requests wait and no instance runs. `ServingMode.asynchronous()` only.
   *
   * @default - statistic Average, period 5 minutes
   */
  public metricHasBacklogWithoutCapacity(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.asyncMetricsFor('metricHasBacklogWithoutCapacity').metricHasBacklogWithoutCapacity(props);
  }

  /**
   * Asynchronous requests processed. `ServingMode.asynchronous()` only.
   *
   * @default - statistic Sum, period 5 minutes
   */
  public metricInvocationsProcessed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.asyncMetricsFor('metricInvocationsProcessed').metricInvocationsProcessed(props);
  }

  /**
   * Asynchronous requests that failed. `ServingMode.asynchronous()` only.
   *
   * @default - statistic Sum, period 5 minutes
   */
  public metricInvocationFailures(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.asyncMetricsFor('metricInvocationFailures').metricInvocationFailures(props);
  }

  private componentMetrics(method: string): InferenceComponentMetrics {
    if (!this.servingModeResources.inferenceComponentMetrics) {
      throw new Error(`${this.node.path}: ${method}() exists only for servingMode: ServingMode.realtimeScaleToZero().`);
    }
    return this.servingModeResources.inferenceComponentMetrics;
  }

  private copyCountMetrics(method: string): InferenceComponentMetrics {
    const metrics = this.componentMetrics(method);
    if (!this.copyCountPublisher) {
      throw new Error(`${this.node.path}: ${method}() needs the copy counts the library publishes: remove ` +
        'copyCountMetrics: false from ServingMode.realtimeScaleToZero().');
    }
    return metrics;
  }

  private asyncMetricsFor(method: string): AsyncInferenceMetrics {
    if (!this.servingModeResources.asyncMetrics) {
      throw new Error(`${this.node.path}: ${method}() exists only for servingMode: ServingMode.asynchronous().`);
    }
    return this.servingModeResources.asyncMetrics;
  }

  /** Application Auto Scaling of the variant's instance count, when `autoScaling` is set. */
  private createAutoScaling(props: RealtimeEndpointOptions): VariantAutoScaling | undefined {
    if (!props.autoScaling) {
      return undefined;
    }
    return new VariantAutoScaling(this, 'AutoScaling', {
      ...props.autoScaling,
      endpointName: this.endpointName,
      variantName: this.variantName,
      initialInstanceCount: this.instanceCount,
      endpoint: this.endpoint,
    });
  }

  /** The alarms, unless `enableAlarms` is false. */
  private createAlarms(props: RealtimeEndpointOptions): EndpointAlarms | undefined {
    if (!(props.enableAlarms ?? true)) {
      return undefined;
    }
    return new EndpointAlarms(this, 'Alarms', {
      ...props.alarms,
      endpointName: this.metrics.endpointName,
      variantName: this.variantName,
      alarmTopic: props.alarmTopic,
    });
  }

  /** The dashboard, showing the alarms' states, unless `enableDashboard` is false. */
  private createDashboard(props: RealtimeEndpointOptions, alarms: EndpointAlarms | undefined): EndpointDashboard | undefined {
    if (!(props.enableDashboard ?? true)) {
      return undefined;
    }
    return new EndpointDashboard(this, 'Dashboard', {
      ...props.dashboard,
      endpointName: this.endpointName,
      variantName: this.variantName,
      alarms: alarms?.alarms,
    });
  }
}
