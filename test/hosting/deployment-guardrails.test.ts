// Deployment guardrails: DeploymentGuardrails rendered as AWS::SageMaker::Endpoint.DeploymentConfig, the rollback
// alarms wired to the alarms of the same stack, SageMaker's rules enforced at synth, and the UpdateEndpoint request
// CloudFormation makes validated against the SageMaker API model.
import * as cdk from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import {
  CapacitySize, DeploymentGuardrails, InstanceType, ModelData, RealtimeEndpoint, RealtimeEndpointProps, ServingMode,
} from '../../lib';
import { checkGuardrails, GuardrailFacts } from '../../lib/hosting/deployment/guardrail-rules';
import { inferenceComponentKindProblems } from '../../lib/hosting/deployment/render-component-deployment-config';
import { validateRequest } from '../helpers/api-models';
import { fastApp } from '../helpers/synth-checks';

function endpointIn(props: Partial<RealtimeEndpointProps> = {}, env?: cdk.Environment) {
  const stack = new cdk.Stack(fastApp(), 'S', { env });
  const endpoint = new RealtimeEndpoint(stack, 'Endpoint', { modelData: ModelData.fromS3Uri('s3://bkt/model.tar.gz'), ...props });
  return { stack, endpoint, get template() { return Template.fromStack(stack); } };
}

function endpointResource(template: Template): any {
  const resources = Object.values(template.findResources('AWS::SageMaker::Endpoint'));
  expect(resources).toHaveLength(1);
  return (resources[0] as any).Properties;
}

/** The UpdateEndpoint request CloudFormation sends for this endpoint, alarm names resolved to their logical ids. */
function updateEndpointRequest(template: Template): any {
  const props = endpointResource(template);
  const resolve = (value: any): any => {
    if (Array.isArray(value)) return value.map(resolve);
    if (value && typeof value === 'object') {
      if ('Ref' in value) return `alarm-${value.Ref}`;
      if ('Fn::GetAtt' in value) return `config-${value['Fn::GetAtt'][0]}`;
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
    }
    return value;
  };
  return { EndpointName: props.EndpointName, EndpointConfigName: resolve(props.EndpointConfigName), DeploymentConfig: resolve(props.DeploymentConfig) };
}

const TWO = { instanceCount: 2 };

