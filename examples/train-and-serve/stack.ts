import * as path from 'path';
import * as cdk from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { Hyperparameter, HyperparameterType, InferenceCode, InstanceType, PytorchCustomEndpoint } from '../../lib';
import { addEndpointOutputs } from '../common/endpoint-outputs';

/**
 * The whole path in one `cdk deploy`: a SageMaker training job (script mode, PyTorch training container, GPU) with
 * typed hyperparameters, awaited by the deploy; `serving/inference.py` injected into the trained `model.tar.gz`;
 * the result served on a GPU endpoint. Changing only `serving/` re-injects and updates the endpoint without
 * retraining; changing a hyperparameter or `training/` trains again. The loss train.py prints each epoch is a
 * training metric (`train:loss`), graphed on the endpoint's dashboard below the endpoint's own metrics.
 */
export class TrainAndServeStack extends cdk.Stack {
  public readonly endpoint: PytorchCustomEndpoint;

  constructor(scope: Construct, id: string, props: cdk.StackProps = {}) {
    super(scope, id, {
      description: 'cdk-pytorch-sagemaker example: train during cdk deploy, inject inference code, serve on a GPU endpoint',
      ...props,
    });

    // A deploy-time hyperparameter: `cdk deploy --parameters Epochs=20` reaches train.py as an int.
    const epochs = new cdk.CfnParameter(this, 'Epochs', {
      type: 'Number',
      default: 5,
      minValue: 1,
      description: 'Training epochs (reaches train.py as an int)',
    });

    this.endpoint = new PytorchCustomEndpoint(this, 'Regressor', {
      training: {
        sourceDirectory: path.join(__dirname, 'training'),
        instanceType: InstanceType.ML_G5_XLARGE,
        hyperparameters: {
          epochs: Hyperparameter.fromParameter(epochs, HyperparameterType.INTEGER),
          learning_rate: Hyperparameter.float(0.001),
          use_amp: Hyperparameter.boolean(false),
          optimizer: Hyperparameter.string('adam'),
          layers: Hyperparameter.integerList([64, 32]),
        },
        // train.py prints `epoch=3 loss=0.123456` once per epoch: SageMaker publishes the number as the metric
        // train:loss (namespace /aws/sagemaker/TrainingJobs), which the endpoint's dashboard graphs.
        metricDefinitions: [{ name: 'train:loss', regex: 'epoch=\\d+ loss=([0-9]+\\.[0-9]+)' }],
        maxRuntime: cdk.Duration.hours(2),
        completionTimeout: cdk.Duration.hours(3),
      },
      inferenceCode: InferenceCode.fromDirectory(path.join(__dirname, 'serving')),
      endpoint: {
        instanceType: InstanceType.ML_G5_XLARGE,
        containerStartupHealthCheckTimeout: cdk.Duration.minutes(10),
      },
    });

    addEndpointOutputs(this, this.endpoint, `{"inputs": [${JSON.stringify(Array.from({ length: 16 }, () => 0.5))}]}`);
    new cdk.CfnOutput(this, 'TrainingJobName', {
      description: 'The SageMaker training job that produced the served model',
      value: this.endpoint.trainingJob!.trainingJobName,
    });
  }
}
