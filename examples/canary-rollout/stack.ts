import * as path from 'path';
import * as cdk from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { CapacitySize, DeploymentGuardrails, InstanceType, ModelData, PytorchCustomEndpoint } from '../../lib';
import { addEndpointOutputs } from '../common/endpoint-outputs';
import { buildModelArchive, CLASSIFIER_SERVING, CLASSIFIER_WEIGHTS } from '../common/model-archive';

/** The weights of each version of the example classifier (same shape, same serving code). */
export const MODEL_VERSIONS: { readonly [version: string]: string } = {
  1: CLASSIFIER_WEIGHTS,
  2: path.join(__dirname, 'v2', 'weights.json'),
};

/** Properties of the example stack. */
export interface CanaryRolloutStackProps extends cdk.StackProps {
  /**
   * Which weights to serve: 1 or 2.
   * @default - the `modelVersion` context value (`cdk deploy -c modelVersion=2`), else 1
   */
  readonly modelVersion?: number;
  /**
   * Where to write the model archive.
   * @default - a content-addressed folder under the OS temp dir
   */
  readonly archiveDir?: string;
}

/**
 * A new model version shipped through a canary, rolled back by alarms.
 *
 * The first `cdk deploy` serves version 1 on two instances. `cdk deploy -c modelVersion=2` builds an archive with the
 * version 2 weights: a new asset, so a new `Model` and `EndpointConfig`, and CloudFormation calls `UpdateEndpoint`.
 * With `DeploymentGuardrails.canary` SageMaker then starts a second (green) fleet of two instances beside the old
 * (blue) one, sends one instance's share of the traffic (half of it here) to the green fleet, and watches the rollback
 * alarms for `waitInterval` (10 minutes): the endpoint's own 5xx-rate and p90-latency alarms.
 *
 * - No alarm: all traffic moves to the green fleet, which bakes for `terminationWait` (5 minutes) with the blue fleet
 *   kept as a fallback; then the blue fleet is deleted and the stack update completes.
 * - An alarm goes to ALARM during either bake: SageMaker sends all traffic back to the blue fleet (still serving
 *   version 1), deletes the green one and fails the `UpdateEndpoint`. CloudFormation reports the endpoint
 *   `UPDATE_FAILED` with SageMaker's reason and rolls the stack back to the version 1 model and endpoint config,
 *   which is what the endpoint serves already: the rollback changes nothing on the endpoint.
 *
 * Rolling back a version that passed the canary is another deploy, through the same canary:
 * `cdk deploy -c modelVersion=1`. The endpoint answers during the whole rollout; the invoke command in the outputs
 * works at any time.
 */
export class CanaryRolloutStack extends cdk.Stack {
  public readonly endpoint: PytorchCustomEndpoint;
  /** The version this synthesis serves. */
  public readonly modelVersion: number;

  constructor(scope: Construct, id: string, props: CanaryRolloutStackProps = {}) {
    super(scope, id, {
      description: 'cdk-pytorch-sagemaker example: a new model version rolled out through a canary with automatic rollback',
      ...props,
    });

    this.modelVersion = modelVersionOf(props.modelVersion ?? this.node.tryGetContext('modelVersion') ?? 1);
    const archive = buildModelArchive(
      { rootFiles: [MODEL_VERSIONS[this.modelVersion]], codeDirectory: CLASSIFIER_SERVING },
      props.archiveDir && path.join(props.archiveDir, `v${this.modelVersion}`),
    );

    this.endpoint = new PytorchCustomEndpoint(this, 'Classifier', {
      model: ModelData.fromAsset(archive),
      endpoint: {
        // A 4-feature linear classifier needs no GPU; two CPU instances keep the example cheap. A canary is a share
        // of the fleet, so it needs at least two instances (one instance of two = 50 %, SageMaker's maximum).
        instanceType: InstanceType.ML_M5_LARGE,
        instanceCount: 2,
        deployment: DeploymentGuardrails.canary({
          canarySize: CapacitySize.instanceCount(1),
          waitInterval: cdk.Duration.minutes(10),
          terminationWait: cdk.Duration.minutes(5),
        }),
      },
    });

    addEndpointOutputs(this, this.endpoint, '{"inputs": [[5.1, 3.5, 1.4, 0.2]]}');
    new cdk.CfnOutput(this, 'ModelVersion', {
      description: 'The model version this deploy rolls out (cdk deploy -c modelVersion=N)',
      value: String(this.modelVersion),
    });
  }
}

function modelVersionOf(value: unknown): number {
  const version = Number(value);
  if (!Object.prototype.hasOwnProperty.call(MODEL_VERSIONS, String(value)) || !Number.isInteger(version)) {
    throw new Error(`modelVersion '${String(value)}' is not a model version: use one of ${Object.keys(MODEL_VERSIONS).join(', ')} ` +
      '(e.g. cdk deploy -c modelVersion=2).');
  }
  return version;
}
