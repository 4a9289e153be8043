// The rolling update of an inference component (ServingMode.realtimeScaleToZero with deployment): rendered as
// AWS::SageMaker::InferenceComponent.DeploymentConfig, checked at synth against the API model's ranges and the
// documented batch rules, the UpdateInferenceComponent request validated against botocore's full SageMaker model, and
// what the CloudFormation schema itself checks.
import * as cdk from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { CapacitySize, DeploymentGuardrails, ModelData, RealtimeEndpoint, RealtimeEndpointProps, ScaleToZeroOptions, ServingMode } from '../../lib';
import { checkRequest, deployedProperties, validateRequest } from '../helpers/api-models';
import { checkedApp, expectCleanSynth, fastApp, synthWithChecks } from '../helpers/synth-checks';

function endpointIn(options: ScaleToZeroOptions, props: Partial<RealtimeEndpointProps> = {}) {
  const stack = new cdk.Stack(fastApp(), 'S');
  const endpoint = new RealtimeEndpoint(stack, 'Endpoint', {
    modelData: ModelData.fromS3Uri('s3://bkt/model.tar.gz'), servingMode: ServingMode.realtimeScaleToZero(options), ...props,
  });
  return { stack, endpoint, get template() { return Template.fromStack(stack); } };
}

function only(template: Template, type: string): any {
  const resources = Object.values(template.findResources(type));
  expect(resources).toHaveLength(1);
  return (resources[0] as any).Properties;
}

const TWO_COPIES = { maxInstanceCount: 2, maxCopyCount: 2 };

