import * as path from 'path';
import * as cdk from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import {
  CapacitySize, DeploymentGuardrails, FleetModel, Hyperparameter, InferenceCode, InferenceFleet, InstanceType, ModelData,
} from '../../lib';
import { buildModelArchive, CLASSIFIER_SERVING, CLASSIFIER_WEIGHTS } from '../common/model-archive';
import { createRestApi, featureRowsModel, sigv4CurlCommand } from '../common/rest-api';

/** The train-and-serve scenario's training script and serving code, reused for the trained model of the fleet. */
const TRAIN_AND_SERVE = path.join(__dirname, '..', 'train-and-serve');

/** A JSON array of `n` numbers 0.5. */
const features = (n: number) => JSON.stringify(Array.from({ length: n }, () => 0.5));

/** One model of the example: its route under `/models`, the request it is sent, the body its API method accepts. */
export interface ExampleModel {
  readonly model: FleetModel;
  /** `/models/<route>` on the API. */
  readonly route: string;
  readonly sampleRequest: string;
  /** How many numbers each input row has. */
  readonly featureCount: number;
  /** A field every answer of the model has. */
  readonly answerField: string;
}

/** Properties of the example stack. */
export interface MultiModelStackProps extends cdk.StackProps {
  /**
   * Where to write the example models' archives.
   * @default - a content-addressed folder under the OS temp dir
   */
  readonly archiveDir?: string;
  /**
   * The fleet's instance type.
   * @default InstanceType.ML_G5_XLARGE (one GPU: each warm copy has an instance of its own)
   */
  readonly instanceType?: InstanceType;
  /**
   * The fleet's maximum instance count.
   * @default 3 (the three models' initial copies, one GPU each)
   */
  readonly maxInstanceCount?: number;
}

/**
 * Three models on one GPU fleet, each scaling to zero on its own, behind one API:
 * - `Classifier` and `Scorer`: artifacts you have (weights only), with their inference code injected at deploy time;
 * - `Regressor`: trained by a SageMaker training job during `cdk deploy`, its inference code injected into the result.
 *
 * Each model is an inference component of the fleet's endpoint with its own copies (0 to 2), scaling, alarms and
 * dashboard row; the fleet's instances (ml.g5.xlarge, 0 to 3) follow the copies, and none runs once every model is
 * idle. `POST /models/{classifier,scorer,regressor}` on a REST API (IAM-authorized, each body validated by its own
 * JSON schema) calls SageMaker with the model's component name fixed in the route: a caller cannot name another.
 */
