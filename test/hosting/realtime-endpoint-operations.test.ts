// RealtimeEndpoint's production options that operate the endpoint: autoscaling, metrics, alarms, dashboard.
import * as cdk from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sns from 'aws-cdk-lib/aws-sns';
import { HIPAASecurityChecks, NIST80053R5Checks } from 'cdk-nag';
import { InstanceType, ModelData, RealtimeEndpoint, RealtimeEndpointProps, TrainingJobMetrics } from '../../lib';
import { checkedApp, fastApp, synthWithChecks } from '../helpers/synth-checks';

function endpointIn(props: Partial<RealtimeEndpointProps> = {}, env?: cdk.Environment) {
  const stack = new cdk.Stack(fastApp(), 'S', { env });
  const endpoint = new RealtimeEndpoint(stack, 'Endpoint', { modelData: ModelData.fromS3Uri('s3://bkt/model.tar.gz'), ...props });
  return { stack, endpoint, get template() { return Template.fromStack(stack); } };
}

function only(template: Template, type: string): any {
  const resources = Object.values(template.findResources(type));
  expect(resources).toHaveLength(1);
  return resources[0];
}

/** The endpoint's `Fn::GetAtt EndpointName`, as the template holds it. */
function endpointNameAtt(stack: cdk.Stack, endpoint: RealtimeEndpoint) {
  return { 'Fn::GetAtt': [stack.getLogicalId(endpoint.endpoint), 'EndpointName'] };
}

describe('autoScaling', () => {
  test('registers this endpoint\'s variant, after the endpoint exists, with target tracking', () => {
    const { stack, endpoint, template } = endpointIn({
      instanceCount: 2,
      variantName: 'Blue',
      autoScaling: { minInstanceCount: 1, maxInstanceCount: 6, invocationsPerInstanceTarget: 150, gpuUtilizationTarget: 70 },
    });
    const target = only(template, 'AWS::ApplicationAutoScaling::ScalableTarget');
    expect(target.Properties).toMatchObject({ ServiceNamespace: 'sagemaker', MinCapacity: 1, MaxCapacity: 6 });
    expect(target.Properties.ResourceId).toEqual({
      'Fn::Join': ['', ['endpoint/', endpointNameAtt(stack, endpoint), '/variant/Blue']],
    });
    expect(target.DependsOn).toContain(stack.getLogicalId(endpoint.endpoint));
    template.resourceCountIs('AWS::ApplicationAutoScaling::ScalingPolicy', 2);
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        TargetValue: 150,
        PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
      }),
    });
    expect(endpoint.autoScaling?.gpuUtilizationPolicy).toBeDefined();
  });

  test('a CPU instance scales on invocations; GPU options are accepted on a GPU instance', () => {
    expect(() => endpointIn({ instanceType: InstanceType.ML_C5_XLARGE, autoScaling: { maxInstanceCount: 2, invocationsPerInstanceTarget: 10 } })).not.toThrow();
    const { template } = endpointIn({ alarms: { gpuMemory: { enabled: true, gpuCount: 1 } }, autoScaling: { maxInstanceCount: 2, gpuUtilizationTarget: 70 } });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'GPUMemoryUtilization' });
  });

  test('keeps the instance count autoscaling reached when a new endpoint config is deployed', () => {
    const withScaling = only(endpointIn({ autoScaling: { maxInstanceCount: 3, invocationsPerInstanceTarget: 100 } }).template,
      'AWS::SageMaker::Endpoint').Properties;
    expect(withScaling).toMatchObject({
      RetainAllVariantProperties: true,
      ExcludeRetainedVariantProperties: [{ VariantPropertyType: 'DesiredWeight' }],
    });
    // Without autoscaling the count in the config is the truth: nothing is retained.
    const { template, endpoint } = endpointIn();
    const plain = only(template, 'AWS::SageMaker::Endpoint').Properties;
    expect(plain.RetainAllVariantProperties).toBeUndefined();
    expect(plain.ExcludeRetainedVariantProperties).toBeUndefined();
    template.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 0);
    expect(endpoint.autoScaling).toBeUndefined();
  });

  test.each<[string, Partial<RealtimeEndpointProps>, RegExp]>([
    ['initial count above the maximum', { instanceCount: 5, autoScaling: { maxInstanceCount: 4, invocationsPerInstanceTarget: 1 } },
      /S\/Endpoint\/AutoScaling: The initial instance count \(5\) is above autoScaling\.maxInstanceCount \(4\)/],
    ['initial count below the minimum', { instanceCount: 1, autoScaling: { minInstanceCount: 2, maxInstanceCount: 4, invocationsPerInstanceTarget: 1 } },
      /initial instance count \(1\) is below autoScaling\.minInstanceCount \(2\)/],
    ['minimum above maximum', { instanceCount: 3, autoScaling: { minInstanceCount: 3, maxInstanceCount: 2, invocationsPerInstanceTarget: 1 } },
      /minInstanceCount \(3\) is above autoScaling\.maxInstanceCount \(2\)/],
    ['no metric to track', { autoScaling: { maxInstanceCount: 2 } }, /autoScaling needs a metric to track/],
    ['a GPU target on a CPU instance', { instanceType: InstanceType.ML_C5_XLARGE, autoScaling: { maxInstanceCount: 2, gpuUtilizationTarget: 70 } },
      /autoScaling\.gpuUtilizationTarget needs a GPU instance, but ml\.c5\.xlarge has none/],
  ])('%s fails at synth', (_name, props, message) => {
    expect(() => endpointIn(props)).toThrow(message);
  });
});

