// What every integration test asserts once its stack is deployed, as integ-tests-alpha assertions (custom resources
// in the test's DeployAssert stack). Each fails the deployment when it does not hold, so that the test also fails
// when it is deployed with the plain CDK CLI (scripts/integ.mjs) rather than integ-runner.
import { ArnFormat, Duration, Fn, Stack } from 'aws-cdk-lib';
import { IResource, RestApi } from 'aws-cdk-lib/aws-apigateway';
import { ActualResult, EqualsAssertion, ExpectedResult, IApiCall, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { Construct } from 'constructs';
import { FleetModel, PytorchCustomEndpoint } from '../../lib';
import { COPY_COUNT_DIMENSION, COPY_COUNT_NAMESPACE, CURRENT_COPY_COUNT } from '../../lib/hosting/monitoring/copy-count-names';

/** The request every example classifier answers, and what its answer must contain. */
export const CLASSIFIER_REQUEST = '{"inputs": [[5.1, 3.5, 1.4, 0.2]]}';
export const CLASSIFIER_ANSWER = '"predicted"';

function assertThat(call: IApiCall, id: string, path: string, expected: ExpectedResult): void {
  new EqualsAssertion(call as unknown as Construct, id, { actual: ActualResult.fromAwsApiCall(call, path), expected, failDeployment: true });
}

/**
 * One real request through SageMaker Runtime: the endpoint is InService and `inference.py` answers it with JSON
 * matching `answerPattern` (what that example's `output_fn` writes).
 */
export function expectEndpointAnswers(
  integ: IntegTest, endpoint: PytorchCustomEndpoint, body: string = CLASSIFIER_REQUEST, answerPattern: string = CLASSIFIER_ANSWER,
): void {
  expectInvocationAnswers(integ, {
    EndpointName: endpoint.endpointName,
    // An endpoint that hosts inference components is invoked through one of them.
    ...(endpoint.inferenceComponentName ? { InferenceComponentName: endpoint.inferenceComponentName } : {}),
  }, body, answerPattern);
}

/** InvokeEndpoint with `target` (endpoint, and component if any): the answer is JSON and matches `answerPattern`. */
function expectInvocationAnswers(integ: IntegTest, target: { [key: string]: string }, body: string, answerPattern: string): void {
  const call = integ.assertions.awsApiCall('SageMakerRuntime', 'invokeEndpoint', {
    ...target,
    ContentType: 'application/json',
    Accept: 'application/json',
    Body: body,
  }, ['Body', 'ContentType']);
  assertThat(call, 'AnswersJson', 'ContentType', ExpectedResult.stringLikeRegexp('application/json'));
  assertThat(call, 'AnswersPrediction', 'Body', ExpectedResult.stringLikeRegexp(answerPattern));
}

/**
 * One real request to one model of a fleet: SageMaker Runtime InvokeEndpoint naming the model's inference component
 * (the endpoint refuses requests that name none); the answer is JSON and matches `answerPattern`.
 */
export function expectModelAnswers(integ: IntegTest, model: FleetModel, body: string, answerPattern: string): void {
  expectInvocationAnswers(integ, { EndpointName: model.endpointName, InferenceComponentName: model.inferenceComponentName }, body, answerPattern);
}

/**
 * The copy-count publisher ran: CloudWatch lists `CurrentCopyCount` for the endpoint's inference component. Polled
 * (the schedule runs every minute, and a new metric can take minutes to be listed); after 20 minutes without it the
 * assertion fails, and with it the deployment.
 */
export function expectCopyCountsPublished(integ: IntegTest, endpoint: PytorchCustomEndpoint): void {
  if (!endpoint.inferenceComponentName) throw new Error('expectCopyCountsPublished: the endpoint has no inference component');
  integ.assertions.awsApiCall('CloudWatch', 'listMetrics', {
    Namespace: COPY_COUNT_NAMESPACE,
    MetricName: CURRENT_COPY_COUNT,
    Dimensions: [{ Name: COPY_COUNT_DIMENSION, Value: endpoint.inferenceComponentName }],
  }, ['Metrics.0.MetricName'])
    .assertAtPath('Metrics.0.MetricName', ExpectedResult.stringLikeRegexp(`^${CURRENT_COPY_COUNT}$`))
    .waitForAssertions({ totalTimeout: Duration.minutes(20), interval: Duration.minutes(1) });
}

/** The endpoint is InService with `count` instances running its variant. */
export function expectInstanceCount(integ: IntegTest, endpoint: PytorchCustomEndpoint, count: number): void {
  const call = integ.assertions.awsApiCall('SageMaker', 'describeEndpoint', { EndpointName: endpoint.endpointName },
    ['EndpointStatus', 'ProductionVariants.0.CurrentInstanceCount']);
  assertThat(call, 'InService', 'EndpointStatus', ExpectedResult.exact('InService'));
  assertThat(call, 'InstanceCount', 'ProductionVariants.0.CurrentInstanceCount', ExpectedResult.stringLikeRegexp(`^${count}$`));
}

/** The training job that produced the served model ended Completed. */
export function expectTrainingCompleted(integ: IntegTest, endpoint: PytorchCustomEndpoint): void {
  const job = endpoint.trainingJob;
  if (!job) throw new Error('expectTrainingCompleted: the endpoint has no training job');
  const call = integ.assertions.awsApiCall('SageMaker', 'describeTrainingJob', { TrainingJobName: job.trainingJobName }, ['TrainingJobStatus']);
  assertThat(call, 'TrainingCompleted', 'TrainingJobStatus', ExpectedResult.exact('Completed'));
}

/**
 * The injected artifact holds `code/inference.py`: read from the `injection.json` manifest the injection writes
 * beside the artifact (`<dir>/model.tar.gz` or the copied prefix `<dir>/model/`; its entries name every `code/` file).
 */
export function expectInjectedCode(integ: IntegTest, endpoint: PytorchCustomEndpoint): void {
  const injection = endpoint.codeInjection;
  if (!injection) throw new Error('expectInjectedCode: the endpoint has no code injection');
  const manifestKey = Fn.join('', [Fn.select(0, Fn.split('/model', injection.artifactKey)), '/injection.json']);
  const call = integ.assertions.awsApiCall('S3', 'getObject', { Bucket: injection.outputBucket.bucketName, Key: manifestKey }, ['Body']);
  assertThat(call, 'HasInferenceCode', 'Body', ExpectedResult.stringLikeRegexp('"code/inference\\.py"'));
}

/** The endpoint reached InService (for modes whose first request has no synchronous answer to check). */
export function expectEndpointInService(integ: IntegTest, endpoint: PytorchCustomEndpoint): void {
  const call = integ.assertions.awsApiCall('SageMaker', 'describeEndpoint', { EndpointName: endpoint.endpointName }, ['EndpointStatus']);
  assertThat(call, 'InService', 'EndpointStatus', ExpectedResult.exact('InService'));
}

/**
 * One real asynchronous request: the payload is written under the endpoint's input prefix and queued with
 * InvokeEndpointAsync, which answers with where the result will be written.
 */
export function expectAsyncRequestQueued(integ: IntegTest, endpoint: PytorchCustomEndpoint, body: string = CLASSIFIER_REQUEST): void {
  const locations = endpoint.asyncInference;
  if (!locations) throw new Error('expectAsyncRequestQueued: the endpoint is not asynchronous');
  const key = `${locations.inputPrefix}integ-request.json`;
  const put = integ.assertions.awsApiCall('S3', 'putObject', { Bucket: locations.bucket.bucketName, Key: key, Body: body, ContentType: 'application/json' });
  const invoke = integ.assertions.awsApiCall('SageMakerRuntime', 'invokeEndpointAsync', {
    EndpointName: endpoint.endpointName,
    ContentType: 'application/json',
    InputLocation: `s3://${locations.bucket.bucketName}/${key}`,
  }, ['OutputLocation']);
  put.next(invoke);
  assertThat(invoke, 'Queued', 'OutputLocation', ExpectedResult.stringLikeRegexp('^s3://'));
}

/**
 * The REST API in front of the endpoint answers: `TestInvokeMethod` runs `POST` on the method (the request model and
 * the SageMaker integration, without the SigV4 authorizer), and an unsigned request to the deployed stage is refused
 * with 403 (IAM authorization is on).
 */
export function expectApiAnswers(integ: IntegTest, api: RestApi, resource: IResource, url: string, body: string = CLASSIFIER_REQUEST,
  answerPattern: string = CLASSIFIER_ANSWER): void {
  const invoke = integ.assertions.awsApiCall('APIGateway', 'testInvokeMethod', {
    restApiId: api.restApiId,
    resourceId: resource.resourceId,
    httpMethod: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body,
  }, ['status', 'body']);
  // TestInvokeMethod is authorized as apigateway:POST on the method's test-invoke path (the SDK-derived action does not exist).
  invoke.provider.addToRolePolicy({
    Effect: 'Allow',
    Action: ['apigateway:POST'],
    Resource: [Stack.of(api).formatArn({ service: 'apigateway', account: '', resource: `/restapis/${api.restApiId}/resources/${resource.resourceId}/methods/POST`, arnFormat: ArnFormat.NO_RESOURCE_NAME })],
  });
  assertThat(invoke, 'ApiAnswers200', 'status', ExpectedResult.stringLikeRegexp('^200$'));
  assertThat(invoke, 'ApiAnswersPrediction', 'body', ExpectedResult.stringLikeRegexp(answerPattern));

  const unsigned = integ.assertions.httpApiCall(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
  assertThat(unsigned, 'ApiRefusesUnsigned', 'status', ExpectedResult.stringLikeRegexp('^403$'));
}
