import * as cdk from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { InferenceCode, InjectionStrategy, InstanceType, ModelData, PytorchCustomEndpoint } from '../../lib';
import { addEndpointOutputs } from '../common/endpoint-outputs';
import { buildModelArchive, CLASSIFIER_SERVING, CLASSIFIER_WEIGHTS } from '../common/model-archive';

/** Properties of the example stack. */
export interface CodeInjectionStackProps extends cdk.StackProps {
  /**
   * Where to write the weights-only model archive of the example classifier.
   * @default - a content-addressed folder under the OS temp dir
   */
  readonly archiveDir?: string;
}

/**
 * A model artifact WITHOUT inference code (what a training job usually leaves behind), plus an `inference.py` kept
 * beside it: the construct injects `code/` into a new copy of the archive at deploy time, without recompressing
 * the weights, and the endpoint serves that copy.
 */
export class CodeInjectionStack extends cdk.Stack {
  public readonly endpoint: PytorchCustomEndpoint;

  constructor(scope: Construct, id: string, props: CodeInjectionStackProps = {}) {
    super(scope, id, {
      description: 'cdk-pytorch-sagemaker example: inference code injected into a model.tar.gz, served on a GPU endpoint',
      ...props,
    });

    const weightsOnly = buildModelArchive({ rootFiles: [CLASSIFIER_WEIGHTS] }, props.archiveDir);
    this.endpoint = new PytorchCustomEndpoint(this, 'Classifier', {
      model: ModelData.fromAsset(weightsOnly),
      inferenceCode: InferenceCode.fromDirectory(CLASSIFIER_SERVING),
      // SCAN verifies the whole archive (CRC, no old code/) and recompresses nothing of the model.
      codeInjection: { strategy: InjectionStrategy.SCAN },
      endpoint: {
        instanceType: InstanceType.ML_G5_XLARGE,
        containerStartupHealthCheckTimeout: cdk.Duration.minutes(10),
      },
    });

    addEndpointOutputs(this, this.endpoint, '{"inputs": [[5.1, 3.5, 1.4, 0.2]]}');
  }
}