describe('each kind renders DeploymentConfig', () => {
  test('canary: CanarySize, the bake, the final wait, a timeout longer than both; default alarms roll back', () => {
    const { stack, endpoint, template } = endpointIn({
      ...TWO,
      deployment: DeploymentGuardrails.canary({ canarySize: CapacitySize.percent(50), waitInterval: cdk.Duration.minutes(15) }),
    });
    const config = endpointResource(template).DeploymentConfig;
    expect(config.BlueGreenUpdatePolicy).toEqual({
      TrafficRoutingConfiguration: { Type: 'CANARY', WaitIntervalInSeconds: 900, CanarySize: { Type: 'CAPACITY_PERCENT', Value: 50 } },
      TerminationWaitInSeconds: 300,
      MaximumExecutionTimeoutInSeconds: 900 + 300 + 3600,
    });
    // The names are Refs of the endpoint's own alarms, in this template.
    const alarmIds = endpoint.alarms!.alarms.map((a) => stack.getLogicalId(a.node.defaultChild as cdk.CfnElement));
    expect(alarmIds).toHaveLength(2);
    expect(config.AutoRollbackConfiguration).toEqual({ Alarms: alarmIds.map((id) => ({ AlarmName: { Ref: id } })) });
    for (const id of alarmIds) expect(template.toJSON().Resources[id].Type).toBe('AWS::CloudWatch::Alarm');
    validateRequest('sagemaker', 'UpdateEndpoint', updateEndpointRequest(template));
  });

  test('canary defaults: one instance, 10 minutes', () => {
    const config = endpointResource(endpointIn({ ...TWO, deployment: DeploymentGuardrails.canary() }).template).DeploymentConfig;
    expect(config.BlueGreenUpdatePolicy.TrafficRoutingConfiguration).toEqual({
      Type: 'CANARY', WaitIntervalInSeconds: 600, CanarySize: { Type: 'INSTANCE_COUNT', Value: 1 },
    });
  });

  test('linear: LinearStepSize; the timeout default counts every step', () => {
    const { template } = endpointIn({ instanceCount: 4, deployment: DeploymentGuardrails.linear({ stepSize: CapacitySize.instanceCount(1) }) });
    const policy = endpointResource(template).DeploymentConfig.BlueGreenUpdatePolicy;
    expect(policy.TrafficRoutingConfiguration).toEqual({ Type: 'LINEAR', WaitIntervalInSeconds: 300, LinearStepSize: { Type: 'INSTANCE_COUNT', Value: 1 } });
    expect(policy.MaximumExecutionTimeoutInSeconds).toBe(4 * 300 + 300 + 3600);
    validateRequest('sagemaker', 'UpdateEndpoint', updateEndpointRequest(template));
  });

  test('all at once: WaitIntervalInSeconds 0 (required by the API), the final baking period', () => {
    const { template } = endpointIn({ deployment: DeploymentGuardrails.allAtOnce({ terminationWait: cdk.Duration.minutes(20) }) });
    const policy = endpointResource(template).DeploymentConfig.BlueGreenUpdatePolicy;
    expect(policy).toEqual({
      TrafficRoutingConfiguration: { Type: 'ALL_AT_ONCE', WaitIntervalInSeconds: 0 },
      TerminationWaitInSeconds: 1200,
      MaximumExecutionTimeoutInSeconds: 1200 + 3600,
    });
    validateRequest('sagemaker', 'UpdateEndpoint', updateEndpointRequest(template));
  });

  test('rolling: batch, rollback batch, wait, timeout', () => {
    const { template } = endpointIn({
      instanceCount: 4,
      deployment: DeploymentGuardrails.rolling({
        maximumBatchSize: CapacitySize.instanceCount(2),
        rollbackMaximumBatchSize: CapacitySize.percent(100),
        waitInterval: cdk.Duration.minutes(2),
        maximumExecutionTimeout: cdk.Duration.hours(2),
      }),
    });
    const config = endpointResource(template).DeploymentConfig;
    expect(config.BlueGreenUpdatePolicy).toBeUndefined();
    expect(config.RollingUpdatePolicy).toEqual({
      MaximumBatchSize: { Type: 'INSTANCE_COUNT', Value: 2 },
      RollbackMaximumBatchSize: { Type: 'CAPACITY_PERCENT', Value: 100 },
      WaitIntervalInSeconds: 120,
      MaximumExecutionTimeoutInSeconds: 7200,
    });
    validateRequest('sagemaker', 'UpdateEndpoint', updateEndpointRequest(template));
  });

  test('without deployment nothing changes: no DeploymentConfig, metrics keep GetAtt EndpointName', () => {
    const { stack, endpoint, template } = endpointIn();
    expect(endpointResource(template).DeploymentConfig).toBeUndefined();
    expect(stack.resolve(endpoint.metricInvocations().dimensions!.EndpointName)).toEqual({
      'Fn::GetAtt': [stack.getLogicalId(endpoint.endpoint), 'EndpointName'],
    });
  });
});

