import * as cdk from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EndpointAlarms, EndpointAlarmsProps } from '../../../lib/hosting/monitoring';
import { checkedApp, expectCleanSynth } from '../../helpers/synth-checks';

const BASE: EndpointAlarmsProps = { endpointName: 'my-endpoint', variantName: 'AllTraffic' };
const VARIANT_DIMENSIONS = [
  { Name: 'EndpointName', Value: 'my-endpoint' },
  { Name: 'VariantName', Value: 'AllTraffic' },
];

function synth(props: Partial<EndpointAlarmsProps> = {}): { alarms: EndpointAlarms; template: Template; stack: cdk.Stack } {
  const stack = new cdk.Stack();
  // A template must have a resource to be valid, also when every alarm is switched off.
  new cdk.CfnWaitConditionHandle(stack, 'Anchor');
  const alarms = new EndpointAlarms(stack, 'Alarms', { ...BASE, ...props });
  return { alarms, template: Template.fromStack(stack), stack };
}

function alarmProps(template: Template, metricName: string): { [key: string]: any } {
  const found = Object.values(template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: metricName } }));
  expect(found).toHaveLength(1);
  return found[0].Properties;
}

describe('defaults', () => {
  test('two alarms: 5xx error rate and p90 model latency', () => {
    const { alarms, template } = synth();
    template.resourceCountIs('AWS::CloudWatch::Alarm', 2);
    expect(alarms.alarms).toEqual([alarms.serverErrorsAlarm, alarms.modelLatencyAlarm]);
    expect(alarms.clientErrorsAlarm).toBeUndefined();
    expect(alarms.gpuMemoryAlarm).toBeUndefined();
    expect(alarms.noInvocationsAlarm).toBeUndefined();
  });

  test('5xx: the average of Invocation5XXErrors (the error rate) above 1 % in 3 of 5 minutes, silence is fine', () => {
    expect(alarmProps(synth().template, 'Invocation5XXErrors')).toEqual(expect.objectContaining({
      Namespace: 'AWS/SageMaker',
      Dimensions: VARIANT_DIMENSIONS,
      Statistic: 'Average',
      Period: 60,
      Threshold: 0.01,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 5,
      DatapointsToAlarm: 3,
      TreatMissingData: 'notBreaching',
      AlarmDescription: expect.stringContaining('5xx'),
    }));
  });

  test('latency: p90 of ModelLatency above 1 s, compared in microseconds', () => {
    const props = alarmProps(synth().template, 'ModelLatency');
    expect(props).toEqual(expect.objectContaining({
      Namespace: 'AWS/SageMaker',
      Dimensions: VARIANT_DIMENSIONS,
      ExtendedStatistic: 'p90',
      Period: 60,
      Threshold: 1_000_000,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    }));
    expect(props.Statistic).toBeUndefined();
    expect(props.Unit).toBeUndefined();
  });

  test('without a topic the alarms notify nobody', () => {
    const { template } = synth();
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toBeUndefined();
      expect(alarm.Properties.OKActions).toBeUndefined();
    }
  });
});

test('every alarm notifies the topic when it fires and when it recovers', () => {
  const stack = new cdk.Stack();
  const topic = new sns.Topic(stack, 'Topic');
  new EndpointAlarms(stack, 'Alarms', {
    ...BASE,
    alarmTopic: topic,
    clientErrors: { enabled: true },
    gpuMemory: { enabled: true },
    noInvocations: { enabled: true },
  });
  const alarms = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm'));
  expect(alarms).toHaveLength(5);
  const topicRef = { Ref: stack.getLogicalId(topic.node.defaultChild as cdk.CfnElement) };
  for (const alarm of alarms) {
    expect(alarm.Properties.AlarmActions).toEqual([topicRef]);
    expect(alarm.Properties.OKActions).toEqual([topicRef]);
  }
});