describe('metric methods', () => {
  test('each names this endpoint and variant, in the namespace SageMaker publishes it to', () => {
    const { stack, endpoint } = endpointIn({ variantName: 'Blue' });
    const cases: Array<[cloudwatch.Metric, string, string, string]> = [
      [endpoint.metricInvocations(), 'AWS/SageMaker', 'Invocations', 'Sum'],
      [endpoint.metricInvocation4XXErrors(), 'AWS/SageMaker', 'Invocation4XXErrors', 'Sum'],
      [endpoint.metricInvocation5XXErrors(), 'AWS/SageMaker', 'Invocation5XXErrors', 'Sum'],
      [endpoint.metricInvocationsPerInstance(), 'AWS/SageMaker', 'InvocationsPerInstance', 'Sum'],
      [endpoint.metricModelLatency({ statistic: 'p99' }), 'AWS/SageMaker', 'ModelLatency', 'p99'],
      [endpoint.metricOverheadLatency(), 'AWS/SageMaker', 'OverheadLatency', 'Average'],
      [endpoint.metricGpuUtilization(), '/aws/sagemaker/Endpoints', 'GPUUtilization', 'Average'],
      [endpoint.metricGpuMemoryUtilization(), '/aws/sagemaker/Endpoints', 'GPUMemoryUtilization', 'Average'],
      [endpoint.metricCpuUtilization(), '/aws/sagemaker/Endpoints', 'CPUUtilization', 'Average'],
      [endpoint.metricMemoryUtilization(), '/aws/sagemaker/Endpoints', 'MemoryUtilization', 'Average'],
      [endpoint.metricDiskUtilization(), '/aws/sagemaker/Endpoints', 'DiskUtilization', 'Average'],
      [endpoint.metric('ModelSetupTime'), 'AWS/SageMaker', 'ModelSetupTime', 'Average'],
      [endpoint.instanceMetric('CPUReservation', { period: cdk.Duration.minutes(1) }), '/aws/sagemaker/Endpoints', 'CPUReservation', 'Average'],
    ];
    for (const [metric, namespace, metricName, statistic] of cases) {
      expect({ namespace: metric.namespace, metricName: metric.metricName, statistic: metric.statistic })
        .toEqual({ namespace, metricName, statistic });
      expect(stack.resolve(metric.dimensions)).toEqual({ EndpointName: endpointNameAtt(stack, endpoint), VariantName: 'Blue' });
    }
    expect(endpoint.instanceMetric('CPUReservation', { period: cdk.Duration.minutes(1) }).period.toMinutes()).toBe(1);
  });

  test('a metric can drive a user\'s own alarm', () => {
    const { stack, endpoint } = endpointIn({ enableAlarms: false, enableDashboard: false });
    endpoint.metricGpuUtilization().createAlarm(stack, 'Hot', { threshold: 90, evaluationPeriods: 3 });
    const alarm = only(Template.fromStack(stack), 'AWS::CloudWatch::Alarm').Properties;
    expect(alarm).toMatchObject({ Namespace: '/aws/sagemaker/Endpoints', MetricName: 'GPUUtilization', Threshold: 90 });
    expect(alarm.Dimensions).toEqual(expect.arrayContaining([{ Name: 'EndpointName', Value: endpointNameAtt(stack, endpoint) }]));
  });
});

