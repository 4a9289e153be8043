// The copy-count publisher: its pure logic, then the Lambda shell end to end: the real @aws-sdk/client-sagemaker
// asks the local SageMaker (../../helpers/local-sagemaker: the one service that cannot run here; every request and
// answer is validated against the real API model) and the real @aws-sdk/client-cloudwatch writes to moto's CloudWatch
// on 127.0.0.1, which the test then reads back with GetMetricStatistics.
import * as path from 'path';
import { CloudWatchClient, GetMetricStatisticsCommand, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { handler } from '../../../lib/hosting/handlers/publish-copy-counts';
import {
  COPY_COUNT_DIMENSION, COPY_COUNT_NAMESPACE, CURRENT_COPY_COUNT, DESIRED_COPY_COUNT, INFERENCE_COMPONENT_NAME_ENV,
} from '../../../lib/hosting/monitoring/copy-count-names';
import { copyCountMetricData, isMissingComponent } from '../../../lib/hosting/runtime/copy-count-metrics';
import { checkRequest, validateRequest } from '../../helpers/api-models';
import { LOCAL_AWS_ENV, LocalSageMaker, useLocalAwsEnvironment } from '../../helpers/local-sagemaker';
import { MotoServer, startMotoServer } from '../../helpers/moto-server';

const AT = new Date('2026-11-30T05:00:00Z');

describe('copyCountMetricData', () => {
  test('both counts, as two Count data points with the component as the only dimension; a valid PutMetricData request', () => {
    const request = copyCountMetricData('my-endpoint-ic', { CurrentCopyCount: 1, DesiredCopyCount: 2 }, AT)!;
    expect(request).toEqual({
      Namespace: COPY_COUNT_NAMESPACE,
      MetricData: [
        { MetricName: 'CurrentCopyCount', Dimensions: [{ Name: 'InferenceComponentName', Value: 'my-endpoint-ic' }], Timestamp: AT, Value: 1, Unit: 'Count', StorageResolution: 60 },
        { MetricName: 'DesiredCopyCount', Dimensions: [{ Name: 'InferenceComponentName', Value: 'my-endpoint-ic' }], Timestamp: AT, Value: 2, Unit: 'Count', StorageResolution: 60 },
      ],
    });
    validateRequest('cloudwatch', 'PutMetricData', request);
  });

  test('a component scaled to zero publishes 0, not nothing', () => {
    const request = copyCountMetricData('ic', { CurrentCopyCount: 0, DesiredCopyCount: 0 }, AT)!;
    expect(request.MetricData.map((d) => [d.MetricName, d.Value])).toEqual([['CurrentCopyCount', 0], ['DesiredCopyCount', 0]]);
  });

  test('a count SageMaker did not report is left out; none at all is no request (unknown is never published as 0)', () => {
    expect(copyCountMetricData('ic', { DesiredCopyCount: 1 }, AT)!.MetricData.map((d) => d.MetricName)).toEqual(['DesiredCopyCount']);
    expect(copyCountMetricData('ic', {}, AT)).toBeUndefined();
    expect(copyCountMetricData('ic', undefined, AT)).toBeUndefined();
  });

  test('the validator is live: a request CloudWatch would refuse is refused', () => {
    const request = copyCountMetricData('ic', { CurrentCopyCount: 1 }, AT)!;
    expect(checkRequest('cloudwatch', 'PutMetricData', { ...request, MetricData: [{ ...request.MetricData[0], Unit: 'Copies' }] }))
      .toEqual([expect.stringMatching(/Unit/)]);
  });
});

describe('isMissingComponent', () => {
  test('the ValidationException SageMaker answers for an unknown name; nothing else', () => {
    expect(isMissingComponent({ name: 'ValidationException', message: 'Could not find inference component "x".' })).toBe(true);
    expect(isMissingComponent({ name: 'ValidationException', message: '1 validation error detected: Value at InferenceComponentName' })).toBe(false);
    expect(isMissingComponent({ name: 'ThrottlingException', message: 'Rate exceeded' })).toBe(false);
    expect(isMissingComponent(undefined)).toBe(false);
  });
});

describe('the publisher function against a local SageMaker and moto\'s CloudWatch', () => {
  let sagemaker: LocalSageMaker;
  let moto: MotoServer;
  let cloudwatch: CloudWatchClient;
  let restoreEnvironment: () => void;

  beforeAll(async () => {
    [sagemaker, moto] = await Promise.all([LocalSageMaker.start(), startMotoServer()]);
    restoreEnvironment = useLocalAwsEnvironment({ SAGEMAKER: sagemaker.endpoint, CLOUDWATCH: moto.endpoint });
    cloudwatch = new CloudWatchClient({ region: LOCAL_AWS_ENV.AWS_REGION, endpoint: moto.endpoint });
  });
  afterAll(async () => {
    restoreEnvironment?.();
    cloudwatch?.destroy();
    await Promise.all([sagemaker?.close(), moto?.close()]);
  });
  beforeEach(async () => {
    await moto.reset();
    sagemaker.resetComponents();
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => {
    jest.restoreAllMocks();
    expect(sagemaker.problems.splice(0)).toEqual([]);
  });

  /** The largest value CloudWatch holds for a copy-count metric of `component` in the last ten minutes. */
  async function published(component: string, metricName: string): Promise<number | undefined> {
    const now = Date.now();
    const { Datapoints } = await cloudwatch.send(new GetMetricStatisticsCommand({
      Namespace: COPY_COUNT_NAMESPACE, MetricName: metricName, Dimensions: [{ Name: COPY_COUNT_DIMENSION, Value: component }],
      StartTime: new Date(now - 10 * 60_000), EndTime: new Date(now + 60_000), Period: 60, Statistics: ['Maximum'],
    }));
    return Datapoints?.length ? Math.max(...Datapoints.map((d) => d.Maximum!)) : undefined;
  }

  async function metricsIn(): Promise<string[]> {
    const { Metrics } = await cloudwatch.send(new ListMetricsCommand({ Namespace: COPY_COUNT_NAMESPACE }));
    return (Metrics ?? []).map((m) => m.MetricName!).sort();
  }

  test('reads the named component and records its current and desired copy counts in CloudWatch', async () => {
    process.env[INFERENCE_COMPONENT_NAME_ENV] = 'shop-endpoint-ic';
    sagemaker.addInferenceComponent('shop-endpoint-ic', { CurrentCopyCount: 1, DesiredCopyCount: 3 });
    await handler();
    expect(sagemaker.calls).toEqual([{ operation: 'DescribeInferenceComponent', input: { InferenceComponentName: 'shop-endpoint-ic' } }]);
    expect(await published('shop-endpoint-ic', CURRENT_COPY_COUNT)).toBe(1);
    expect(await published('shop-endpoint-ic', DESIRED_COPY_COUNT)).toBe(3);
  });

  test('a component scaled to zero is recorded as 0 copies', async () => {
    process.env[INFERENCE_COMPONENT_NAME_ENV] = 'idle-ic';
    sagemaker.addInferenceComponent('idle-ic', { CurrentCopyCount: 0, DesiredCopyCount: 0 });
    await handler();
    expect(await published('idle-ic', CURRENT_COPY_COUNT)).toBe(0);
    expect(await published('idle-ic', DESIRED_COPY_COUNT)).toBe(0);
  });

  test('a component that does not exist (yet, or any more): nothing is recorded and the function succeeds', async () => {
    process.env[INFERENCE_COMPONENT_NAME_ENV] = 'gone-ic';
    await expect(handler()).resolves.toBeUndefined();
    expect(sagemaker.calls.map((c) => c.operation)).toEqual(['DescribeInferenceComponent']);
    expect(await metricsIn()).toEqual([]);
  });

  test('a component without a runtime yet (being created): nothing is recorded', async () => {
    process.env[INFERENCE_COMPONENT_NAME_ENV] = 'new-ic';
    sagemaker.addInferenceComponent('new-ic', undefined, 'Creating');
    await handler();
    expect(await metricsIn()).toEqual([]);
  });

  test('any other SageMaker error fails the invocation (it shows in the function\'s Errors metric) and records nothing', async () => {
    process.env[INFERENCE_COMPONENT_NAME_ENV] = 'shop-endpoint-ic';
    sagemaker.addInferenceComponent('shop-endpoint-ic', { CurrentCopyCount: 1, DesiredCopyCount: 1 });
    sagemaker.failWith = { type: 'AccessDeniedException', message: 'not authorized to perform: sagemaker:DescribeInferenceComponent', status: 400 };
    await expect(handler()).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(await metricsIn()).toEqual([]);
  });

  test('the bundle that is deployed (assets/handlers/publish-copy-counts/index.js) does the same', async () => {
    process.env[INFERENCE_COMPONENT_NAME_ENV] = 'bundled-ic';
    sagemaker.addInferenceComponent('bundled-ic', { CurrentCopyCount: 2, DesiredCopyCount: 2 });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const bundled = require(path.join(__dirname, '..', '..', '..', 'assets', 'handlers', 'publish-copy-counts', 'index.js'));
    await bundled.handler();
    expect(sagemaker.calls.map((c) => c.operation)).toEqual(['DescribeInferenceComponent']);
    expect(await published('bundled-ic', CURRENT_COPY_COUNT)).toBe(2);
    expect(await published('bundled-ic', DESIRED_COPY_COUNT)).toBe(2);
  });

  test('without the component name in its environment the function fails and says why', async () => {
    delete process.env[INFERENCE_COMPONENT_NAME_ENV];
    await expect(handler()).rejects.toThrow(/INFERENCE_COMPONENT_NAME is not set/);
    expect(sagemaker.calls).toEqual([]);
  });
});
