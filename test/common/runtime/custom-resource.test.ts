// The one custom-resource runtime both handlers use: the deadline, the FAILED answer, the failed-Create marker, and
// the PUT of the answer to a real HTTP server on 127.0.0.1.
import {
  answerCustomResource, CustomResourceEvent, failedCreateMarker, isFailedCreateMarker, respondToCustomResource,
} from '../../../lib/common/runtime/custom-resource';
import { runWithDeadline, workBudgetMs } from '../../../lib/common/runtime/deadline';
import { startServer } from '../../training/local-http';

const event: CustomResourceEvent = {
  RequestType: 'Create', ResourceType: 'Custom::Thing', RequestId: 'req-9', StackId: 'arn:stack', LogicalResourceId: 'Thing',
  ResponseURL: 'http://127.0.0.1:1/unused', ResourceProperties: {},
};

afterEach(() => jest.useRealTimers());

test('a failed Create gets the marker, which is recognized; other ids are not', async () => {
  const answer = await answerCustomResource(event, async () => { throw new Error('bad\ninput'); });
  expect(answer).toMatchObject({ Status: 'FAILED', Reason: 'bad input', PhysicalResourceId: failedCreateMarker(event) });
  expect(isFailedCreateMarker(answer.PhysicalResourceId)).toBe(true);
  expect(isFailedCreateMarker('s3://bucket/key')).toBe(false);
  expect(isFailedCreateMarker(undefined)).toBe(false);
});

test('a failed Update keeps the physical id CloudFormation knows', async () => {
  const answer = await answerCustomResource({ ...event, RequestType: 'Update', PhysicalResourceId: 'old-id' }, async () => { throw new Error('x'); });
  expect(answer).toMatchObject({ Status: 'FAILED', PhysicalResourceId: 'old-id' });
});

test('work past the deadline is told to stop, gets its grace to clean up, and the answer is FAILED with the reason', async () => {
  jest.useFakeTimers();
  let cleanedUp = false;
  const answering = answerCustomResource(event, (signal) => new Promise((_, reject) => {
    signal.addEventListener('abort', () => setTimeout(() => { cleanedUp = true; reject(signal.reason); }, 500));
  }), { timeoutMs: 5_000, graceMs: 2_000, timeoutError: (s) => new Error(`too slow after ${s} s`) });
  await jest.advanceTimersByTimeAsync(5_000);
  expect(cleanedUp).toBe(false);
  await jest.advanceTimersByTimeAsync(500);
  const answer = await answering;
  expect(cleanedUp).toBe(true);
  expect(answer).toMatchObject({ Status: 'FAILED', Reason: 'too slow after 5 s' });
});

test('the grace period bounds work that ignores the abort', async () => {
  jest.useFakeTimers();
  const never = runWithDeadline(() => new Promise<string>(() => undefined), { timeoutMs: 1_000, graceMs: 3_000, timeoutError: () => new Error('late') });
  const settled = jest.fn();
  never.catch(settled);
  await jest.advanceTimersByTimeAsync(3_999);
  expect(settled).not.toHaveBeenCalled();
  await jest.advanceTimersByTimeAsync(1);
  expect(settled).toHaveBeenCalledWith(new Error('late'));
});

test('the work budget keeps the reserve back, and never drops below a second', () => {
  expect(workBudgetMs({ getRemainingTimeInMillis: () => 120_000 }, 15_000)).toBe(105_000);
  expect(workBudgetMs({ getRemainingTimeInMillis: () => 5_000 }, 15_000)).toBe(1_000);
});

test('the answer is PUT to the ResponseURL as CloudFormation expects it', async () => {
  const server = await startServer([200]);
  try {
    const answer = await respondToCustomResource({ ...event, ResponseURL: server.url }, async () => ({ physicalResourceId: 'made', data: { A: '1' } }));
    expect(answer.Status).toBe('SUCCESS');
    expect(server.received).toHaveLength(1);
    expect(server.received[0].method).toBe('PUT');
    expect(server.received[0].headers['content-type']).toBe('');
    expect(JSON.parse(server.received[0].body)).toEqual({
      Status: 'SUCCESS', PhysicalResourceId: 'made', StackId: 'arn:stack', RequestId: 'req-9', LogicalResourceId: 'Thing', NoEcho: false, Data: { A: '1' },
    });
  } finally {
    await server.close();
  }
});
