import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ModelData } from './core';
import {
  AsyncInferenceLocations, AsyncInferenceMetrics, EndpointBase, EndpointDashboardOptions, EndpointMetrics, InferenceComponentMetrics,
  RealtimeEndpoint, RealtimeEndpointOptions,
} from './hosting';
import { InferenceCode, InferenceCodeInjection, InferenceCodeInjectionOptions } from './packaging';
import { bindServedModel, checkServedModelSource } from './served-model';
import { TrainingJob, TrainingJobProps } from './training';
import { checkPropTypes, optionsOf, PropTypes, ValidationError } from './common/validation';
import { MODEL_DATA } from './core/expected-types';
import { REALTIME_ENDPOINT_OPTION_TYPES } from './hosting/endpoint-prop-types';
import { INFERENCE_CODE, INJECTION_OPTION_TYPES } from './packaging/injection-prop-types';
import { TRAINING_JOB_PROP_TYPES } from './training/training-prop-types';

/** Properties of a `PytorchCustomEndpoint`. */
export interface PytorchCustomEndpointProps {
  /**
   * A model artifact you already have: a `model.tar.gz` or an uncompressed S3 prefix (`ModelData.fromS3Prefix`).
   * Without `inferenceCode` it must already hold the serving layout: weights at the root and `code/inference.py`
   * (optionally `code/requirements.txt`). Give exactly one of `model` and `training`.
   *
   * @default - none: `training` produces the model
   */
  readonly model?: ModelData;

  /**
   * Train the model during `cdk deploy`: a SageMaker training job in script mode on the PyTorch training container,
   * with typed hyperparameters. The deploy waits for the job and fails with its `FailureReason` if it fails. Give
   * exactly one of `model` and `training`.
   *
   * @default - none: `model` is served
   */
  readonly training?: TrainingJobProps;

  /**
   * Inference code (`inference.py` with `model_fn`, optionally `requirements.txt` and helper modules) to place under
   * `code/` in the model artifact, without recompressing the model. The original artifact is never modified: the
   * endpoint serves a new, content-addressed copy.
   *
   * @default - the artifact is served as it is: it must already contain `code/inference.py`
   */
  readonly inferenceCode?: InferenceCode;

  /**
   * How the inference code is injected (strategy, output bucket, retention, function memory). Only with
   * `inferenceCode`.
   *
   * @default - `InjectionStrategy.AUTO` into a bucket created for it, deleted with the stack
   */
  readonly codeInjection?: InferenceCodeInjectionOptions;

  /**
   * How the model is served: instance type and count, container image, timeouts, environment, endpoint name, role,
   * network isolation.
   *
   * @default - one ml.g5.xlarge instance running the PyTorch 2.6.0 GPU inference container, `inference.py`
   */
  readonly endpoint?: RealtimeEndpointOptions;
}

/**
 * A PyTorch model served by a SageMaker real-time (GPU by default) endpoint, with custom inference code: from an
 * artifact you have or from a training job run during `cdk deploy`, with your `inference.py` injected into the
 * artifact when it is not there yet.
 *
 * ```ts fixture=with-stack
 * const endpoint = new PytorchCustomEndpoint(stack, 'Classifier', {
 *   training: {
 *     sourceDirectory: 'src/training',
 *     hyperparameters: { epochs: Hyperparameter.integer(10), 'use-amp': Hyperparameter.boolean(true) },
 *   },
 *   inferenceCode: InferenceCode.fromDirectory('src/serving'),
 *   endpoint: { instanceType: InstanceType.ML_G5_XLARGE },
 * });
 * endpoint.grantInvoke(myFunction);
 * ```
 *
 * It is an aws-cdk-lib `sagemaker.IEndpoint` (e.g. `new apigateway.SagemakerIntegration(endpoint)`), with the endpoint's
 * `metric*` methods and, in the modes that have them, `inferenceComponentMetrics` and `asyncMetrics`.
 */
