// Copy-count metrics of a scale-to-zero endpoint: the publisher the construct deploys (schedule, function, exact
// permissions), the metric methods, the alarm and the dashboard graph; the opt-out; and the modes without them.
import * as cdk from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ModelData, RealtimeEndpoint, RealtimeEndpointProps, ServingMode } from '../../../lib';
import { COPY_COUNT_NAMESPACE, INFERENCE_COMPONENT_NAME_ENV } from '../../../lib/hosting/monitoring/copy-count-names';
import { fastApp } from '../../helpers/synth-checks';

function endpointIn(props: Partial<RealtimeEndpointProps> = {}) {
  const stack = new cdk.Stack(fastApp(), 'S', { env: { account: '123456789012', region: 'eu-west-1' } });
  const endpoint = new RealtimeEndpoint(stack, 'Endpoint', {
    modelData: ModelData.fromBucket(s3.Bucket.fromBucketName(stack, 'Models', 'my-models'), 'classifier/model.tar.gz'),
    endpointName: 'Shop-Classifier',
    servingMode: ServingMode.realtimeScaleToZero(),
    ...props,
  });
  return { stack, endpoint, template: Template.fromStack(stack) };
}

/** The statements of the publisher function's role. */
function publisherStatements(template: Template): any[] {
  const fn = Object.values(template.findResources('AWS::Lambda::Function'))
    .find((r: any) => r.Properties.Environment?.Variables?.[INFERENCE_COMPONENT_NAME_ENV] !== undefined) as any;
  expect(fn).toBeDefined();
  const roleId = fn.Properties.Role['Fn::GetAtt'][0];
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p: any) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
    .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
}