describe('rendered on the inference component', () => {
  test('rolling() with its defaults: half the copies per batch, 5 minutes of baking, automatic rollback on the endpoint\'s alarms', () => {
    const { template, endpoint, stack } = endpointIn(TWO_COPIES, { deployment: DeploymentGuardrails.rolling() });
    const component = only(template, 'AWS::SageMaker::InferenceComponent');
    // Two batches of 50 %, each baking 5 minutes, plus an hour for copies (and instances) to start.
    expect(component.DeploymentConfig.RollingUpdatePolicy).toEqual({
      MaximumBatchSize: { Type: 'CAPACITY_PERCENT', Value: 50 },
      WaitIntervalInSeconds: 300,
      MaximumExecutionTimeoutInSeconds: 2 * 300 + 3600,
    });
    const alarmIds = endpoint.alarms!.alarms.map((a) => stack.getLogicalId(a.node.defaultChild as cdk.CfnElement));
    expect(alarmIds.map((id) => id.replace(/[0-9A-F]{8}$/, ''))).toEqual([
      'EndpointAlarmsServerErrors', 'EndpointAlarmsModelLatency', 'EndpointAlarmsInferenceComponentServerErrors', 'EndpointAlarmsCopiesNotPlaced',
    ]);
    expect(component.DeploymentConfig.AutoRollbackConfiguration).toEqual({ Alarms: alarmIds.map((id) => ({ AlarmName: { Ref: id } })) });
    // The endpoint itself takes no DeploymentConfig: a new model is an update of the component, never of the endpoint.
    expect(only(template, 'AWS::SageMaker::Endpoint').DeploymentConfig).toBeUndefined();
  });

  test('a batch of copies, a rollback batch, the wait and the timeout as given; the user\'s alarms after the endpoint\'s', () => {
    const stack = new cdk.Stack(fastApp(), 'S');
    const custom = new cloudwatch.Alarm(stack, 'Custom', { metric: new cloudwatch.Metric({ namespace: 'App', metricName: 'Bad' }), threshold: 1, evaluationPeriods: 1 });
    new RealtimeEndpoint(stack, 'Endpoint', {
      modelData: ModelData.fromS3Uri('s3://bkt/model.tar.gz'),
      servingMode: ServingMode.realtimeScaleToZero({ maxInstanceCount: 4, maxCopyCount: 4 }),
      deployment: DeploymentGuardrails.rolling({
        maximumBatchSize: CapacitySize.copyCount(1),
        rollbackMaximumBatchSize: CapacitySize.copyCount(2),
        waitInterval: cdk.Duration.minutes(2),
        maximumExecutionTimeout: cdk.Duration.hours(1),
        rollbackAlarms: [custom],
        useDefaultAlarms: false,
      }),
    });
    const config = only(Template.fromStack(stack), 'AWS::SageMaker::InferenceComponent').DeploymentConfig;
    expect(config).toEqual({
      RollingUpdatePolicy: {
        MaximumBatchSize: { Type: 'COPY_COUNT', Value: 1 },
        RollbackMaximumBatchSize: { Type: 'COPY_COUNT', Value: 2 },
        WaitIntervalInSeconds: 120,
        MaximumExecutionTimeoutInSeconds: 3600,
      },
      AutoRollbackConfiguration: { Alarms: [{ AlarmName: { Ref: stack.getLogicalId(custom.node.defaultChild as cdk.CfnElement) } }] },
    });
  });

  test('the requests CloudFormation makes are valid for the API model: Create without DeploymentConfig, Update with it', () => {
    const { template } = endpointIn(TWO_COPIES, { deployment: DeploymentGuardrails.rolling({ maximumBatchSize: CapacitySize.copyCount(1) }) });
    // RuntimeConfig.CopyCount is what the copy-count custom resource answers at deploy time (here: 2 copies running).
    const props: any = { ...deployedProperties(template.toJSON(), 'AWS::SageMaker::InferenceComponent'), RuntimeConfig: { CopyCount: 2 } };
    const { DeploymentConfig, EndpointName: _endpoint, VariantName: _variant, ...updatable } = props;
    // DeploymentConfig is write-only in CloudFormation and no member of CreateInferenceComponent: the API applies it
    // when the component is updated (UpdateInferenceComponent), which is when a new model is rolled out.
    expect(checkRequest('sagemaker', 'CreateInferenceComponent', props)).toEqual([expect.stringMatching(/DeploymentConfig/)]);
    const { DeploymentConfig: _dc, ...create } = props;
    validateRequest('sagemaker', 'CreateInferenceComponent', create);
    validateRequest('sagemaker', 'UpdateInferenceComponent', { ...updatable, DeploymentConfig });
    expect(DeploymentConfig.AutoRollbackConfiguration.Alarms).toHaveLength(4);
  });

  test('the alarms do not depend on the component or the endpoint it names: it synthesizes without a cycle, cleanly', () => {
    const app = checkedApp();
    const stack = new cdk.Stack(app, 'Rolling');
    new RealtimeEndpoint(stack, 'Endpoint', {
      modelData: ModelData.fromS3Uri('s3://bkt/model.tar.gz'),
      servingMode: ServingMode.realtimeScaleToZero(TWO_COPIES),
      deployment: DeploymentGuardrails.rolling({ maximumBatchSize: CapacitySize.copyCount(1) }),
    });
    expectCleanSynth(app);
  });
});

