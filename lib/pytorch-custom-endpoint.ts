import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ModelData, RealtimeEndpoint, RealtimeEndpointOptions } from './hosting';

/** Properties of a `PytorchCustomEndpoint`. */
export interface PytorchCustomEndpointProps {
  /**
   * The model artifacts, already in the serving layout: weights at the root and the inference code under `code/`
   * (`code/inference.py`, optionally `code/requirements.txt`), as a `model.tar.gz` or an uncompressed S3 prefix.
   */
  readonly model: ModelData;

  /**
   * How the model is served: instance type and count, container image, timeouts, environment, endpoint name, role.
   *
   * @default - one ml.g5.xlarge instance running the PyTorch 2.6.0 GPU inference container, `inference.py`
   */
  readonly endpoint?: RealtimeEndpointOptions;
}

/**
 * A PyTorch model served by a SageMaker real-time (GPU by default) endpoint, with custom inference code.
 *
 * ```ts
 * const endpoint = new PytorchCustomEndpoint(stack, 'Classifier', {
 *   model: ModelData.fromAsset('model.tar.gz'),
 *   endpoint: { instanceType: InstanceType.ML_G5_XLARGE },
 * });
 * endpoint.grantInvoke(myFunction);
 * ```
 */
export class PytorchCustomEndpoint extends Construct {
  /** The endpoint serving the model. */
  public readonly endpoint: RealtimeEndpoint;
  /** The endpoint name, for `InvokeEndpoint`. */
  public readonly endpointName: string;
  /** The endpoint ARN. */
  public readonly endpointArn: string;

  constructor(scope: Construct, id: string, props: PytorchCustomEndpointProps) {
    super(scope, id);
    this.endpoint = new RealtimeEndpoint(this, 'Endpoint', { ...props.endpoint, modelData: props.model });
    this.endpointName = this.endpoint.endpointName;
    this.endpointArn = this.endpoint.endpointArn;
  }

  /** Grants `sagemaker:InvokeEndpoint` on this endpoint, and nothing else. */
  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return this.endpoint.grantInvoke(grantee);
  }
}
