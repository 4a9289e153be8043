import * as cdk from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Template } from 'aws-cdk-lib/assertions';
import { EndpointMetrics } from '../../../lib/hosting/monitoring';
import { TrainingJobMetrics } from '../../../lib/training';

const metrics = new EndpointMetrics('my-endpoint', 'AllTraffic');
const VARIANT = { EndpointName: 'my-endpoint', VariantName: 'AllTraffic' };

/**
 * Namespaces, names and statistics as AWS documents them:
 * https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html
 * (invocation metrics: AWS/SageMaker; instance metrics: /aws/sagemaker/Endpoints; both keyed by EndpointName and
 * VariantName; counts are read with Sum, latencies and utilizations with Average or percentiles).
 */
test.each<[string, (props?: cloudwatch.MetricOptions) => cloudwatch.Metric, string, string, string]>([
  ['metricInvocations', (p) => metrics.metricInvocations(p), 'AWS/SageMaker', 'Invocations', 'Sum'],
  ['metricInvocation4XXErrors', (p) => metrics.metricInvocation4XXErrors(p), 'AWS/SageMaker', 'Invocation4XXErrors', 'Sum'],
  ['metricInvocation5XXErrors', (p) => metrics.metricInvocation5XXErrors(p), 'AWS/SageMaker', 'Invocation5XXErrors', 'Sum'],
  ['metricInvocationsPerInstance', (p) => metrics.metricInvocationsPerInstance(p), 'AWS/SageMaker', 'InvocationsPerInstance', 'Sum'],
  ['metricModelLatency', (p) => metrics.metricModelLatency(p), 'AWS/SageMaker', 'ModelLatency', 'Average'],
  ['metricOverheadLatency', (p) => metrics.metricOverheadLatency(p), 'AWS/SageMaker', 'OverheadLatency', 'Average'],
  ['metricGpuUtilization', (p) => metrics.metricGpuUtilization(p), '/aws/sagemaker/Endpoints', 'GPUUtilization', 'Average'],
  ['metricGpuMemoryUtilization', (p) => metrics.metricGpuMemoryUtilization(p), '/aws/sagemaker/Endpoints', 'GPUMemoryUtilization', 'Average'],
  ['metricCpuUtilization', (p) => metrics.metricCpuUtilization(p), '/aws/sagemaker/Endpoints', 'CPUUtilization', 'Average'],
  ['metricMemoryUtilization', (p) => metrics.metricMemoryUtilization(p), '/aws/sagemaker/Endpoints', 'MemoryUtilization', 'Average'],
  ['metricDiskUtilization', (p) => metrics.metricDiskUtilization(p), '/aws/sagemaker/Endpoints', 'DiskUtilization', 'Average'],
])('%s: namespace, name, dimensions, default statistic, no unit filter', (_method, make, namespace, metricName, statistic) => {
  const metric = make();
  expect(metric.namespace).toBe(namespace);
  expect(metric.metricName).toBe(metricName);
  expect(metric.dimensions).toEqual(VARIANT);
  expect(metric.statistic).toBe(statistic);
  expect(metric.unit).toBeUndefined();
  expect(metric.period.toSeconds()).toBe(300);

  const tuned = make({ statistic: 'p99', period: cdk.Duration.minutes(1), label: 'mine' });
  expect(tuned.statistic).toBe('p99');
  expect(tuned.period.toSeconds()).toBe(60);
  expect(tuned.label).toBe('mine');
  expect(tuned.dimensions).toEqual(VARIANT);
});

test('an explicitly undefined statistic keeps the default', () => {
  expect(metrics.metricInvocations({ statistic: undefined }).statistic).toBe('Sum');
});

test('metric() and instanceMetric() reach any metric of the variant in the right namespace', () => {
  const invocation = metrics.metric('ModelSetupTime');
  expect([invocation.namespace, invocation.metricName, invocation.dimensions]).toEqual(['AWS/SageMaker', 'ModelSetupTime', VARIANT]);
  const instance = metrics.instanceMetric('CPUReservation', { statistic: 'Maximum' });
  expect([instance.namespace, instance.statistic, instance.dimensions]).toEqual(['/aws/sagemaker/Endpoints', 'Maximum', VARIANT]);
});

test('extra dimensions are kept, but the variant dimensions cannot be replaced', () => {
  const metric = metrics.metricGpuUtilization({ dimensionsMap: { EndpointName: 'other', InstanceId: 'i-1' } });
  expect(metric.dimensions).toEqual({ ...VARIANT, InstanceId: 'i-1' });
});

test('tokens for the names render as references in an alarm', () => {
  const stack = new cdk.Stack();
  const name = new cdk.CfnParameter(stack, 'EndpointName').valueAsString;
  new EndpointMetrics(name, 'AllTraffic').metricModelLatency({ statistic: 'p90' })
    .createAlarm(stack, 'Alarm', { threshold: 1, evaluationPeriods: 1 });
  Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
    Namespace: 'AWS/SageMaker',
    MetricName: 'ModelLatency',
    ExtendedStatistic: 'p90',
    Dimensions: [{ Name: 'EndpointName', Value: { Ref: 'EndpointName' } }, { Name: 'VariantName', Value: 'AllTraffic' }],
  });
});

describe('TrainingJobMetrics', () => {
  const job = new TrainingJobMetrics('train-abc');

  test('instance metrics are keyed by Host = <job>/algo-<n>', () => {
    const first = job.hostMetric('GPUUtilization');
    expect([first.namespace, first.metricName, first.statistic, first.dimensions])
      .toEqual(['/aws/sagemaker/TrainingJobs', 'GPUUtilization', 'Average', { Host: 'train-abc/algo-1' }]);
    expect(job.hostMetric('CPUUtilization', 3).dimensions).toEqual({ Host: 'train-abc/algo-3' });
  });

  test('algorithm metrics (metric definitions) are keyed by TrainingJobName', () => {
    const loss = job.algorithmMetric('train:loss', { statistic: 'Minimum' });
    expect([loss.namespace, loss.metricName, loss.statistic, loss.dimensions])
      .toEqual(['/aws/sagemaker/TrainingJobs', 'train:loss', 'Minimum', { TrainingJobName: 'train-abc' }]);
  });
});