export class MultiModelStack extends cdk.Stack {
  public readonly fleet: InferenceFleet;
  public readonly models: ExampleModel[];
  public readonly api: apigateway.RestApi;
  /** `/models/<route>` of each model, by route. */
  public readonly routes: { [route: string]: apigateway.Resource } = {};
  /** Grants `execute-api:Invoke` on the three model routes of the deployed stage, nothing else. */
  public readonly invokePolicy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: MultiModelStackProps = {}) {
    super(scope, id, {
      description: 'cdk-pytorch-sagemaker example: three models on one GPU fleet, each scaling to zero, behind an IAM-authorized API',
      ...props,
    });

    this.fleet = new InferenceFleet(this, 'Fleet', {
      instanceType: props.instanceType ?? InstanceType.ML_G5_XLARGE,
      maxInstanceCount: props.maxInstanceCount ?? 3,
    });

    const startup = { containerStartupHealthCheckTimeout: cdk.Duration.minutes(10) };
    const classifier = this.fleet.addModel('Classifier', {
      model: ModelData.fromAsset(buildModelArchive({ rootFiles: [CLASSIFIER_WEIGHTS] }, props.archiveDir && path.join(props.archiveDir, 'classifier'))),
      inferenceCode: InferenceCode.fromDirectory(CLASSIFIER_SERVING),
      maxCopyCount: 2,
      // Requests per minute one copy serves within the latency you want: measure it with a load test.
      invocationsPerCopyTarget: 300,
      // A new version reaches the copies one at a time, rolled back if this model's alarms fire.
      deployment: DeploymentGuardrails.rolling({ maximumBatchSize: CapacitySize.copyCount(1) }),
      ...startup,
    });
    const scorer = this.fleet.addModel('Scorer', {
      model: ModelData.fromAsset(buildModelArchive({ rootFiles: [path.join(__dirname, 'scorer', 'weights.json')] },
        props.archiveDir && path.join(props.archiveDir, 'scorer'))),
      inferenceCode: InferenceCode.fromDirectory(CLASSIFIER_SERVING),
      maxCopyCount: 2,
      invocationsPerCopyTarget: 300,
      ...startup,
    });
    const regressor = this.fleet.addModel('Regressor', {
      training: {
        sourceDirectory: path.join(TRAIN_AND_SERVE, 'training'),
        instanceType: InstanceType.ML_G5_XLARGE,
        hyperparameters: { epochs: Hyperparameter.integer(5), layers: Hyperparameter.integerList([64, 32]) },
        maxRuntime: cdk.Duration.hours(2),
        completionTimeout: cdk.Duration.hours(3),
      },
      inferenceCode: InferenceCode.fromDirectory(path.join(TRAIN_AND_SERVE, 'serving')),
      maxCopyCount: 2,
      invocationsPerCopyTarget: 300,
      ...startup,
    });
    this.models = [
      { model: classifier, route: 'classifier', sampleRequest: `{"inputs": [${features(4)}]}`, featureCount: 4, answerField: 'predicted' },
      { model: scorer, route: 'scorer', sampleRequest: `{"inputs": [${features(4)}]}`, featureCount: 4, answerField: 'predicted' },
      { model: regressor, route: 'regressor', sampleRequest: `{"inputs": [${features(16)}]}`, featureCount: 16, answerField: 'outputs' },
    ];

    this.api = createRestApi(this, 'Predictions of three models on one SageMaker inference fleet (IAM-authorized)');
    const models = this.api.root.addResource('models');
    const validator = new apigateway.RequestValidator(this, 'RequestValidator', {
      restApi: this.api,
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    for (const entry of this.models) this.addModelRoute(models, entry, validator);

    this.invokePolicy = new iam.ManagedPolicy(this, 'InvokePolicy', {
      description: 'Calls POST /models/<model> of the example API',
      statements: [new iam.PolicyStatement({
        actions: ['execute-api:Invoke'],
        resources: this.models.map((m) => this.api.arnForExecuteApi('POST', `/models/${m.route}`, this.api.deploymentStage.stageName)),
      })],
    });
    this.addOutputs();
  }

  /**
   * `POST /models/<route>`: the body checked against the model's schema, then sent to SageMaker Runtime
   * `InvokeEndpoint` with the model's inference component in `X-Amzn-SageMaker-Inference-Component`, a constant of the
   * route (a client cannot choose it). The integration's role can invoke this model only (`model.grantInvoke`, which
   * `SagemakerIntegration` calls on the model it is given).
   */
  private addModelRoute(models: apigateway.IResource, entry: ExampleModel, validator: apigateway.RequestValidator): void {
    const id = entry.model.node.id;
    const schema = featureRowsModel(this, `${id}Request`, this.api, {
      title: `${id}Request`,
      description: `A batch of 1-64 feature rows for ${id}, ${entry.featureCount} numbers each`,
      featureCount: entry.featureCount,
    });
    const integration = new apigateway.SagemakerIntegration(entry.model, {
      passthroughBehavior: apigateway.PassthroughBehavior.NEVER,
      requestTemplates: { 'application/json': '$input.body' },
      requestParameters: {
        // An endpoint that hosts inference components answers only requests that name one.
        'integration.request.header.X-Amzn-SageMaker-Inference-Component': `'${entry.model.inferenceComponentName}'`,
        'integration.request.header.Content-Type': '\'application/json\'',
        'integration.request.header.Accept': '\'application/json\'',
      },
      integrationResponses: [
        { statusCode: '200' },
        // A model error or a model at zero copies ("no capacity": retry, a copy is starting) is SageMaker's 4xx;
        // SageMaker's message is passed on so that callers can tell them apart.
        { statusCode: '400', selectionPattern: '4\\d{2}', responseTemplates: { 'application/json': '$input.body' } },
        { statusCode: '502', selectionPattern: '5\\d{2}' },
      ],
    });
    const resource = models.addResource(entry.route);
    this.routes[entry.route] = resource;
    resource.addMethod('POST', integration, {
      authorizationType: apigateway.AuthorizationType.IAM,
      requestValidator: validator,
      requestParameters: { 'method.request.header.Content-Type': true },
      requestModels: { 'application/json': schema },
      methodResponses: [{ statusCode: '400' }, { statusCode: '502' }],
    });
    cdk.Validations.of(resource).acknowledge({
      id: 'AwsSolutions-COG4',
      reason: 'The method is IAM-authorized (SigV4): callers are AWS principals with execute-api:Invoke, not Cognito users',
    });
  }

  private addOutputs(): void {
    new cdk.CfnOutput(this, 'EndpointName', { description: 'The SageMaker endpoint of the fleet', value: this.fleet.endpointName });
    for (const { model, route, sampleRequest } of this.models) {
      const id = model.node.id;
      new cdk.CfnOutput(this, `${id}InferenceComponentName`, {
        description: `The inference component of ${id} (InvokeEndpoint --inference-component-name)`,
        value: model.inferenceComponentName,
      });
      new cdk.CfnOutput(this, `${id}InvokeCommand`, {
        description: `Sends one request to ${id} through SageMaker Runtime and prints the answer`,
        value: model.invokeCommand(sampleRequest),
      });
      new cdk.CfnOutput(this, `${id}CurlCommand`, {
        description: `Calls ${id} through the API with your AWS CLI credentials (AWS CLI v2.9+, curl 7.75+)`,
        value: sigv4CurlCommand(this.api.urlForPath(`/models/${route}`), sampleRequest),
      });
    }
    new cdk.CfnOutput(this, 'InvokePolicyArn', {
      description: 'Attach to the role or user that calls the API',
      value: this.invokePolicy.managedPolicyArn,
    });
    new cdk.CfnOutput(this, 'DashboardUrl', { description: 'CloudWatch dashboard of the fleet and its models', value: this.fleet.dashboardUrl! });
    new cdk.CfnOutput(this, 'ColdStart', {
      description: 'What to expect after an idle period',
      value: 'Each model goes to zero copies after about 15 idle minutes; the fleet runs no instance about 10 minutes ' +
        'after every model is at zero. The first request to a model at zero FAILS (no capacity) and starts a copy (and ' +
        'an instance when none has room), which takes several minutes. Retry with exponential backoff for up to 15 ' +
        'minutes (e.g. AWS_RETRY_MODE=adaptive AWS_MAX_ATTEMPTS=20), or send a warm-up request before traffic arrives.',
    });
  }
}
