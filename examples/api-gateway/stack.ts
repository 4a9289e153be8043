import * as cdk from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { InstanceType, ModelData, PytorchCustomEndpoint } from '../../lib';
import { addEndpointOutputs } from '../common/endpoint-outputs';
import { buildModelArchive, CLASSIFIER_SERVING, CLASSIFIER_WEIGHTS } from '../common/model-archive';
import { createRestApi, featureRowsModel, sigv4CurlCommand } from '../common/rest-api';

/** The request the example sends, valid against the API's request model. */
export const SAMPLE_REQUEST = '{"inputs": [[5.1, 3.5, 1.4, 0.2]]}';

/** Properties of the example stack. */
export interface ApiGatewayStackProps extends cdk.StackProps {
  /**
   * Where to write the example classifier's model archive.
   * @default - a content-addressed folder under the OS temp dir
   */
  readonly archiveDir?: string;
}

/**
 * A REST API in front of the endpoint: `POST /predict` goes straight to SageMaker Runtime `InvokeEndpoint` through
 * aws-cdk-lib's `SagemakerIntegration` (no Lambda in between), which takes the endpoint as `sagemaker.IEndpoint`.
 *
 * - **IAM authorization** (SigV4): callers sign with their AWS credentials and need `execute-api:Invoke` on the
 *   method, which the `InvokePolicy` managed policy grants (attach it to a role or user). Chosen over API keys
 *   because an API key identifies, it does not authenticate (it travels in a header, is not rotated and is not
 *   tied to a principal), and AWS documents usage-plan keys as throttling, not authorization. For end users
 *   without AWS credentials, put a Cognito user-pool authorizer here instead.
 * - **Request validation**: a JSON schema model (`{"inputs": [[4 numbers], ...]}`, 1-64 rows) checked by a
 *   `RequestValidator` before SageMaker is called, so malformed requests get a 400 from API Gateway and cost no
 *   inference; only `application/json` is accepted (`passthroughBehavior: NEVER` answers 415 to anything else).
 * - SageMaker's 4xx/5xx answers map to 400/502 instead of the integration's default 200.
 * - Access logs (JSON, standard fields) to a log group kept 30 days, execution logs at ERROR, throttling per method.
 *
 * The outputs hold the URL and a ready-to-run `curl --aws-sigv4` command.
 */
export class ApiGatewayStack extends cdk.Stack {
  public readonly endpoint: PytorchCustomEndpoint;
  public readonly api: apigateway.RestApi;
  /** `/predict`, the resource the integration serves. */
  public readonly predict: apigateway.Resource;
  /** Grants `execute-api:Invoke` on `POST /predict` of the deployed stage, nothing else. */
  public readonly invokePolicy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: ApiGatewayStackProps = {}) {
    super(scope, id, {
      description: 'cdk-pytorch-sagemaker example: an IAM-authorized, validated REST API in front of the endpoint',
      ...props,
    });

    const archive = buildModelArchive({ rootFiles: [CLASSIFIER_WEIGHTS], codeDirectory: CLASSIFIER_SERVING }, props.archiveDir);
    this.endpoint = new PytorchCustomEndpoint(this, 'Classifier', {
      model: ModelData.fromAsset(archive),
      // The 4-feature example classifier needs no GPU: one CPU instance keeps the example cheap.
      endpoint: { instanceType: InstanceType.ML_M5_LARGE },
    });

    this.api = createRestApi(this, 'Predictions of the example classifier (SageMaker endpoint behind IAM-authorized API Gateway)');
    this.predict = this.api.root.addResource('predict');
    this.addPredictMethod(this.endpoint);

    this.invokePolicy = new iam.ManagedPolicy(this, 'InvokePolicy', {
      description: 'Calls POST /predict of the example API',
      statements: [new iam.PolicyStatement({
        actions: ['execute-api:Invoke'],
        resources: [this.api.arnForExecuteApi('POST', '/predict', this.api.deploymentStage.stageName)],
      })],
    });

    this.addOutputs();
  }

  private addPredictMethod(endpoint: sagemaker.IEndpoint): void {
    const inputs = featureRowsModel(this, 'PredictRequest', this.api, {
      title: 'PredictRequest',
      description: 'A batch of 1-64 feature rows, 4 numbers each',
      featureCount: 4,
    });
    const validator = new apigateway.RequestValidator(this, 'PredictValidator', {
      restApi: this.api,
      validateRequestBody: true,
      // The one declared parameter: a request without a Content-Type header is refused with a 400.
      validateRequestParameters: true,
    });

    const integration = new apigateway.SagemakerIntegration(endpoint, {
      // Only JSON reaches the model: no template for another content type means 415 from API Gateway.
      passthroughBehavior: apigateway.PassthroughBehavior.NEVER,
      requestTemplates: { 'application/json': '$input.body' },
      requestParameters: {
        'integration.request.header.Content-Type': '\'application/json\'',
        'integration.request.header.Accept': '\'application/json\'',
      },
      integrationResponses: [
        { statusCode: '200' },
        // A model error (inference.py raised) is SageMaker's 4xx; an instance failure its 5xx.
        { statusCode: '400', selectionPattern: '4\\d{2}' },
        { statusCode: '502', selectionPattern: '5\\d{2}' },
      ],
    });
    this.predict.addMethod('POST', integration, {
      authorizationType: apigateway.AuthorizationType.IAM,
      requestValidator: validator,
      requestParameters: { 'method.request.header.Content-Type': true },
      requestModels: { 'application/json': inputs },
      methodResponses: [{ statusCode: '400' }, { statusCode: '502' }],
    });
    cdk.Validations.of(this.predict).acknowledge({
      id: 'AwsSolutions-COG4',
      reason: 'The method is IAM-authorized (SigV4): callers are AWS principals with execute-api:Invoke, not Cognito users',
    });
  }

  private addOutputs(): void {
    addEndpointOutputs(this, this.endpoint, SAMPLE_REQUEST);
    const url = this.api.urlForPath('/predict');
    new cdk.CfnOutput(this, 'PredictUrl', { description: 'POST JSON here, signed with SigV4', value: url });
    new cdk.CfnOutput(this, 'InvokePolicyArn', {
      description: 'Attach to the role or user that calls the API',
      value: this.invokePolicy.managedPolicyArn,
    });
    new cdk.CfnOutput(this, 'CurlCommand', {
      description: 'Calls the API with your AWS CLI credentials (AWS CLI v2.9+, curl 7.75+)',
      value: sigv4CurlCommand(url, SAMPLE_REQUEST),
    });
  }
}
