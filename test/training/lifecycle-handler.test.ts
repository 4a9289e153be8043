// The Lambda shell of the lifecycle custom resource, end to end: CloudFormation event in, response PUT to a real
// HTTP server on 127.0.0.1. The SageMaker client is the one thing replaced (nothing here can run SageMaker).
import { startServer } from './local-http';
import { deliveredProperties } from './cfn-eval';
import { synthJob } from './helpers';

const sent: Array<{ command: string; input: any }> = [];
const jobs = new Map<string, any>();
let hang = false;

jest.mock('@aws-sdk/client-sagemaker', () => {
  class Command { constructor(public readonly input: any) {} }
  class CreateTrainingJobCommand extends Command {}
  class DescribeTrainingJobCommand extends Command {}
  class StopTrainingJobCommand extends Command {}
  class ListTrainingJobsCommand extends Command {}
  class SageMakerClient {
    async send(command: Command) {
      const name = command.constructor.name;
      sent.push({ command: name, input: command.input });
      if (hang) return new Promise(() => undefined);
      if (name === 'DescribeTrainingJobCommand') {
        const job = jobs.get(command.input.TrainingJobName);
        if (!job) throw Object.assign(new Error('Requested resource not found.'), { name: 'ValidationException' });
        return job;
      }
      if (name === 'CreateTrainingJobCommand') {
        const input = command.input;
        jobs.set(input.TrainingJobName, {
          TrainingJobStatus: 'InProgress', HyperParameters: input.HyperParameters, RoleArn: input.RoleArn,
          AlgorithmSpecification: input.AlgorithmSpecification, OutputDataConfig: input.OutputDataConfig,
        });
      }
      if (name === 'ListTrainingJobsCommand') {
        const summaries = [...jobs.entries()]
          .filter(([n, j]) => n.includes(command.input.NameContains) && j.TrainingJobStatus === command.input.StatusEquals)
          .map(([n]) => ({ TrainingJobName: n }));
        return { TrainingJobSummaries: summaries };
      }
      return {};
    }
  }
  return { SageMakerClient, CreateTrainingJobCommand, DescribeTrainingJobCommand, StopTrainingJobCommand, ListTrainingJobsCommand };
});

// eslint-disable-next-line import/first
import { handler } from '../../lib/training/handlers/training-job-lifecycle';

const context = { getRemainingTimeInMillis: () => 120_000, logStreamName: 'stream-1' };

beforeEach(() => {
  hang = false;
  sent.length = 0;
  jobs.clear();
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
});
afterEach(() => jest.restoreAllMocks());

test('create: starts the job and answers SUCCESS with its name', async () => {
  const server = await startServer();
  try {
    const properties = deliveredProperties(synthJob({}).json, 'Custom::SageMakerTrainingJob');
    await handler({
      RequestType: 'Create', ResourceType: 'Custom::SageMakerTrainingJob', RequestId: 'req-1', StackId: 'arn:stack',
      LogicalResourceId: 'Train', ResponseURL: server.url, ResourceProperties: properties,
    }, context);
    expect(sent.map((s) => s.command)).toEqual(['ListTrainingJobsCommand', 'CreateTrainingJobCommand']);
    expect(sent[0].input).toEqual({
      NameContains: properties.TrainingJobNamePrefix, StatusEquals: 'Completed', SortBy: 'CreationTime', SortOrder: 'Descending', MaxResults: 10,
    });
    const created = sent[1].input;
    expect(created.ResourceConfig.InstanceCount).toBe(1);
    expect(created.EnableNetworkIsolation).toBe(false);
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
    const body = JSON.parse(server.received[0].body);
    expect(body.Status).toBe('FAILED');
    expect(body.Reason).toBe('training job nope-0123456789abcdef-0123456789ab does not exist. (log stream stream-1)');
  } finally {
    await server.close();
  }
});

test('delete of a running job stops it', async () => {
  const server = await startServer();
  const name = 'train-0123456789abcdef-0123456789ab';
  jobs.set(name, { TrainingJobStatus: 'InProgress' });
  try {
    await handler({
      RequestType: 'Delete', ResourceType: 'Custom::SageMakerTrainingJob', RequestId: 'req-3', StackId: 'arn:stack',
      LogicalResourceId: 'Train', ResponseURL: server.url, PhysicalResourceId: name, ResourceProperties: {},
    }, context);
    expect(sent.map((s) => s.command)).toEqual(['DescribeTrainingJobCommand', 'StopTrainingJobCommand']);
    expect(JSON.parse(server.received[0].body)).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: name });
  } finally {
    await server.close();
  }
});

test('a SageMaker call that never returns still gets a FAILED answer before the Lambda timeout', async () => {
  const server = await startServer();
  // Fake timers: the handler's deadline fires when the clock is advanced, without waiting in real time.
  jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
  hang = true;
  try {
    const done = handler({
      RequestType: 'Create', ResourceType: 'Custom::SageMakerTrainingJobResult', RequestId: 'req-4', StackId: 'arn:stack',
      LogicalResourceId: 'Result', ResponseURL: server.url, ResourceProperties: { TrainingJobName: 'x-0123456789abcdef-0123456789ab' },
    }, { getRemainingTimeInMillis: () => 120_000, logStreamName: 'stream-1' });
    await jest.advanceTimersByTimeAsync(105_000);
    jest.useRealTimers();
    await done;
    const body = JSON.parse(server.received[0].body);
    expect(body.Status).toBe('FAILED');
    expect(body.Reason).toMatch(/did not finish in time/);
  } finally {
    jest.useRealTimers();
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
    jobs.set(first, { ...jobs.get(first), TrainingJobStatus: 'Completed', ModelArtifacts: { S3ModelArtifacts: 's3://b/k/model.tar.gz' } });
    sent.length = 0;
    await handler({ ...base, RequestType: 'Create', RequestId: 'second', ResponseURL: server.url }, context);
    expect(sent.map((s) => s.command)).toEqual(['ListTrainingJobsCommand', 'DescribeTrainingJobCommand']);
    const [signal, response] = server.received.slice(1);
    expect(signal.url).toContain('&handle=1');
    expect(JSON.parse(signal.body)).toMatchObject({ Status: 'SUCCESS', UniqueId: first });
    expect(JSON.parse(response.body)).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: first });
  } finally {
    await server.close();
  }
});