describe('copy-count metrics of ServingMode.realtimeScaleToZero()', () => {
  test('a function scheduled every minute reads the inference component, with its name in the environment', () => {
    const { template, endpoint } = endpointIn();
    expect(endpoint.copyCountPublisher).toBeDefined();
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 30,
      Environment: { Variables: { [INFERENCE_COMPONENT_NAME_ENV]: 'Shop-Classifier-ic' } },
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [Match.objectLike({
        Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('CopyCountsPublisherFunction'), 'Arn'] },
        // A missed minute is not retried: the next one publishes again.
        RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
      })],
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  test('its permissions: describe this one component (as named and lower-cased), put metrics in its namespace only, write its logs', () => {
    const { template } = endpointIn();
    const statements = publisherStatements(template);
    const arn = (name: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:sagemaker:eu-west-1:123456789012:inference-component/${name}`]] });
    expect(statements).toEqual(expect.arrayContaining([
      { Effect: 'Allow', Action: 'sagemaker:DescribeInferenceComponent', Resource: [arn('Shop-Classifier-ic'), arn('shop-classifier-ic')] },
      { Effect: 'Allow', Action: 'cloudwatch:PutMetricData', Resource: '*', Condition: { StringEquals: { 'cloudwatch:namespace': COPY_COUNT_NAMESPACE } } },
      expect.objectContaining({ Action: ['logs:CreateLogStream', 'logs:PutLogEvents'] }),
    ]));
    expect(statements).toHaveLength(3);
  });

  test('metric methods name what the function publishes', () => {
    const { endpoint, stack } = endpointIn();
    const current = endpoint.inferenceComponentMetrics!.metricCurrentCopyCount();
    expect({ namespace: current.namespace, name: current.metricName, statistic: current.statistic, dims: stack.resolve(current.dimensions) })
      .toEqual({ namespace: COPY_COUNT_NAMESPACE, name: 'CurrentCopyCount', statistic: 'Maximum', dims: { InferenceComponentName: 'Shop-Classifier-ic' } });
    const desired = endpoint.inferenceComponentMetrics!.metricDesiredCopyCount({ period: cdk.Duration.minutes(1) });
    expect([desired.metricName, desired.period.toMinutes()]).toEqual(['DesiredCopyCount', 1]);
  });

  test('the "copies not placed" alarm: desired above current for 20 minutes, quiet when scaled to zero or without data', () => {
    const { template, endpoint } = endpointIn();
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'))
      .filter((a: any) => (a.Properties.Metrics ?? []).some((m: any) => m.Expression === 'desired - current'));
    expect(alarms).toHaveLength(1);
    const alarm = (alarms[0] as any).Properties;
    expect(alarm).toMatchObject({
      ComparisonOperator: 'GreaterThanOrEqualToThreshold', Threshold: 1, EvaluationPeriods: 20, DatapointsToAlarm: 20, TreatMissingData: 'notBreaching',
    });
    const byId = Object.fromEntries(alarm.Metrics.map((m: any) => [m.Id, m]));
    expect(byId.desired.MetricStat).toMatchObject({ Metric: { Namespace: COPY_COUNT_NAMESPACE, MetricName: 'DesiredCopyCount' }, Period: 60, Stat: 'Maximum' });
    expect(byId.current.MetricStat).toMatchObject({ Metric: { Namespace: COPY_COUNT_NAMESPACE, MetricName: 'CurrentCopyCount' }, Period: 60, Stat: 'Minimum' });
    expect(alarm.AlarmDescription).toContain('describe-inference-component --inference-component-name Shop-Classifier-ic');
    // It is one of the endpoint's alarms (the alarm topic, rollback candidates).
    expect(endpoint.alarms!.alarms.map((a) => a.node.id)).toContain('CopiesNotPlaced');
  });

  test('the dashboard graphs current and desired copies', () => {
    const { template } = endpointIn();
    const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as any[];
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0].Properties.DashboardBody);
    expect(body).toContain('copies running and asked for');
    expect(body).toContain(COPY_COUNT_NAMESPACE);
    expect(body).toContain('DesiredCopyCount');
  });

  test('copyCountMetrics: false deploys no publisher, no alarm, no graph; the metric methods say how to get them back', () => {
    const { template, endpoint } = endpointIn({ servingMode: ServingMode.realtimeScaleToZero({ copyCountMetrics: false }) });
    expect(endpoint.copyCountPublisher).toBeUndefined();
    template.resourceCountIs('AWS::Events::Rule', 0);
    // The one function left reads the copy count at deploy time (copy-count-at-deploy.local.test.ts), it publishes nothing.
    expect(Object.values(template.findResources('AWS::Lambda::Function')).map((f: any) => f.Properties.Description))
      .toEqual([expect.stringMatching(/^Reads the copy count of SageMaker inference component .* before CloudFormation updates it$/)]);
    expect(JSON.stringify(template.toJSON())).not.toContain(COPY_COUNT_NAMESPACE);
    expect(() => endpoint.inferenceComponentMetrics!.metricCurrentCopyCount()).toThrow(/remove copyCountMetrics: false/);
    expect(() => endpoint.inferenceComponentMetrics!.metricDesiredCopyCount()).toThrow(/remove copyCountMetrics: false/);
  });

  test('the other modes have no copy counts: no publisher, and no inference component metrics', () => {
    for (const servingMode of [ServingMode.realtime(), ServingMode.asynchronous()]) {
      const { template, endpoint } = endpointIn({ servingMode });
      expect(endpoint.copyCountPublisher).toBeUndefined();
      template.resourceCountIs('AWS::Events::Rule', 0);
      expect(endpoint.inferenceComponentMetrics).toBeUndefined();
    }
  });

  test('an endpoint name that is a token: the grant names the component as it resolves (it cannot be lower-cased at synth)', () => {
    const stack = new cdk.Stack(fastApp(), 'T');
    const name = new cdk.CfnParameter(stack, 'Name').valueAsString;
    new RealtimeEndpoint(stack, 'Endpoint', {
      modelData: ModelData.fromS3Uri('s3://bkt/model.tar.gz'), endpointName: name, servingMode: ServingMode.realtimeScaleToZero(),
    });
    const template = Template.fromStack(stack);
    const describe = publisherStatements(template).find((s) => s.Action === 'sagemaker:DescribeInferenceComponent');
    expect(JSON.stringify(describe.Resource)).toContain('{"Ref":"Name"}');
    expect(describe.Resource['Fn::Join']).toBeDefined(); // one ARN, not a list of two
  });
});