describe('rollback alarms', () => {
  test('the user\'s alarms come after the endpoint\'s; useDefaultAlarms: false keeps only theirs', () => {
    const stack = new cdk.Stack(fastApp(), 'S');
    const custom = new cloudwatch.Alarm(stack, 'Custom', {
      metric: new cloudwatch.Metric({ namespace: 'App', metricName: 'BadAnswers' }), threshold: 1, evaluationPeriods: 1,
    });
    const both = new RealtimeEndpoint(stack, 'Both', {
      modelData: ModelData.fromS3Uri('s3://bkt/model.tar.gz'), deployment: DeploymentGuardrails.allAtOnce({ rollbackAlarms: [custom] }),
    });
    const mine = new RealtimeEndpoint(stack, 'Mine', {
      modelData: ModelData.fromS3Uri('s3://bkt/model.tar.gz'),
      deployment: DeploymentGuardrails.allAtOnce({ rollbackAlarms: [custom], useDefaultAlarms: false }),
    });
    const names = (e: RealtimeEndpoint) => stack.resolve(e.endpoint.deploymentConfig).autoRollbackConfiguration.alarms.map((a: any) => a.alarmName.Ref);
    const customId = stack.getLogicalId(custom.node.defaultChild as cdk.CfnElement);
    expect(names(both)).toEqual([...both.alarms!.alarms.map((a) => stack.getLogicalId(a.node.defaultChild as cdk.CfnElement)), customId]);
    expect(names(mine)).toEqual([customId]);
    Template.fromStack(stack); // synthesizes: no dependency cycle between the endpoints and the alarms
  });

  test('the alarms use the literal endpoint name, so the endpoint can name them without a cycle', () => {
    const { stack, endpoint } = endpointIn({ endpointName: 'classifier', deployment: DeploymentGuardrails.allAtOnce() });
    expect(stack.resolve(endpoint.metricModelLatency().dimensions!.EndpointName)).toBe('classifier');
    Template.fromStack(stack);
  });

  test('with alarms off, guardrails need alarms or an explicit useDefaultAlarms: false', () => {
    expect(() => endpointIn({ enableAlarms: false, deployment: DeploymentGuardrails.allAtOnce() }))
      .toThrow(/S\/Endpoint: deployment: the endpoint's alarms are off .*useDefaultAlarms: false/);
    const { template } = endpointIn({ enableAlarms: false, deployment: DeploymentGuardrails.allAtOnce({ useDefaultAlarms: false }) });
    expect(endpointResource(template).DeploymentConfig.AutoRollbackConfiguration).toBeUndefined();
  });

  test('an alarm of another region is refused', () => {
    const app = fastApp();
    const other = new cdk.Stack(app, 'Other', { env: { account: '111111111111', region: 'us-east-1' } });
    const alarm = cloudwatch.Alarm.fromAlarmArn(other, 'A', 'arn:aws:cloudwatch:us-east-1:111111111111:alarm:x');
    const stack = new cdk.Stack(app, 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
    expect(() => new RealtimeEndpoint(stack, 'Endpoint', {
      modelData: ModelData.fromS3Uri('s3://bkt/model.tar.gz'), deployment: DeploymentGuardrails.allAtOnce({ rollbackAlarms: [alarm] }),
    })).toThrow(/rollback alarm Other\/A is in region us-east-1, the endpoint in eu-west-1/);
  });

  test('more than 10 alarms are refused', () => {
    const stack = new cdk.Stack(fastApp(), 'S');
    const alarms = Array.from({ length: 9 }, (_, i) => cloudwatch.Alarm.fromAlarmName(stack, `A${i}`, `a${i}`));
    expect(() => new RealtimeEndpoint(stack, 'Endpoint', {
      modelData: ModelData.fromS3Uri('s3://bkt/model.tar.gz'), deployment: DeploymentGuardrails.allAtOnce({ rollbackAlarms: alarms }),
    })).toThrow(/11 rollback alarms: SageMaker watches at most 10/);
  });
});

describe('synth-time errors', () => {
  test.each([
    ['a canary on one instance', { deployment: DeploymentGuardrails.canary() }, /canary deployment needs at least 2 instances/],
    ['a canary over half the fleet', { instanceCount: 3, deployment: DeploymentGuardrails.canary({ canarySize: CapacitySize.instanceCount(2) }) }, /canarySize is 2 instance\(s\), 67 % of 3 instances/],
    ['a canary percentage over 50', { ...TWO, deployment: DeploymentGuardrails.canary({ canarySize: CapacitySize.percent(60) }) }, /canarySize is 60 %: SageMaker takes at most 50 %/],
    ['a linear step under 10 %', { instanceCount: 20, deployment: DeploymentGuardrails.linear({ stepSize: CapacitySize.instanceCount(1) }) }, /stepSize is 1 instance\(s\), 5 % of 20 instances/],
    ['a rolling batch over 50 %', { instanceCount: 4, deployment: DeploymentGuardrails.rolling({ maximumBatchSize: CapacitySize.percent(75) }) }, /maximumBatchSize is 75 %/],
    ['a rolling deployment on one instance', { deployment: DeploymentGuardrails.rolling() }, /rolling deployment needs at least 2 instances/],
    ['a size of 0', { ...TWO, deployment: DeploymentGuardrails.canary({ canarySize: CapacitySize.instanceCount(0) }) }, /canarySize must be a whole number >= 1/],
    ['a rollback batch over 100 %', { ...TWO, deployment: DeploymentGuardrails.rolling({ rollbackMaximumBatchSize: CapacitySize.percent(150) }) }, /rollbackMaximumBatchSize is 150 %/],
    ['a wait over an hour', { ...TWO, deployment: DeploymentGuardrails.canary({ waitInterval: cdk.Duration.minutes(61) }) }, /waitInterval is 3660 s/],
    ['a termination wait over an hour', { deployment: DeploymentGuardrails.allAtOnce({ terminationWait: cdk.Duration.hours(2) }) }, /terminationWait is 7200 s/],
    ['a timeout under 10 minutes', { deployment: DeploymentGuardrails.allAtOnce({ maximumExecutionTimeout: cdk.Duration.minutes(5) }) }, /maximumExecutionTimeout is 300 s/],
    ['a timeout shorter than the waits', { ...TWO, deployment: DeploymentGuardrails.canary({ waitInterval: cdk.Duration.minutes(60), maximumExecutionTimeout: cdk.Duration.minutes(30) }) }, /must be longer than the baking periods added up \(3900 s\)/],
    ['a canary on Inf1', { ...TWO, instanceType: InstanceType.of('ml.inf1.xlarge'), deployment: DeploymentGuardrails.canary() }, /Inf1 instance type: SageMaker does not apply deployment guardrails/],
    ['an instance-count canary above half of autoscaling\'s minimum', {
      instanceCount: 4, autoScaling: { minInstanceCount: 2, maxInstanceCount: 8, invocationsPerInstanceTarget: 100 },
      deployment: DeploymentGuardrails.canary({ canarySize: CapacitySize.instanceCount(2) }),
    }, /100 % of 2 instances \(autoScaling.minInstanceCount\)/],
  ] as Array<[string, Partial<RealtimeEndpointProps>, RegExp]>)('%s', (_name, props, message) => {
    expect(() => endpointIn(props)).toThrow(message);
  });

  test('the rules accept what SageMaker accepts', () => {
    const facts: GuardrailFacts = {
      kind: 'LINEAR', size: { type: 'CAPACITY_PERCENT', value: 10 }, waitIntervalSeconds: 60, terminationWaitSeconds: 0,
      maximumExecutionTimeoutSeconds: 1200, instanceTypeName: 'ml.g5.xlarge', instanceCount: 10, minInstanceCount: 10, alarmCount: 10,
    };
    expect(checkGuardrails(facts)).toEqual([]);
    expect(checkGuardrails({ ...facts, kind: 'ALL_AT_ONCE', size: undefined, instanceTypeName: 'ml.inf1.xlarge', instanceCount: 1, minInstanceCount: 1, alarmCount: 0 })).toEqual([]);
    expect(checkGuardrails({ ...facts, kind: 'ROLLING', unit: 'copy', size: { type: 'COPY_COUNT', value: 1 }, instanceCount: 2, minInstanceCount: 0 })).toEqual([]);
  });
});

describe('the kinds an inference component takes (inferenceComponentKindProblems)', () => {
  test('rolling only: its DeploymentConfig has no other kind', () => {
    expect(inferenceComponentKindProblems('CANARY')[0]).toMatch(/inference component.*takes only a rolling update.*no canary kind/);
    expect(inferenceComponentKindProblems('ALL_AT_ONCE')[0]).toMatch(/no all-at-once kind/);
    expect(inferenceComponentKindProblems('ROLLING')).toEqual([]);
  });
});

describe('each message names what to change, and only that (issue 20, "Contradictory hints")', () => {
  test('async with instanceCount 2 and a canary: the asynchronous minimum is what matters, not instanceCount', () => {
    const stack = new cdk.Stack(fastApp(), 'S');
    let message = '';
    try {
      new RealtimeEndpoint(stack, 'Endpoint', {
        modelData: ModelData.fromS3Uri('s3://bkt/model.tar.gz'),
        servingMode: ServingMode.asynchronous({ maxInstanceCount: 2 }),
        instanceCount: 2,
        deployment: DeploymentGuardrails.canary(),
      });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toBe('S/Endpoint: deployment: A canary deployment needs at least 2 instances (the canarySize is at most half of ' +
      'them), but the variant can have 0 (it scales to zero, so an update may find no instance at all): raise ' +
      'ServingMode.asynchronous({ minInstanceCount }) to 2 or more, or use DeploymentGuardrails.allAtOnce().');
    expect(message).not.toMatch(/raise instanceCount|autoScaling/);
    // With the minimum raised as told, the canary is accepted.
    expect(() => endpointIn({
      servingMode: ServingMode.asynchronous({ minInstanceCount: 2, maxInstanceCount: 2 }), instanceCount: 2, deployment: DeploymentGuardrails.canary(),
    })).not.toThrow();
  });

  test('scale to zero plus canary: only that an inference component takes a rolling update, no instance hint', () => {
    let message = '';
    try {
      endpointIn({ servingMode: ServingMode.realtimeScaleToZero(), deployment: DeploymentGuardrails.canary() });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toBe('S/Endpoint: deployment: An inference component (ServingMode.realtimeScaleToZero) takes only a rolling ' +
      'update, in batches of copies: its DeploymentConfig has no canary kind. Use DeploymentGuardrails.rolling() (e.g. ' +
      '{ maximumBatchSize: CapacitySize.copyCount(1) }, with maxCopyCount of at least 2), or remove deployment.');
    expect(message).not.toMatch(/instanceCount/);
  });

  test('the setting named is the one that bounds the count: instanceCount, autoScaling.minInstanceCount', () => {
    expect(() => endpointIn({ deployment: DeploymentGuardrails.canary() })).toThrow(/can have 1: raise instanceCount to 2 or more/);
    expect(() => endpointIn({
      instanceCount: 2, autoScaling: { minInstanceCount: 1, maxInstanceCount: 4, invocationsPerInstanceTarget: 10 }, deployment: DeploymentGuardrails.canary(),
    })).toThrow(/can have 1: raise autoScaling.minInstanceCount to 2 or more/);
  });

  test('copies size an inference component\'s update, not an endpoint\'s', () => {
    expect(() => endpointIn({ ...TWO, deployment: DeploymentGuardrails.rolling({ maximumBatchSize: CapacitySize.copyCount(1) }) }))
      .toThrow(/maximumBatchSize is a number of copies: an endpoint is updated in shares of its instances/);
  });
});

describe('Inf1: all at once, and nothing that only guardrails would do ("Exclusions")', () => {
  const INF1 = { instanceType: InstanceType.of('ml.inf1.xlarge') };

  test('rollback alarms and a termination wait are refused with what to change', () => {
    expect(() => endpointIn({ ...INF1, deployment: DeploymentGuardrails.allAtOnce() })).toThrow(
      'S/Endpoint: deployment: ml.inf1.xlarge is an Inf1 instance type: SageMaker does not apply deployment guardrails to ' +
      'Inf1 endpoints and deploys all at once with no final baking period, so the 2 rollback alarm(s) and terminationWait ' +
      '(300 s) of allAtOnce() would do nothing. Remove deployment (the update is all at once anyway), or pick an instance ' +
      'type other than Inf1 to keep them.');
    expect(() => endpointIn({ ...INF1, deployment: DeploymentGuardrails.allAtOnce({ terminationWait: cdk.Duration.seconds(0) }) }))
      .toThrow(/the 2 rollback alarm\(s\) of allAtOnce\(\) would do nothing/);
    expect(() => endpointIn({ ...INF1, deployment: DeploymentGuardrails.allAtOnce({ useDefaultAlarms: false }) }))
      .toThrow(/the terminationWait \(300 s\) of allAtOnce\(\) would do nothing/);
  });

  test('all at once without them is accepted (it states what SageMaker does anyway)', () => {
    const { template } = endpointIn({ ...INF1, deployment: DeploymentGuardrails.allAtOnce({ terminationWait: cdk.Duration.seconds(0), useDefaultAlarms: false }) });
    expect(endpointResource(template).DeploymentConfig.BlueGreenUpdatePolicy.TerminationWaitInSeconds).toBe(0);
    validateRequest('sagemaker', 'UpdateEndpoint', updateEndpointRequest(template));
  });
});
