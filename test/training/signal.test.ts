import { handler } from '../../lib/training/handlers/training-job-signaller';
import { oneLine as oneLineReason } from '../../lib/common/runtime/presigned-put';
import { CustomResourceEvent, failedResponse, successResponse } from '../../lib/common/runtime/custom-resource';
import { backoffDelayMs, putToPresignedUrl } from '../../lib/common/runtime/presigned-put';
import { signalForStateChange } from '../../lib/training/runtime/signal';
import { startServer } from './local-http';

const NAME = 'train-0123456789abcdef-0123456789ab';

beforeEach(() => jest.spyOn(console, 'log').mockImplementation(() => undefined));
afterEach(() => jest.restoreAllMocks());

describe('the signaller PUTs the wait condition signal to the handle URL (real HTTP server on 127.0.0.1)', () => {
  test('Completed: SUCCESS with the artifact location', async () => {
    const server = await startServer();
    try {
      await handler({
        waitHandleUrl: server.url,
        detail: { TrainingJobName: NAME, TrainingJobStatus: 'Completed', SecondaryStatus: 'Completed', ModelArtifacts: { S3ModelArtifacts: 's3://b/k/model.tar.gz' } },
      });
      expect(server.received).toHaveLength(1);
      const [req] = server.received;
      expect(req.method).toBe('PUT');
      expect(req.url).toBe('/signal?X-Amz-Signature=abc&X-Amz-Expires=86400');
      expect(req.headers['content-type']).toBe('');
      expect(JSON.parse(req.body)).toEqual({ Status: 'SUCCESS', Reason: `Training job ${NAME} completed`, UniqueId: NAME, Data: 's3://b/k/model.tar.gz' });
    } finally {
      await server.close();
    }
  });

  test('Failed: FAILURE carrying the FailureReason', async () => {
    const server = await startServer();
    try {
      await handler({
        waitHandleUrl: server.url,
        detail: { TrainingJobName: NAME, TrainingJobStatus: 'Failed', SecondaryStatus: 'Failed', FailureReason: 'AlgorithmError: ExecuteUserScriptError:\nExitCode 1\nValueError: bad' },
      });
      const body = JSON.parse(server.received[0].body);
      expect(body.Status).toBe('FAILURE');
      expect(body.Reason).toBe(`Training job ${NAME} failed (Failed): AlgorithmError: ExecuteUserScriptError: ExitCode 1 ValueError: bad`);
    } finally {
      await server.close();
    }
  });

  test('Stopped counts as a failure', async () => {
    const server = await startServer();
    try {
      await handler({ waitHandleUrl: server.url, detail: { TrainingJobName: NAME, TrainingJobStatus: 'Stopped', SecondaryStatus: 'MaxRuntimeExceeded' } });
      const body = JSON.parse(server.received[0].body);
      expect(body.Status).toBe('FAILURE');
      expect(body.Reason).toMatch(/was stopped \(MaxRuntimeExceeded\) before completing/);
    } finally {
      await server.close();
    }
  });

  test('InProgress and Stopping send nothing', async () => {
    const server = await startServer();
    try {
      await handler({ waitHandleUrl: server.url, detail: { TrainingJobName: NAME, TrainingJobStatus: 'InProgress', SecondaryStatus: 'Downloading' } });
      await handler({ waitHandleUrl: server.url, detail: { TrainingJobName: NAME, TrainingJobStatus: 'Stopping' } });
      expect(server.received).toHaveLength(0);
    } finally {
      await server.close();
    }
  });

  test('a server error throws after retries, so EventBridge retries the invocation', async () => {
    const server = await startServer([500]);
    try {
      await expect(handler({ waitHandleUrl: server.url, detail: { TrainingJobName: NAME, TrainingJobStatus: 'Completed' } })).rejects.toThrow(/HTTP 500/);
      expect(server.received).toHaveLength(4);
    } finally {
      await server.close();
    }
  });

  test('a refused handle (4xx: deleted or expired) is logged, not retried', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const server = await startServer([403]);
    try {
      await handler({ waitHandleUrl: server.url, detail: { TrainingJobName: NAME, TrainingJobStatus: 'Stopped' } });
      expect(server.received).toHaveLength(1);
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('HTTP 403'));
    } finally {
      await server.close();
    }
  });

  test('long reasons are clipped to one line', () => {
    const signal = signalForStateChange({ TrainingJobName: NAME, TrainingJobStatus: 'Failed', FailureReason: 'x\n'.repeat(2000) });
    expect(signal!.Reason.length).toBeLessThanOrEqual(1000);
    expect(signal!.Reason).not.toContain('\n');
  });
});

