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
      if (name === 'CreateTrainingJobCommand') jobs.set(command.input.TrainingJobName, { TrainingJobStatus: 'InProgress' });
      return {};
    }
  }
  return { SageMakerClient, CreateTrainingJobCommand, DescribeTrainingJobCommand, StopTrainingJobCommand };
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
    expect(sent.map((s) => s.command)).toEqual(['CreateTrainingJobCommand']);
    expect(sent[0].input.ResourceConfig.InstanceCount).toBe(1);
    expect(sent[0].input.EnableNetworkIsolation).toBe(false);
    const body = JSON.parse(server.received[0].body);
    expect(body.Status).toBe('SUCCESS');
    expect(body.PhysicalResourceId).toBe(sent[0].input.TrainingJobName);
    expect(body.Data).toEqual({ TrainingJobName: sent[0].input.TrainingJobName });
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