export class PytorchCustomEndpoint extends EndpointBase implements ec2.IConnectable {
  /** The endpoint serving the model. */
  public readonly endpoint: RealtimeEndpoint;
  /** The endpoint name, for `InvokeEndpoint`. */
  public readonly endpointName: string;
  /** The endpoint ARN. */
  public readonly endpointArn: string;
  /** The CloudWatch metrics of the endpoint's variant; the `metric*` methods delegate to it. */
  public readonly metrics: EndpointMetrics;
  /** The training job, when `training` is given. */
  public readonly trainingJob?: TrainingJob;
  /** The code injection, when `inferenceCode` is given. */
  public readonly codeInjection?: InferenceCodeInjection;
  /** The model data the endpoint serves (the injected copy when `inferenceCode` is given). */
  public readonly servedModelData: ModelData;
  /**
   * The console URL of the endpoint's CloudWatch dashboard (with the training job's metrics when there is one).
   *
   * @default - undefined when `endpoint.enableDashboard` is false
   */
  public readonly dashboardUrl?: string;
  /**
   * The inference component's name, with `endpoint.servingMode: ServingMode.realtimeScaleToZero()`.
   *
   * @default - undefined in other serving modes
   */
  public readonly inferenceComponentName?: string;
  /**
   * The bucket, prefixes and S3 paths of an asynchronous endpoint (`ServingMode.asynchronous()`).
   *
   * @default - undefined in other serving modes
   */
  public readonly asyncInference?: AsyncInferenceLocations;
  /**
   * The inference component's metrics, with `endpoint.servingMode: ServingMode.realtimeScaleToZero()`.
   *
   * @default - undefined in other serving modes
   */
  public readonly inferenceComponentMetrics?: InferenceComponentMetrics;
  /**
   * The asynchronous endpoint's metrics, with `endpoint.servingMode: ServingMode.asynchronous()`.
   *
   * @default - undefined in other serving modes
   */
  public readonly asyncMetrics?: AsyncInferenceMetrics;

  constructor(scope: Construct, id: string, props: PytorchCustomEndpointProps) {
    super(scope, id);
    // A JavaScript caller may give no props at all: the same message as for {}.
    checkProps(this, props ?? {});

    // The same source, training job and code injection as a model on an InferenceFleet.
    const served = bindServedModel(this, props);
    this.trainingJob = served.trainingJob;
    this.codeInjection = served.codeInjection;
    this.servedModelData = served.servedModelData;

    this.endpoint = new RealtimeEndpoint(this, 'Endpoint', {
      ...props.endpoint,
      dashboard: this.dashboardOptions(props),
      modelData: this.servedModelData,
    });
    if (served.servingDependency) this.endpoint.node.addDependency(served.servingDependency);
    this.endpointName = this.endpoint.endpointName;
    this.endpointArn = this.endpoint.endpointArn;
    this.dashboardUrl = this.endpoint.dashboardUrl;
    this.inferenceComponentName = this.endpoint.inferenceComponentName;
    this.asyncInference = this.endpoint.asyncInference;
    this.metrics = this.endpoint.metrics;
    this.inferenceComponentMetrics = this.endpoint.inferenceComponentMetrics;
    this.asyncMetrics = this.endpoint.asyncMetrics;
  }

  /** The model's network connections (security groups), when the endpoint is in a VPC. */
  public get connections(): ec2.Connections {
    return this.endpoint.connections;
  }

  /** Grants what `RealtimeEndpoint.grantInvoke` grants on the endpoint. */
  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return this.endpoint.grantInvoke(grantee);
  }

  /**
   * Grants `sagemaker:InvokeEndpointAsync` on this endpoint, writing payloads under the input prefix and reading
   * results and failures. Only with `endpoint.servingMode: ServingMode.asynchronous()`.
   */
  public grantInvokeAsync(grantee: iam.IGrantable): iam.Grant {
    return this.endpoint.grantInvokeAsync(grantee);
  }

  /** The endpoint's dashboard shows the training job below the endpoint, after any widgets the user gave. */
  private dashboardOptions(props: PytorchCustomEndpointProps): EndpointDashboardOptions | undefined {
    const dashboard = props.endpoint?.dashboard;
    if (!this.trainingJob || props.endpoint?.enableDashboard === false) return dashboard;
    return { ...dashboard, widgets: [...dashboard?.widgets ?? [], ...this.trainingJob.dashboardWidgets()] };
  }
}

/** The run-time types of the props, for JavaScript callers: each group with its construct's own table. */
const PROP_TYPES: PropTypes = {
  model: MODEL_DATA,
  training: optionsOf(TRAINING_JOB_PROP_TYPES),
  inferenceCode: INFERENCE_CODE,
  codeInjection: optionsOf(INJECTION_OPTION_TYPES),
  endpoint: optionsOf(REALTIME_ENDPOINT_OPTION_TYPES),
};

function checkProps(scope: Construct, props: PytorchCustomEndpointProps): void {
  checkPropTypes('', props, PROP_TYPES, scope);
  const isolation = props.endpoint?.enableNetworkIsolation ? { on: 'endpoint.enableNetworkIsolation', off: 'enableNetworkIsolation' } : undefined;
  checkServedModelSource(props, isolation, (message) => { throw new ValidationError(message, scope); });
}
