import * as path from 'path';
import * as cdk from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { Hyperparameter, InferenceCode, InstanceType, ModelOutputCompression, PytorchCustomEndpoint } from '../../lib';
import { addEndpointOutputs } from '../common/endpoint-outputs';

/** The train-and-serve scenario's training script and serving code, reused: only the model's shape on S3 differs. */
const TRAIN_AND_SERVE = path.join(__dirname, '..', 'train-and-serve');

/**
 * Models of any size: the training job writes its model directory uncompressed, as objects under an S3 prefix
 * (`ModelOutputCompression.NONE`: no multi-GB `model.tar.gz` to compress at the end of training, nor to download
 * and extract when the endpoint starts); the code injection copies those objects server side to a new prefix with
 * `code/` beside them, and the endpoint serves that prefix (`S3Prefix`, `CompressionType: None`).
 */
export class UncompressedModelStack extends cdk.Stack {
  public readonly endpoint: PytorchCustomEndpoint;

  constructor(scope: Construct, id: string, props: cdk.StackProps = {}) {
    super(scope, id, {
      description: 'cdk-pytorch-sagemaker example: uncompressed training output, inference code injected by a server-side copy, a GPU endpoint',
      ...props,
    });

    this.endpoint = new PytorchCustomEndpoint(this, 'Regressor', {
      training: {
        sourceDirectory: path.join(TRAIN_AND_SERVE, 'training'),
        instanceType: InstanceType.ML_G5_XLARGE,
        hyperparameters: {
          epochs: Hyperparameter.integer(5),
          layers: Hyperparameter.integerList([64, 32]),
        },
        modelOutputCompression: ModelOutputCompression.NONE,
        maxRuntime: cdk.Duration.hours(2),
        completionTimeout: cdk.Duration.hours(3),
      },
      inferenceCode: InferenceCode.fromDirectory(path.join(TRAIN_AND_SERVE, 'serving')),
      endpoint: {
        instanceType: InstanceType.ML_G5_XLARGE,
        containerStartupHealthCheckTimeout: cdk.Duration.minutes(10),
      },
    });

    addEndpointOutputs(this, this.endpoint, `{"inputs": [${JSON.stringify(Array.from({ length: 16 }, () => 0.5))}]}`);
    new cdk.CfnOutput(this, 'ServedModelData', {
      description: 'The S3 prefix the endpoint serves: the trained model directory, copied, with code/ beside its files',
      value: this.endpoint.codeInjection!.artifactS3Uri,
    });
  }
}
