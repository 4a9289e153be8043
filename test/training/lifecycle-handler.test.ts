// The Lambda shell of the lifecycle custom resource, end to end: CloudFormation event in, the real
// @aws-sdk/client-sagemaker client out to a SageMaker endpoint on 127.0.0.1 (../helpers/local-sagemaker: the service is the
// one thing that cannot run here, so only it is stood in for; every request is validated against the real API
// model), and the response PUT to a real HTTP server on 127.0.0.1.
import { SageMakerClient, CreateTrainingJobCommand } from '@aws-sdk/client-sagemaker';
import { handler } from '../../lib/training/handlers/training-job-lifecycle';
import { deliveredProperties } from '../helpers/cfn-eval';
import { synthJob } from './helpers';
import { LOCAL_AWS_ENV, LocalSageMaker } from '../helpers/local-sagemaker';
import { startServer } from './local-http';

const context = { getRemainingTimeInMillis: () => 120_000, logStreamName: 'stream-1' };
const savedEnv = { ...process.env };
let sagemaker: LocalSageMaker;

beforeAll(async () => {
  sagemaker = await LocalSageMaker.start();
  // The handler's client is built at import with `new SageMakerClient({})`; it reads region, credentials and the
  // endpoint from the environment when it first sends, as in Lambda.
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS;
  Object.assign(process.env, LOCAL_AWS_ENV, { AWS_ENDPOINT_URL_SAGEMAKER: sagemaker.endpoint });
});
afterAll(async () => {
  process.env = savedEnv;
  await sagemaker.close();
});

beforeEach(() => {
  sagemaker.hang = false;
  sagemaker.calls.length = 0;
  sagemaker.jobs.clear();
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
});
afterEach(() => {
  jest.restoreAllMocks();
  // Every request the handler sent was valid against the API model, and every answer it got was too.
  expect(sagemaker.problems.splice(0)).toEqual([]);
});

const operations = () => sagemaker.calls.map((c) => c.operation);

test('the local SageMaker rejects what the API model rejects (the validation is live)', async () => {
  const client = new SageMakerClient({});
  // No RoleArn: the client sends it anyway (it does not check required members), the model does not accept it.
  const invalid = new CreateTrainingJobCommand({
    TrainingJobName: 'no-role', AlgorithmSpecification: { TrainingInputMode: 'File' }, OutputDataConfig: { S3OutputPath: 's3://b/p' },
    ResourceConfig: { InstanceType: 'ml.g5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30 }, StoppingCondition: {},
  } as ConstructorParameters<typeof CreateTrainingJobCommand>[0]);
  await expect(client.send(invalid)).rejects.toMatchObject({ name: 'ValidationException' });
  const problems = sagemaker.problems.splice(0);
  expect(problems).toHaveLength(1);
  expect(problems[0]).toMatch(/^CreateTrainingJob request rejected by the API model: /);
  expect(problems[0]).toMatch(/RoleArn/);
  expect(sagemaker.calls).toEqual([]);
  expect(sagemaker.jobs.size).toBe(0);
  client.destroy();
});

test('create: starts the job and answers SUCCESS with its name', async () => {
  const server = await startServer();
  try {
    const properties = deliveredProperties(synthJob({}).json, 'Custom::SageMakerTrainingJob');
    await handler({
      RequestType: 'Create', ResourceType: 'Custom::SageMakerTrainingJob', RequestId: 'req-1', StackId: 'arn:stack',
      LogicalResourceId: 'Train', ResponseURL: server.url, ResourceProperties: properties,
    }, context);
    expect(operations()).toEqual(['ListTrainingJobs', 'CreateTrainingJob']);
    expect(sagemaker.calls[0].input).toEqual({
      NameContains: properties.TrainingJobNamePrefix, StatusEquals: 'Completed', SortBy: 'CreationTime', SortOrder: 'Descending', MaxResults: 10,
    });
    const created = sagemaker.calls[1].input;
    expect(created.ResourceConfig.InstanceCount).toBe(1);
    expect(created.EnableNetworkIsolation).toBe(false);
    // The service now holds the job the handler asked for.
    expect(sagemaker.jobs.get(created.TrainingJobName)).toMatchObject({
      TrainingJobStatus: 'InProgress', RoleArn: created.RoleArn, HyperParameters: created.HyperParameters,
    });
    const body = JSON.parse(server.received[0].body);
    expect(body.Status).toBe('SUCCESS');
    expect(body.PhysicalResourceId).toBe(created.TrainingJobName);
    expect(body.Data).toEqual({ TrainingJobName: created.TrainingJobName });
  } finally {
    await server.close();
  }
});

test('result of an unknown job: FAILED with a one-line reason naming the log stream', async () => {
  const server = await startServer();
  try {
    await handler({
      RequestType: 'Create', ResourceType: 'Custom::SageMakerTrainingJobResult', RequestId: 'req-2', StackId: 'arn:stack',
      LogicalResourceId: 'Result', ResponseURL: server.url, ResourceProperties: { TrainingJobName: 'nope-0123456789abcdef-0123456789ab' },
    }, context);
    // The SDK parsed the service's "Requested resource not found." error and the handler read it as "no such job".
    expect(sagemaker.calls).toEqual([{ operation: 'DescribeTrainingJob', input: { TrainingJobName: 'nope-0123456789abcdef-0123456789ab' } }]);
    const body = JSON.parse(server.received[0].body);
    expect(body.Status).toBe('FAILED');
    expect(body.Reason).toBe('training job nope-0123456789abcdef-0123456789ab does not exist. (log: stream-1)');
  } finally {
    await server.close();
  }
});

test('delete of a running job stops it', async () => {
  const server = await startServer();
  const name = 'train-0123456789abcdef-0123456789ab';
  sagemaker.addJob(name, 'InProgress');
  try {
    await handler({
      RequestType: 'Delete', ResourceType: 'Custom::SageMakerTrainingJob', RequestId: 'req-3', StackId: 'arn:stack',
      LogicalResourceId: 'Train', ResponseURL: server.url, PhysicalResourceId: name, ResourceProperties: {},
    }, context);
    expect(operations()).toEqual(['DescribeTrainingJob', 'StopTrainingJob']);
    expect(sagemaker.calls[1].input).toEqual({ TrainingJobName: name });
    expect(sagemaker.jobs.get(name)!.TrainingJobStatus).toBe('Stopping');
    expect(JSON.parse(server.received[0].body)).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: name });
  } finally {
    await server.close();
  }
});