describe('switches and thresholds', () => {
  test('the default alarms can be switched off', () => {
    const { alarms, template } = synth({ serverErrors: { enabled: false }, modelLatency: { enabled: false } });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    expect(alarms.alarms).toEqual([]);
  });

  test('5xx threshold and evaluation are configurable', () => {
    const props = alarmProps(synth({ serverErrors: { threshold: 0.1, evaluationPeriods: 10, datapointsToAlarm: 2 } }).template, 'Invocation5XXErrors');
    expect([props.Threshold, props.EvaluationPeriods, props.DatapointsToAlarm]).toEqual([0.1, 10, 2]);
  });

  test('datapointsToAlarm defaults to at most evaluationPeriods', () => {
    const props = alarmProps(synth({ serverErrors: { evaluationPeriods: 2 } }).template, 'Invocation5XXErrors');
    expect([props.EvaluationPeriods, props.DatapointsToAlarm]).toEqual([2, 2]);
  });

  test('latency threshold (a Duration) and percentile are configurable', () => {
    const props = alarmProps(
      synth({ modelLatency: { threshold: cdk.Duration.millis(250), percentile: 99.9 } }).template, 'ModelLatency');
    expect([props.Threshold, props.ExtendedStatistic]).toEqual([250_000, 'p99.9']);
  });

  test('4xx rate alarm when enabled', () => {
    const { alarms, template } = synth({ clientErrors: { enabled: true } });
    expect(alarms.clientErrorsAlarm).toBeDefined();
    expect(alarmProps(template, 'Invocation4XXErrors')).toEqual(expect.objectContaining({
      Namespace: 'AWS/SageMaker', Statistic: 'Average', Threshold: 0.05, TreatMissingData: 'notBreaching',
    }));
  });

  test('GPU memory alarm compares with the per-GPU threshold times the GPU count (SageMaker sums over GPUs)', () => {
    const { template } = synth({ gpuMemory: { enabled: true, thresholdPercentPerGpu: 90, gpuCount: 4 } });
    expect(alarmProps(template, 'GPUMemoryUtilization')).toEqual(expect.objectContaining({
      Namespace: '/aws/sagemaker/Endpoints',
      Dimensions: VARIANT_DIMENSIONS,
      Statistic: 'Maximum',
      Threshold: 360,
      TreatMissingData: 'notBreaching',
    }));
    expect(alarmProps(synth({ gpuMemory: { enabled: true } }).template, 'GPUMemoryUtilization').Threshold).toBe(95);
  });

  test('no-invocations alarm: fewer than 1 request a minute for 5 minutes in a row, missing data breaches', () => {
    const { template } = synth({ noInvocations: { enabled: true } });
    expect(alarmProps(template, 'Invocations')).toEqual(expect.objectContaining({
      Statistic: 'Sum',
      Period: 60,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 5,
      DatapointsToAlarm: 5,
      TreatMissingData: 'breaching',
    }));
  });

  test('descriptions say which endpoint and what happened', () => {
    const props = alarmProps(synth().template, 'Invocation5XXErrors');
    expect(props.AlarmDescription).toBe('More than 1 % of requests to SageMaker endpoint my-endpoint, variant AllTraffic ' +
      'failed with a 5xx status (model or container errors): see the endpoint\'s CloudWatch logs.');
  });
});

describe('validation', () => {
  test.each<[string, Partial<EndpointAlarmsProps>, RegExp]>([
    ['a rate above 1', { serverErrors: { threshold: 5 } }, /serverErrors.threshold is a rate from 0 to 1 \(0.01 = 1 % of requests\), got 5/],
    ['a negative rate', { clientErrors: { enabled: true, threshold: -0.1 } }, /clientErrors.threshold is a rate from 0 to 1/],
    ['percentile 100', { modelLatency: { percentile: 100 } }, /modelLatency.percentile must be between 0 and 100 \(exclusive\), got 100/],
    ['zero latency', { modelLatency: { threshold: cdk.Duration.seconds(0) } }, /modelLatency.threshold must be longer than 0/],
    ['GPU threshold over 100', { gpuMemory: { enabled: true, thresholdPercentPerGpu: 150 } },
      /gpuMemory.thresholdPercentPerGpu must be a percentage above 0 and at most 100, got 150/],
    ['fractional GPU count', { gpuMemory: { enabled: true, gpuCount: 1.5 } }, /gpuMemory.gpuCount must be a whole number of at least 1/],
    ['zero evaluation periods', { serverErrors: { evaluationPeriods: 0 } }, /ServerErrors: evaluationPeriods must be a whole number of at least 1, got 0/],
    ['more datapoints than periods', { modelLatency: { evaluationPeriods: 3, datapointsToAlarm: 4 } },
      /ModelLatency: datapointsToAlarm must be a whole number from 1 to evaluationPeriods \(3\), got 4/],
  ])('%s is rejected', (_name, props, message) => {
    expect(() => new EndpointAlarms(new cdk.Stack(), 'Alarms', { ...BASE, ...props })).toThrow(message);
  });

  test('options of a disabled alarm are not checked', () => {
    expect(() => synth({ gpuMemory: { thresholdPercentPerGpu: 150 } })).not.toThrow();
  });
});

test('synthesizes with zero CloudFormation schema and cdk-nag findings', () => {
  const app = checkedApp();
  const stack = new cdk.Stack(app, 'Alarms');
  new EndpointAlarms(stack, 'Alarms', {
    ...BASE,
    alarmTopic: sns.Topic.fromTopicArn(stack, 'Topic', 'arn:aws:sns:us-east-1:123456789012:pager'),
    clientErrors: { enabled: true },
    gpuMemory: { enabled: true, gpuCount: 4 },
    noInvocations: { enabled: true },
  });
  expectCleanSynth(app);
});