describe('custom resource responses (the shared runtime, as the lifecycle handler uses it)', () => {
  const event: CustomResourceEvent = {
    RequestType: 'Create', ResourceType: 'Custom::SageMakerTrainingJob', RequestId: 'req-1', StackId: 'arn:stack',
    LogicalResourceId: 'Train', ResponseURL: 'unused', ResourceProperties: {},
  };

  test('success body', () => {
    expect(successResponse(event, { physicalResourceId: NAME, data: { TrainingJobName: NAME } })).toEqual({
      Status: 'SUCCESS', PhysicalResourceId: NAME, StackId: 'arn:stack', RequestId: 'req-1', LogicalResourceId: 'Train', NoEcho: false, Data: { TrainingJobName: NAME },
    });
  });

  test('failure body: one line, and a failed create reports no job name', () => {
    const body = failedResponse(event, new Error('line one\nline two'), { logHint: '/aws/lambda/fn 2026/11/24/[$LATEST]abc' });
    expect(body).toEqual({
      Status: 'FAILED', Reason: 'line one line two (log: /aws/lambda/fn 2026/11/24/[$LATEST]abc)', PhysicalResourceId: 'failed-create:req-1',
      StackId: 'arn:stack', RequestId: 'req-1', LogicalResourceId: 'Train', NoEcho: false,
    });
    const update = failedResponse({ ...event, RequestType: 'Update', PhysicalResourceId: NAME }, new Error('x'));
    expect(update.PhysicalResourceId).toBe(NAME);
    expect(oneLineReason('y'.repeat(5000))).toHaveLength(1000);
  });

  test('PUT retries a 5xx answer, then succeeds', async () => {
    const server = await startServer([503, 200]);
    try {
      await putToPresignedUrl(server.url, '{"a":1}', { baseDelayMs: 1 });
      expect(server.received.map((r) => r.body)).toEqual(['{"a":1}', '{"a":1}']);
      expect(server.received[0].headers['content-length']).toBe('7');
    } finally {
      await server.close();
    }
  });

  test('PUT does not retry a 4xx answer: it fails at once with the status', async () => {
    const server = await startServer([403, 200]);
    try {
      await expect(putToPresignedUrl(server.url, '{}', { baseDelayMs: 1 })).rejects.toMatchObject({ name: 'PresignedPutError', statusCode: 403 });
      expect(server.received).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  test('PUT gives up after its attempts on 5xx, with the last status', async () => {
    const server = await startServer([500]);
    try {
      await expect(putToPresignedUrl(server.url, '{}', { attempts: 3, baseDelayMs: 1 })).rejects.toMatchObject({ statusCode: 500 });
      expect(server.received).toHaveLength(3);
    } finally {
      await server.close();
    }
  });

  test('backoff doubles up to its cap, with jitter in the upper half of each step', () => {
    const low = (attempt: number) => backoffDelayMs(attempt, { baseDelayMs: 1000, maxDelayMs: 8000, random: () => 0 });
    const high = (attempt: number) => backoffDelayMs(attempt, { baseDelayMs: 1000, maxDelayMs: 8000, random: () => 0.999999 });
    expect([1, 2, 3, 4, 5].map(low)).toEqual([500, 1000, 2000, 4000, 4000]);
    expect([1, 2, 3, 4, 5].map((a) => Math.round(high(a)))).toEqual([1000, 2000, 4000, 8000, 8000]);
  });
});