describe('alarms', () => {
  test('by default: the 5xx rate and p90 model latency alarms of this endpoint, notifying nobody', () => {
    const { stack, endpoint, template } = endpointIn();
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a: any) => a.Properties);
    expect(alarms.map(a => a.MetricName).sort()).toEqual(['Invocation5XXErrors', 'ModelLatency']);
    for (const alarm of alarms) {
      expect(alarm.Dimensions).toEqual(expect.arrayContaining([
        { Name: 'EndpointName', Value: endpointNameAtt(stack, endpoint) },
        { Name: 'VariantName', Value: 'AllTraffic' },
      ]));
      expect(alarm.AlarmActions).toBeUndefined();
    }
    expect(endpoint.alarms?.alarms).toHaveLength(2);
    expect(endpoint.alarms?.serverErrorsAlarm).toBeDefined();
    expect(endpoint.alarmTopic).toBeUndefined();
  });

  test('options pass through; a topic hears every alarm fire and recover', () => {
    const { stack, endpoint, template } = endpointIn({
      alarms: { modelLatency: { threshold: cdk.Duration.millis(250), percentile: 99 }, clientErrors: { enabled: true }, serverErrors: { enabled: false } },
      alarmTopic: undefined,
    });
    expect(endpoint.alarms?.alarms.map(a => stack.resolve((a.node.defaultChild as cloudwatch.CfnAlarm).metricName)).sort())
      .toEqual(['Invocation4XXErrors', 'ModelLatency']);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ModelLatency', ExtendedStatistic: 'p99', Threshold: 250000 });

    const withTopic = new cdk.Stack(fastApp(), 'T');
    const topic = new sns.Topic(withTopic, 'Pager');
    const paged = new RealtimeEndpoint(withTopic, 'E', { modelData: ModelData.fromS3Uri('s3://bkt/model.tar.gz'), alarmTopic: topic });
    expect(paged.alarmTopic).toBe(topic);
    const topicRef = { Ref: withTopic.getLogicalId(topic.node.defaultChild as sns.CfnTopic) };
    const alarms = Object.values(Template.fromStack(withTopic).findResources('AWS::CloudWatch::Alarm')).map((a: any) => a.Properties);
    expect(alarms).toHaveLength(2);
    for (const alarm of alarms) {
      expect(alarm.AlarmActions).toEqual([topicRef]);
      expect(alarm.OKActions).toEqual([topicRef]);
    }
  });

  test('alarms nobody hears are what HIPAA and NIST 800-53 report (CloudWatchAlarmAction); a topic clears it', () => {
    const findingsWith = (topic: boolean) => {
      const app = checkedApp();
      const stack = new cdk.Stack(app, 'S');
      new RealtimeEndpoint(stack, 'E', {
        modelData: ModelData.fromS3Uri('s3://bkt/model.tar.gz'),
        alarmTopic: topic ? sns.Topic.fromTopicArn(stack, 'Pager', 'arn:aws:sns:eu-west-1:111122223333:pager') : undefined,
      });
      return synthWithChecks(app, { nagPacks: [HIPAASecurityChecks, NIST80053R5Checks] }).findings
        .filter(f => f.rule.endsWith('CloudWatchAlarmAction'));
    };
    const silent = findingsWith(false);
    expect(silent.map(f => f.rule).sort()).toEqual(['HIPAA.Security-CloudWatchAlarmAction', 'NIST.800.53.R5-CloudWatchAlarmAction']);
    expect(silent[0].constructPaths.sort()).toEqual(['S/E/Alarms/ModelLatency/Resource', 'S/E/Alarms/ServerErrors/Resource']);
    expect(findingsWith(true)).toEqual([]);
  });

  test('enableAlarms: false creates none', () => {
    const { endpoint, template } = endpointIn({ enableAlarms: false });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    expect(endpoint.alarms).toBeUndefined();
  });

  test.each<[string, Partial<RealtimeEndpointProps>, RegExp]>([
    ['alarm options with alarms off', { enableAlarms: false, alarms: { clientErrors: { enabled: true } } }, /enableAlarms is false, yet alarms or alarmTopic is set/],
    ['a topic with alarms off', { enableAlarms: false, alarmTopic: {} as sns.ITopic }, /enableAlarms is false/],
    ['dashboard options with the dashboard off', { enableDashboard: false, dashboard: { dashboardName: 'x' } }, /enableDashboard is false, yet dashboard options are set/],
    ['a GPU memory alarm on a CPU instance', { instanceType: InstanceType.ML_M5_LARGE, alarms: { gpuMemory: { enabled: true } } },
      /alarms\.gpuMemory needs a GPU instance, but ml\.m5\.large has none/],
    ['an invalid alarm option', { alarms: { serverErrors: { threshold: 5 } } }, /S\/Endpoint\/Alarms: serverErrors\.threshold is a rate from 0 to 1/],
    ['an invalid dashboard name', { dashboard: { dashboardName: 'my dashboard' } }, /dashboardName 'my dashboard' is not a valid CloudWatch dashboard name/],
  ])('%s fails at synth', (_name, props, message) => {
    expect(() => endpointIn(props)).toThrow(message);
  });
});