describe('synth-time rules (InferenceComponentRollingUpdatePolicy, InferenceComponentCapacitySize, botocore ranges)', () => {
  test.each([
    ['one copy at most: no batch is half of it', {}, DeploymentGuardrails.rolling(),
      /rolling update of an inference component replaces at most half of its copies .*needs at least 2 copies, but ServingMode.realtimeScaleToZero\(\{ maxCopyCount \}\) is 1: raise it to 2 or more, or remove deployment/],
    ['a batch over half of maxCopyCount', { maxInstanceCount: 3, maxCopyCount: 3 }, DeploymentGuardrails.rolling({ maximumBatchSize: CapacitySize.copyCount(2) }),
      /maximumBatchSize is 2 copies, 67 % of ServingMode.realtimeScaleToZero\(\{ maxCopyCount \}\) \(3\): SageMaker takes 5 to 50 %/],
    ['a batch under 5 % of maxCopyCount', { maxInstanceCount: 2, maxCopyCount: 40 }, DeploymentGuardrails.rolling({ maximumBatchSize: CapacitySize.copyCount(1) }),
      /maximumBatchSize is 1 copies, 3 % of .*\(40\): SageMaker takes 5 to 50 %/],
    ['a percentage over 50', TWO_COPIES, DeploymentGuardrails.rolling({ maximumBatchSize: CapacitySize.percent(60) }), /maximumBatchSize is 60 %: SageMaker takes 5 to 50 % of the inference component's copies/],
    ['a percentage under 5', TWO_COPIES, DeploymentGuardrails.rolling({ maximumBatchSize: CapacitySize.percent(4) }), /maximumBatchSize is 4 %/],
    ['a batch of 0 copies', TWO_COPIES, DeploymentGuardrails.rolling({ maximumBatchSize: CapacitySize.copyCount(0) }), /maximumBatchSize must be a whole number >= 1/],
    ['a batch in instances', TWO_COPIES, DeploymentGuardrails.rolling({ maximumBatchSize: CapacitySize.instanceCount(1) }),
      /maximumBatchSize is a number of instances: an inference component is updated in batches of copies, so its sizes are CapacitySize.copyCount\(n\) or CapacitySize.percent\(n\)/],
    ['a rollback batch in instances', TWO_COPIES, DeploymentGuardrails.rolling({ rollbackMaximumBatchSize: CapacitySize.instanceCount(1) }), /rollbackMaximumBatchSize is a number of instances/],
    ['a rollback batch over 100 %', TWO_COPIES, DeploymentGuardrails.rolling({ rollbackMaximumBatchSize: CapacitySize.percent(101) }), /rollbackMaximumBatchSize is 101 %/],
    ['a wait over an hour', TWO_COPIES, DeploymentGuardrails.rolling({ waitInterval: cdk.Duration.minutes(61) }), /waitInterval is 3660 s: SageMaker takes 0 to 3600 s/],
    ['a timeout under 10 minutes', TWO_COPIES, DeploymentGuardrails.rolling({ maximumExecutionTimeout: cdk.Duration.minutes(9) }), /maximumExecutionTimeout is 540 s/],
    ['a timeout over 8 hours', TWO_COPIES, DeploymentGuardrails.rolling({ maximumExecutionTimeout: cdk.Duration.hours(9) }), /maximumExecutionTimeout is 32400 s/],
    ['a timeout shorter than the baking', TWO_COPIES, DeploymentGuardrails.rolling({ waitInterval: cdk.Duration.minutes(30), maximumExecutionTimeout: cdk.Duration.minutes(50) }),
      /must be longer than the baking periods added up \(3600 s\)/],
  ] as Array<[string, ScaleToZeroOptions, DeploymentGuardrails, RegExp]>)('%s', (_name, options, deployment, message) => {
    expect(() => endpointIn(options, { deployment })).toThrow(message);
  });

  test('more than 10 rollback alarms, and alarms off without useDefaultAlarms: false', () => {
    const stack = new cdk.Stack(fastApp(), 'S');
    const alarms = Array.from({ length: 7 }, (_, i) => cloudwatch.Alarm.fromAlarmName(stack, `A${i}`, `a${i}`));
    expect(() => new RealtimeEndpoint(stack, 'Endpoint', {
      modelData: ModelData.fromS3Uri('s3://bkt/model.tar.gz'), servingMode: ServingMode.realtimeScaleToZero(TWO_COPIES),
      deployment: DeploymentGuardrails.rolling({ rollbackAlarms: alarms }),
    })).toThrow(/11 rollback alarms: SageMaker watches at most 10/);
    expect(() => endpointIn(TWO_COPIES, { enableAlarms: false, deployment: DeploymentGuardrails.rolling() })).toThrow(/the endpoint's alarms are off/);
    const { template } = endpointIn(TWO_COPIES, { enableAlarms: false, deployment: DeploymentGuardrails.rolling({ useDefaultAlarms: false }) });
    expect(only(template, 'AWS::SageMaker::InferenceComponent').DeploymentConfig.AutoRollbackConfiguration).toBeUndefined();
  });

  test('the ranges the rules use are the API model\'s', () => {
    const { template } = endpointIn(TWO_COPIES, { deployment: DeploymentGuardrails.rolling({ maximumBatchSize: CapacitySize.copyCount(1) }) });
    const { DeploymentConfig } = deployedProperties(template.toJSON(), 'AWS::SageMaker::InferenceComponent');
    const request = (policy: any) => ({ InferenceComponentName: 'x', DeploymentConfig: { ...DeploymentConfig, RollingUpdatePolicy: { ...DeploymentConfig.RollingUpdatePolicy, ...policy } } });
    expect(checkRequest('sagemaker', 'UpdateInferenceComponent', request({ WaitIntervalInSeconds: 3601 }))).toEqual([expect.stringMatching(/WaitIntervalInSeconds/)]);
    expect(checkRequest('sagemaker', 'UpdateInferenceComponent', request({ MaximumExecutionTimeoutInSeconds: 599 }))).toEqual([expect.stringMatching(/MaximumExecutionTimeoutInSeconds/)]);
    expect(checkRequest('sagemaker', 'UpdateInferenceComponent', request({ MaximumBatchSize: { Type: 'INSTANCE_COUNT', Value: 1 } }))).toEqual([expect.stringMatching(/Type/)]);
    expect(checkRequest('sagemaker', 'UpdateInferenceComponent', request({ MaximumBatchSize: { Type: 'COPY_COUNT', Value: 0 } }))).toEqual([expect.stringMatching(/Value/)]);
    expect(checkRequest('sagemaker', 'UpdateInferenceComponent', request({ WaitIntervalInSeconds: undefined }))).toEqual([expect.stringMatching(/WaitIntervalInSeconds/)]);
  });
});

describe('what the CloudFormation schema of AWS::SageMaker::InferenceComponent checks (aws-cdk-lib\'s validator)', () => {
  function findings(deploymentConfig: sagemaker.CfnInferenceComponent.InferenceComponentDeploymentConfigProperty): string[] {
    const app = checkedApp();
    new sagemaker.CfnInferenceComponent(new cdk.Stack(app, 'P'), 'Ic', {
      endpointName: 'e', inferenceComponentName: 'ic', variantName: 'AllTraffic',
      specification: { modelName: 'm', computeResourceRequirements: { numberOfCpuCoresRequired: 1, minMemoryRequiredInMb: 1024 } },
      runtimeConfig: { copyCount: 1 },
      deploymentConfig,
    });
    return synthWithChecks(app, { nagPacks: [] }).findings.map((f) => f.description);
  }
  const batch = { type: 'COPY_COUNT', value: 1 };

  test('the wait and timeout ranges, the size types and 1 to 10 alarms', () => {
    expect(findings({ rollingUpdatePolicy: { maximumBatchSize: batch, waitIntervalInSeconds: 60 }, autoRollbackConfiguration: { alarms: [{ alarmName: 'a' }] } })).toEqual([]);
    expect(findings({ rollingUpdatePolicy: { maximumBatchSize: batch, waitIntervalInSeconds: 3601 } })).toEqual([expect.stringMatching(/WaitIntervalInSeconds.*maximum of 3600/)]);
    expect(findings({ rollingUpdatePolicy: { maximumBatchSize: batch, waitIntervalInSeconds: 0, maximumExecutionTimeoutInSeconds: 599 } })).toEqual([expect.stringMatching(/minimum of 600/)]);
    expect(findings({ rollingUpdatePolicy: { maximumBatchSize: { type: 'INSTANCE_COUNT', value: 1 }, waitIntervalInSeconds: 0 } })).toEqual([expect.stringMatching(/'INSTANCE_COUNT' is not one of \['COPY_COUNT', 'CAPACITY_PERCENT'\]/)]);
    expect(findings({ rollingUpdatePolicy: { maximumBatchSize: batch, waitIntervalInSeconds: 0 }, autoRollbackConfiguration: { alarms: [] } })).toEqual([expect.stringMatching(/minimum item count: 1/)]);
  });

  test('not what only the API refuses: a size of 0, no RollingUpdatePolicy, no WaitIntervalInSeconds (the library\'s rules and the API-model tests cover them)', () => {
    expect(findings({ rollingUpdatePolicy: { maximumBatchSize: { type: 'COPY_COUNT', value: 0 }, waitIntervalInSeconds: 0 } })).toEqual([]);
    expect(findings({ autoRollbackConfiguration: { alarms: [{ alarmName: 'a' }] } })).toEqual([]);
    expect(findings({ rollingUpdatePolicy: { maximumBatchSize: batch } })).toEqual([]);
  });
});
