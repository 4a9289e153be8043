import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { InstanceType } from '../core/instance-type';
import { ValidationError } from '../common/validation';
import { AsyncInferenceLocations } from './async-inference-options';
import { EndpointBase } from './endpoint-base';
import { renderEndpointConfig } from './endpoint-config';
import { renderModel } from './endpoint-model';
import { renderEndpoint } from './endpoint-resource';
import { resolveEndpointSettings } from './endpoint-settings';
import { createExecutionRole } from './execution-role';
import { EndpointAttributes, ImportedEndpoint } from './imported-endpoint';
import { BoundServingMode } from './modes/binding';
import { CopyCountPublisher } from './monitoring/copy-count-publisher';
import { EndpointAlarms } from './monitoring/endpoint-alarms';
import { EndpointDashboard } from './monitoring/endpoint-dashboard';
import { EndpointMetrics } from './monitoring/endpoint-metrics';
import { AsyncInferenceMetrics, InferenceComponentMetrics } from './monitoring/scale-to-zero-metrics';
import { RealtimeEndpointOptions, RealtimeEndpointProps } from './realtime-endpoint-props';
import { AsyncAutoScaling } from './scaling/async-auto-scaling';
import { InferenceComponentAutoScaling } from './scaling/inference-component-scaling';
import { VariantAutoScaling } from './scaling/variant-auto-scaling';
import { ServingMode } from './serving-mode';

/**
 * A SageMaker real-time endpoint serving one model: `AWS::SageMaker::Model`, `EndpointConfig` and `Endpoint`.
 *
 * The model and endpoint config get no fixed names, because CloudFormation replaces them on every change; the
 * endpoint then switches to the new config in place. It is an aws-cdk-lib `sagemaker.IEndpoint`, so it plugs into
 * `apigateway.SagemakerIntegration` and anything else that takes one.
 */
export class RealtimeEndpoint extends EndpointBase implements ec2.IConnectable {
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

  /**
   * The metrics of the inference component (its invocations, copies, requests that found no copy), with
   * `ServingMode.realtimeScaleToZero()`. The copy counts are published by the library (`copyCountMetrics`, the
   * default).
   *
   * @default - undefined in other modes
   */
  public readonly inferenceComponentMetrics?: InferenceComponentMetrics;

  /**
   * The metrics of an asynchronous endpoint (its backlog, the age of its oldest request, requests processed and
   * failed), with `ServingMode.asynchronous()`.
   *
   * @default - undefined in other modes
   */
  public readonly asyncMetrics?: AsyncInferenceMetrics;

  /** The serving mode bound to this endpoint: it owns everything that differs between modes. */
  private readonly servingMode: BoundServingMode;

  private readonly modelConnections?: ec2.Connections;

  constructor(scope: Construct, id: string, props: RealtimeEndpointProps) {
    super(scope, id);
    // Every value is defaulted and checked before any resource exists; each following step renders one resource from
    // those settings. The serving mode binds itself: everything that differs between modes is the mode's.
    const settings = resolveEndpointSettings(this, props);
    const mode = (props.servingMode ?? ServingMode.realtime())._bind({
      scope: this, settings, autoScaling: props.autoScaling, alarms: props.alarms,
    });
    this.servingMode = mode;
    this.instanceType = settings.instanceType;
    this.instanceCount = settings.instanceCount;
    this.variantName = settings.variantName;

    this.role = props.role ?? createExecutionRole(this, mode.logGroupNames, props.vpc !== undefined);

    const model = renderModel(this, props, settings, this.role);
    this.model = model.model;
    this.imageUri = model.imageUri;
    this.modelConnections = model.connections;

    this.endpointConfig = renderEndpointConfig(this, props, settings, this.role, this.model,
      mode.renderEndpointConfigParts(this.role, this.model));

    this.endpoint = renderEndpoint(this, {
      endpointName: settings.endpointName,
      endpointConfig: this.endpointConfig,
      autoScaled: mode.variantAutoScaled,
    });
    this.endpointName = this.endpoint.attrEndpointName;
    // Ref of AWS::SageMaker::Endpoint is its ARN (SageMaker lower-cases the name inside it).
    this.endpointArn = this.endpoint.ref;

    mode.addResources({ role: this.role, model: this.model, endpoint: this.endpoint });

    // With guardrails the endpoint names its rollback alarms, so the alarms (and any alarm built on these metrics)
    // must not depend on the endpoint: they use the name known at synth time instead of GetAtt EndpointName.
    this.metrics = new EndpointMetrics(props.deployment ? settings.endpointName : this.endpointName, this.variantName);
    this.alarmTopic = props.alarmTopic;
    this.alarms = this.createAlarms(props);
    if (this.alarms) {
      mode.addAlarms(this.alarms);
    }
    this.autoScaling = mode.autoScaling;
    this.inferenceComponentName = mode.inferenceComponentName;
    this.inferenceComponent = mode.inferenceComponent;
    this.inferenceComponentScaling = mode.inferenceComponentScaling;
    this.inferenceComponentMetrics = mode.inferenceComponentMetrics;
    this.copyCountPublisher = mode.copyCountPublisher;
    this.asyncScaling = mode.asyncScaling;
    this.asyncInference = mode.asyncInference;
    this.asyncMetrics = mode.asyncMetrics;
    if (props.deployment) {
      mode.renderDeployment(props.deployment, this.alarms?.alarms);
    }
    this.dashboard = this.createDashboard(props, this.alarms);
    this.dashboardUrl = this.dashboard?.dashboardUrl;
    if (this.dashboard) {
      mode.addDashboardWidgets(this.dashboard.dashboard);
    }
  }

  /**
   * Grants `sagemaker:InvokeEndpoint` on this endpoint and, when it hosts its model as an inference component
   * (`ServingMode.realtimeScaleToZero()`), on that component: every request to such an endpoint names the component,
   * and the Service Authorization Reference lists `inference-component` as a resource type of
   * `sagemaker:InvokeEndpoint` besides `endpoint`, so IAM may check the request against the component's ARN as well;
   * a grant on the endpoint alone could be denied (AWS's own solutions grant both). The component's ARN is listed with
   * its name as given and lower-cased (SageMaker writes names in ARNs in lower case), so the grant holds either way and
   * still names only this component. Nothing else is granted.
   */
  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:InvokeEndpoint'],
      resourceArns: [this.endpointArn, ...this.servingMode.invokeResourceArns()],
    });
  }

  /**
   * Grants `sagemaker:InvokeEndpointAsync` on this endpoint, writing request payloads under the input prefix, and
   * reading the results and failures (plus the bucket key's use). Only for `ServingMode.asynchronous()`.
   */
  public grantInvokeAsync(grantee: iam.IGrantable): iam.Grant {
    return this.servingMode.grantInvokeAsync(grantee, this.endpointArn);
  }

  /**
   * The security groups of the model's containers, to allow traffic to other resources of the VPC
   * (`endpoint.connections.allowTo(database, ec2.Port.tcp(5432))`). Only for an endpoint with a `vpc`.
   */
  public get connections(): ec2.Connections {
    if (!this.modelConnections) {
      throw new ValidationError('only an endpoint whose model is in a VPC has security groups: set vpc.', this);
    }
    return this.modelConnections;
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
