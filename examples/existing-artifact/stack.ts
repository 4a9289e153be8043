import * as cdk from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { InstanceType, ModelData, PytorchCustomEndpoint } from '../../lib';
import { addEndpointOutputs } from '../common/endpoint-outputs';
import { buildModelArchive, CLASSIFIER_SERVING, CLASSIFIER_WEIGHTS } from '../common/model-archive';

/** Properties of the example stack. */
export interface ExistingArtifactStackProps extends cdk.StackProps {
  /**
   * Where to write the example classifier's model archive.
   * @default - a content-addressed folder under the OS temp dir
   */
  readonly archiveDir?: string;
}

/**
 * Deploys a model artifact that already holds its inference code: `model.tar.gz` = `weights.json` at the root and
 * `code/inference.py`, built from ./model at synth time and uploaded as an asset, served on one GPU instance.
 */
export class ExistingArtifactStack extends cdk.Stack {
  public readonly endpoint: PytorchCustomEndpoint;

  constructor(scope: Construct, id: string, props: ExistingArtifactStackProps = {}) {
    super(scope, id, {
      description: 'cdk-pytorch-sagemaker example: a PyTorch model.tar.gz with code/inference.py on a GPU endpoint',
      ...props,
    });

    const archive = buildModelArchive({ rootFiles: [CLASSIFIER_WEIGHTS], codeDirectory: CLASSIFIER_SERVING }, props.archiveDir);
    this.endpoint = new PytorchCustomEndpoint(this, 'Classifier', {
      model: ModelData.fromAsset(archive),
      endpoint: {
        instanceType: InstanceType.ML_G5_XLARGE,
        // model_fn runs before the first health check; a real model needs more than the default to load.
        containerStartupHealthCheckTimeout: cdk.Duration.minutes(10),
      },
    });

    addEndpointOutputs(this, this.endpoint, '{"inputs": [[5.1, 3.5, 1.4, 0.2]]}');
  }
}