describe('dashboard', () => {
  test('by default: one dashboard for this endpoint, with the alarm states, opened from dashboardUrl', () => {
    const { stack, endpoint, template } = endpointIn({}, { account: '111122223333', region: 'eu-west-1' });
    const body = JSON.stringify(only(template, 'AWS::CloudWatch::Dashboard').Properties.DashboardBody);
    expect(body).toContain(stack.getLogicalId(endpoint.endpoint));
    expect(body).toContain('"type\\":\\"alarm\\"');
    for (const alarm of endpoint.alarms!.alarms) {
      expect(body).toContain(stack.getLogicalId(alarm.node.defaultChild as cloudwatch.CfnAlarm));
    }
    expect(stack.resolve(endpoint.dashboardUrl)).toEqual({
      'Fn::Join': ['', ['https://console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards:name=',
        { Ref: stack.getLogicalId(endpoint.dashboard!.dashboard.node.defaultChild as cloudwatch.CfnDashboard) }]],
    });
  });

  test('name, time range and more widgets (a training job) pass through; without alarms there is no alarm widget', () => {
    const { endpoint, template } = endpointIn({
      enableAlarms: false,
      dashboard: { dashboardName: 'classifier', defaultInterval: cdk.Duration.days(1), widgets: new TrainingJobMetrics('job-1').dashboardWidgets({ metricNames: ['train:loss'] }) },
    });
    const dashboard = only(template, 'AWS::CloudWatch::Dashboard').Properties;
    expect(dashboard.DashboardName).toBe('classifier');
    const body = JSON.stringify(dashboard.DashboardBody);
    expect(body).toContain('job-1/algo-1');
    expect(body).toContain('train:loss');
    expect(body).toContain('-P1D');
    expect(body).not.toContain('"type\\":\\"alarm\\"');
    expect(endpoint.dashboardUrl).toMatch(/#dashboards:name=classifier$/);
  });

  test('enableDashboard: false creates none', () => {
    const { endpoint, template } = endpointIn({ enableDashboard: false, instanceType: InstanceType.ML_M5_LARGE });
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(endpoint.dashboard).toBeUndefined();
    expect(endpoint.dashboardUrl).toBeUndefined();
  });
});