test('a SageMaker call that never returns still gets a FAILED answer before the Lambda timeout', async () => {
  const server = await startServer();
  sagemaker.hang = true; // the endpoint takes the request and never answers
  // Fake timers: the handler's deadline fires when the clock is advanced, without waiting in real time.
  jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
  try {
    const arrived = sagemaker.nextCall();
    const done = handler({
      RequestType: 'Create', ResourceType: 'Custom::SageMakerTrainingJobResult', RequestId: 'req-4', StackId: 'arn:stack',
      LogicalResourceId: 'Result', ResponseURL: server.url, ResourceProperties: { TrainingJobName: 'x-0123456789abcdef-0123456789ab' },
    }, { getRemainingTimeInMillis: () => 120_000, logStreamName: 'stream-1' });
    // The request is on the wire, unanswered, before the clock moves.
    expect(await arrived).toEqual({ operation: 'DescribeTrainingJob', input: { TrainingJobName: 'x-0123456789abcdef-0123456789ab' } });
    await jest.advanceTimersByTimeAsync(105_000);
    jest.useRealTimers();
    await done;
    const body = JSON.parse(server.received[0].body);
    expect(body.Status).toBe('FAILED');
    expect(body.Reason).toMatch(/did not finish in time/);
  } finally {
    jest.useRealTimers();
    sagemaker.release();
    await server.close();
  }
});

test('a completed job of the same inputs is reused: the handle is signalled, and no job is started', async () => {
  const server = await startServer();
  try {
    const properties = { ...deliveredProperties(synthJob({}).json, 'Custom::SageMakerTrainingJob'), WaitConditionHandle: `${server.url}&handle=1` };
    const base = { ResourceType: 'Custom::SageMakerTrainingJob', StackId: 'arn:stack', LogicalResourceId: 'Train', ResourceProperties: properties };
    await handler({ ...base, RequestType: 'Create', RequestId: 'first', ResponseURL: server.url }, context);
    const first = JSON.parse(server.received[0].body).PhysicalResourceId;
    sagemaker.complete(first);
    sagemaker.calls.length = 0;
    await handler({ ...base, RequestType: 'Create', RequestId: 'second', ResponseURL: server.url }, context);
    expect(operations()).toEqual(['ListTrainingJobs', 'DescribeTrainingJob']);
    expect(sagemaker.calls[1].input).toEqual({ TrainingJobName: first });
    expect([...sagemaker.jobs.keys()]).toEqual([first]);
    const [signal, response] = server.received.slice(1);
    expect(signal.url).toContain('&handle=1');
    expect(JSON.parse(signal.body)).toMatchObject({ Status: 'SUCCESS', UniqueId: first });
    expect(JSON.parse(response.body)).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: first });
  } finally {
    await server.close();
  }
});
