import * as cdk from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { InstanceType, ModelData, PytorchCustomEndpoint, ServingMode } from '../../lib';
import { addEndpointOutputs } from '../common/endpoint-outputs';
import { buildModelArchive, CLASSIFIER_SERVING, CLASSIFIER_WEIGHTS } from '../common/model-archive';

/** Properties of the example stack. */
export interface ScaleToZeroRealtimeStackProps extends cdk.StackProps {
  /**
   * Where to write the example classifier's model archive.
   * @default - a content-addressed folder under the OS temp dir
   */
  readonly archiveDir?: string;
}

/**
 * A real-time GPU endpoint that costs no instance-hours while idle: the model is an inference component on
 * ml.g5.xlarge, its copies scale between 0 and 2 and the instances follow them (managed instance scaling, 0..2).
 */
export class ScaleToZeroRealtimeStack extends cdk.Stack {
  public readonly endpoint: PytorchCustomEndpoint;

  constructor(scope: Construct, id: string, props: ScaleToZeroRealtimeStackProps = {}) {
    super(scope, id, {
      description: 'cdk-pytorch-sagemaker example: a real-time GPU endpoint that scales to zero instances when idle',
      ...props,
    });
    const archive = buildModelArchive({ rootFiles: [CLASSIFIER_WEIGHTS], codeDirectory: CLASSIFIER_SERVING }, props.archiveDir);
    this.endpoint = new PytorchCustomEndpoint(this, 'Classifier', {
      model: ModelData.fromAsset(archive),
      endpoint: {
        instanceType: InstanceType.ML_G5_XLARGE,
        containerStartupHealthCheckTimeout: cdk.Duration.minutes(10),
        servingMode: ServingMode.realtimeScaleToZero({
          maxInstanceCount: 2,
          maxCopyCount: 2,
          // Requests per minute one copy serves within the latency you want: measure it with a load test.
          invocationsPerCopyTarget: 300,
        }),
      },
    });
    addEndpointOutputs(this, this.endpoint, '{"inputs": [[5.1, 3.5, 1.4, 0.2]]}');
    new cdk.CfnOutput(this, 'InferenceComponentName', {
      description: 'The inference component hosting the model (InvokeEndpoint --inference-component-name)',
      value: this.endpoint.inferenceComponentName!,
    });
    new cdk.CfnOutput(this, 'ColdStart', {
      description: 'What to expect after an idle period',
      value: 'Up to about 25 minutes after its last request this endpoint runs no instance (target tracking removes the ' +
        'last copy after up to about 15 idle minutes, then the instance is released). The first request after that FAILS ' +
        '(the endpoint has no capacity) and starts an instance, which takes several minutes (GPU instance start, ' +
        'model download, model_fn). Retry with exponential backoff for up to 15 minutes, e.g. the CLI\'s ' +
        '"AWS_RETRY_MODE=adaptive AWS_MAX_ATTEMPTS=20", or send a warm-up request before traffic arrives.',
    });
  }
}
