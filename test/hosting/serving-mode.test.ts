import * as cdk from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { DeploymentGuardrails, InstanceType, ModelData, PytorchCustomEndpoint, RealtimeEndpoint, RealtimeEndpointProps, ServingMode, ServingModeKind } from '../../lib';
import { checkRequest, deployedProperties, putScalingPolicyRequest, validateRequest } from '../helpers/api-models';
import { checkedApp, expectCleanSynth, fastApp } from '../helpers/synth-checks';


function endpointIn(props: Partial<RealtimeEndpointProps> = {}) {
  const stack = new cdk.Stack(fastApp(), 'S');
  const bucket = s3.Bucket.fromBucketName(stack, 'Models', 'my-models');
  const endpoint = new RealtimeEndpoint(stack, 'Endpoint', {
    modelData: ModelData.fromBucket(bucket, 'classifier/model.tar.gz'),
    ...props,
  });
  return { stack, endpoint, get template() { return Template.fromStack(stack); } };
}

function only(template: Template, type: string): any {
  const resources = Object.values(template.findResources(type));
  expect(resources).toHaveLength(1);
  return (resources[0] as any).Properties;
}

function resources(template: Template, type: string): any[] {
  return Object.values(template.findResources(type)).map((r: any) => r.Properties);
}

function statements(template: Template): any[] {
  return resources(template, 'AWS::IAM::Policy').flatMap((p: any) => p.PolicyDocument.Statement);
}

describe('ServingMode', () => {
  test('factories and kinds; realtime is the default and does not scale to zero', () => {
    expect(ServingMode.realtime().kind).toBe(ServingModeKind.REALTIME);
    expect(ServingMode.realtime().scalesToZero).toBe(false);
    expect(ServingMode.realtimeScaleToZero().kind).toBe(ServingModeKind.REALTIME_SCALE_TO_ZERO);
    expect(ServingMode.asynchronous({ maxInstanceCount: 2 }).asyncInference).toEqual({ maxInstanceCount: 2 });
    expect(ServingMode.asynchronous().scalesToZero).toBe(true);
  });

  test('deployment guardrails: a rolling update for inference components; for async only all-at-once while it may sit at zero', () => {
    expect(() => endpointIn({ servingMode: ServingMode.realtimeScaleToZero(), deployment: DeploymentGuardrails.allAtOnce() }))
      .toThrow(/inference component .*takes only a rolling update.*or remove deployment/);
    expect(() => endpointIn({ servingMode: ServingMode.asynchronous({ maxInstanceCount: 2 }), instanceCount: 2, deployment: DeploymentGuardrails.canary() }))
      .toThrow(/it scales to zero, so an update may find no instance at all/);
    expect(() => endpointIn({ servingMode: ServingMode.asynchronous(), deployment: DeploymentGuardrails.allAtOnce() })).not.toThrow();
  });

  test('ServingMode.realtime() renders exactly the template of no servingMode at all', () => {
    expect(endpointIn({ servingMode: ServingMode.realtime() }).template.toJSON()).toEqual(endpointIn().template.toJSON());
  });
});

describe('real-time, scales to zero (inference component)', () => {
  test('variant with managed instance scaling min 0, no model; config has the execution role; component hosts the model', () => {
    const { template, stack } = endpointIn({ servingMode: ServingMode.realtimeScaleToZero({ maxInstanceCount: 2 }) });
    const config = only(template, 'AWS::SageMaker::EndpointConfig');
    expect(config.ProductionVariants).toEqual([{
      VariantName: 'AllTraffic',
      InstanceType: 'ml.g5.xlarge',
      InitialInstanceCount: 1,
      ManagedInstanceScaling: { Status: 'ENABLED', MinInstanceCount: 0, MaxInstanceCount: 2 },
      RoutingConfig: { RoutingStrategy: 'LEAST_OUTSTANDING_REQUESTS' },
    }]);
    expect(stack.resolve(config.ExecutionRoleArn)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^EndpointExecutionRole/), 'Arn'] });
    const component = only(template, 'AWS::SageMaker::InferenceComponent');
    expect(component.InferenceComponentName).toMatch(/^S-Endpoint-[A-Za-z0-9]+-ic$/);
    expect(component.VariantName).toBe('AllTraffic');
    // The count comes from the custom resource that reads it at deploy time; the initial count is what it answers
    // while the component does not exist yet (test/hosting/copy-count-at-deploy.local.test.ts).
    expect(component.RuntimeConfig).toEqual({ CopyCount: { 'Fn::GetAtt': [expect.stringMatching(/CopyCountAtDeploy/), 'CopyCount'] } });
    expect(only(template, 'Custom::InferenceComponentCopyCount')).toMatchObject({ InferenceComponentName: component.InferenceComponentName, InitialCopyCount: 1 });
    // ml.g5.xlarge: 1 GPU, 4 vCPU, 16 GiB -> the GPU, half the cores, half the memory.
    expect(component.Specification.ComputeResourceRequirements).toEqual({
      NumberOfAcceleratorDevicesRequired: 1, NumberOfCpuCoresRequired: 2, MinMemoryRequiredInMb: 8192,
    });
    expect(stack.resolve(component.Specification.ModelName)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^EndpointModel/), 'ModelName'] });
  });

  test('per-copy requirements can be set; CPU instances get no accelerators', () => {
    const { template } = endpointIn({
      instanceType: InstanceType.ML_G5_12XLARGE,
      servingMode: ServingMode.realtimeScaleToZero({ acceleratorsPerCopy: 2, cpuCoresPerCopy: 4, memoryPerCopy: cdk.Size.gibibytes(32), initialCopyCount: 0 }),
    });
    const component = only(template, 'AWS::SageMaker::InferenceComponent');
    expect(component.Specification.ComputeResourceRequirements).toEqual({
      NumberOfAcceleratorDevicesRequired: 2, NumberOfCpuCoresRequired: 4, MinMemoryRequiredInMb: 32768,
    });
    expect(only(template, 'Custom::InferenceComponentCopyCount').InitialCopyCount).toBe(0);
    const cpu = only(endpointIn({ instanceType: InstanceType.ML_M5_XLARGE, servingMode: ServingMode.realtimeScaleToZero() }).template,
      'AWS::SageMaker::InferenceComponent');
    expect(cpu.Specification.ComputeResourceRequirements).toEqual({ NumberOfCpuCoresRequired: 2, MinMemoryRequiredInMb: 8192 });
  });

  test('copy count scaling as AWS documents it: min 0, target tracking on invocations per copy (to 0 too), a step policy out of 0, nothing else', () => {
    const { template, endpoint } = endpointIn({
      servingMode: ServingMode.realtimeScaleToZero({ maxCopyCount: 3, invocationsPerCopyTarget: 20 }),
    });
    const name = endpoint.inferenceComponentName!;
    const target = only(template, 'AWS::ApplicationAutoScaling::ScalableTarget');
    expect(target).toEqual({
      ServiceNamespace: 'sagemaker',
      ResourceId: `inference-component/${name}`,
      ScalableDimension: 'sagemaker:inference-component:DesiredCopyCount',
      MinCapacity: 0,
      MaxCapacity: 3,
    });
    const policies = resources(template, 'AWS::ApplicationAutoScaling::ScalingPolicy');
    expect(policies).toHaveLength(2);
    const tracking = policies.find(p => p.PolicyType === 'TargetTrackingScaling');
    expect(tracking.TargetTrackingScalingPolicyConfiguration).toEqual({
      PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerInferenceComponentInvocationsPerCopy' },
      TargetValue: 20,
      ScaleInCooldown: 600,
      ScaleOutCooldown: 300,
    });
    // The only step policy adds a copy; no policy can set the count to 0 but target tracking.
    const steps = policies.filter(p => p.PolicyType === 'StepScaling').map(p => p.StepScalingPolicyConfiguration);
    expect(steps).toEqual([{
      AdjustmentType: 'ChangeInCapacity', MetricAggregationType: 'Maximum', Cooldown: 600,
      StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }],
    }]);
    const scalingAlarms = resources(template, 'AWS::CloudWatch::Alarm').filter((a) => JSON.stringify(a.AlarmActions ?? []).includes('Scaling'));
    expect(scalingAlarms).toEqual([expect.objectContaining({
      Namespace: 'AWS/SageMaker',
      MetricName: 'NoCapacityInvocationFailures',
      Dimensions: [{ Name: 'InferenceComponentName', Value: name }],
      Statistic: 'Maximum',
      Period: 60,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      AlarmActions: [{ Ref: expect.stringMatching(/ScaleFromZeroPolicy/) }],
    })]);
    // No alarm treats missing data as breaching: nothing fires because the endpoint is idle.
    for (const alarm of resources(template, 'AWS::CloudWatch::Alarm')) expect(alarm.TreatMissingData).not.toBe('breaching');
    // The target is registered after the inference component exists.
    const targets = template.findResources('AWS::ApplicationAutoScaling::ScalableTarget');
    expect(Object.values(targets)[0].DependsOn).toEqual([expect.stringMatching(/^EndpointInferenceComponent/)]);
  });

  test('idleTimeout is deprecated: accepted, changes nothing in the template, and warns with what decides now', () => {
    const withIt = endpointIn({ servingMode: ServingMode.realtimeScaleToZero({ idleTimeout: cdk.Duration.minutes(45) }) });
    const without = endpointIn({ servingMode: ServingMode.realtimeScaleToZero() });
    expect(withIt.template.toJSON()).toEqual(without.template.toJSON());
    const warnings = Annotations.fromStack(withIt.stack).findWarning('*', Match.stringLikeRegexp('idleTimeout is deprecated and has no effect'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0].entry.data).toMatch(/Target tracking on invocations per copy now removes the last copy .*Remove idleTimeout/);
    expect(Annotations.fromStack(without.stack).findWarning('*', Match.stringLikeRegexp('idleTimeout'))).toHaveLength(0);
  });

  test('the requests are valid against the real API models: CreateEndpointConfig, CreateInferenceComponent, CreateEndpoint, RegisterScalableTarget, PutScalingPolicy', () => {
    const { template } = endpointIn({ servingMode: ServingMode.realtimeScaleToZero() });
    const config = deployedProperties(template.toJSON(), 'AWS::SageMaker::EndpointConfig');
    validateRequest('sagemaker', 'CreateEndpointConfig', { EndpointConfigName: 'c', ...config });
    // RuntimeConfig.CopyCount is the custom resource's answer: at creation, the initial count.
    const component: any = { ...deployedProperties(template.toJSON(), 'AWS::SageMaker::InferenceComponent'), RuntimeConfig: { CopyCount: 1 } };
    validateRequest('sagemaker', 'CreateInferenceComponent', component);
    expect(component.InferenceComponentName).toMatch(/^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/);
    expect(component.InferenceComponentName.length).toBeLessThanOrEqual(63);
    // RetainAllVariantProperties is a CloudFormation-only property of the endpoint (not a CreateEndpoint member).
    const { RetainAllVariantProperties: _retain, ...endpoint } = deployedProperties(template.toJSON(), 'AWS::SageMaker::Endpoint');
    validateRequest('sagemaker', 'CreateEndpoint', endpoint);
    const target = deployedProperties(template.toJSON(), 'AWS::ApplicationAutoScaling::ScalableTarget');
    validateRequest('application-autoscaling', 'RegisterScalableTarget', target);
    for (const policy of resources(template, 'AWS::ApplicationAutoScaling::ScalingPolicy')) {
      validateRequest('application-autoscaling', 'PutScalingPolicy', putScalingPolicyRequest(template.toJSON(), policy));
    }
    // The validator is live.
    expect(checkRequest('sagemaker', 'CreateInferenceComponent', { ...component, Bogus: 1 })).toEqual([expect.stringMatching(/Bogus/)]);
  });

  test('the execution role writes the component\'s log group (/aws/sagemaker/InferenceComponents/<component>) and the endpoint\'s, exactly', () => {
    const logArn = (group: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:log-group:${group}`]] });
    const streamsArn = (group: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:log-group:${group}:log-stream:*`]] });
    // The execution role's own statements (the copy-count publisher's function has a log group of its own).
    const logStatements = (t: Template) => resources(t, 'AWS::IAM::Policy')
      .filter((p: any) => JSON.stringify(p.Roles).includes('ExecutionRole'))
      .flatMap((p: any) => p.PolicyDocument.Statement)
      .filter((st: any) => [st.Action].flat().some((a: string) => a.startsWith('logs:')));
    const { template, endpoint, stack } = endpointIn({ servingMode: ServingMode.realtimeScaleToZero() });
    const endpointName = stack.resolve(endpoint.endpointName);
    const endpointGroup = `/aws/sagemaker/Endpoints/${(template.findResources('AWS::SageMaker::Endpoint') as any)[stack.getLogicalId(endpoint.endpoint)].Properties.EndpointName}`;
    const componentGroup = `/aws/sagemaker/InferenceComponents/${endpoint.inferenceComponentName}`;
    expect(endpointName).toBeDefined();
    expect(logStatements(template)).toEqual([
      { Effect: 'Allow', Action: 'logs:CreateLogGroup', Resource: [logArn(endpointGroup), logArn(componentGroup)] },
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'], Resource: [streamsArn(endpointGroup), streamsArn(componentGroup)] },
    ]);
    // The always-on endpoint has no component: only its own group, as before.
    const realtime = endpointIn();
    expect(logStatements(realtime.template).map((st: any) => JSON.stringify(st.Resource)).join()).not.toContain('InferenceComponents');
  });

  test('VPC and network isolation also go to the endpoint config, where inference components read them', () => {
    const stack = new cdk.Stack(fastApp(), 'V');
    const vpc = new cdk.aws_ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
    new RealtimeEndpoint(stack, 'E', {
      modelData: ModelData.fromS3Uri('s3://bkt/model.tar.gz'), vpc, enableNetworkIsolation: true,
      servingMode: ServingMode.realtimeScaleToZero(),
    });
    const config = only(Template.fromStack(stack), 'AWS::SageMaker::EndpointConfig');
    expect(config.EnableNetworkIsolation).toBe(true);
    expect(config.VpcConfig.Subnets).toHaveLength(2);
  });

  test('metric methods; no noInvocations alarm; the 5xx alarm of the component', () => {
    const { endpoint, template, stack } = endpointIn({ servingMode: ServingMode.realtimeScaleToZero() });
    expect(stack.resolve(endpoint.inferenceComponentMetrics!.metricNoCapacityInvocationFailures().dimensions)).toEqual({ InferenceComponentName: endpoint.inferenceComponentName });
    expect(endpoint.inferenceComponentMetrics!.metricInvocationsPerCopy().metricName).toBe('InvocationsPerCopy');
    expect(endpoint.asyncMetrics).toBeUndefined();
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Invocation5XXErrors', Dimensions: [{ Name: 'InferenceComponentName', Value: endpoint.inferenceComponentName }],
    });
    expect(endpoint.alarms!.alarms.map(a => a.node.id)).toContain('InferenceComponentServerErrors');
  });

  test.each([
    ['autoScaling', { autoScaling: { maxInstanceCount: 2, invocationsPerInstanceTarget: 10 } }, /remove autoScaling/],
    ['noInvocations alarm', { alarms: { noInvocations: { enabled: true } } }, /fire every time the endpoint is idle/],
    ['instanceCount above max', { instanceCount: 3 }, /above realtimeScaleToZero maxInstanceCount/],
  ])('rejects %s', (_name, props: Partial<RealtimeEndpointProps>, message) => {
    expect(() => endpointIn({ ...props, servingMode: ServingMode.realtimeScaleToZero() })).toThrow(message);
  });

  test.each([
    [{ initialCopyCount: 3, maxCopyCount: 2 }, /initialCopyCount \(3\) is above maxCopyCount \(2\)/],
    [{ maxInstanceCount: 0 }, /maxInstanceCount must be a whole number of at least 1, got 0\./],
    [{ acceleratorsPerCopy: 2 }, /asks for more than one ml.g5.xlarge has: 2 accelerators/],
    [{ memoryPerCopy: cdk.Size.gibibytes(64) }, /65536 MiB/],
    [{ cpuCoresPerCopy: 0.1 }, /at least 0.25/],
    [{ memoryPerCopy: cdk.Size.mebibytes(64) }, /at least 128/],
    [{ invocationsPerCopyTarget: 0 }, /above 0/],
  ])('rejects %p', (options, message) => {
    expect(() => endpointIn({ servingMode: ServingMode.realtimeScaleToZero(options) })).toThrow(message);
  });

  test('accelerators on a CPU instance, and an instance type whose capacity is unknown', () => {
    expect(() => endpointIn({ instanceType: InstanceType.ML_M5_XLARGE, servingMode: ServingMode.realtimeScaleToZero({ acceleratorsPerCopy: 1 }) }))
      .toThrow(/has no accelerator/);
    expect(() => endpointIn({ instanceType: InstanceType.of('ml.g7e.2xlarge'), allowUnlistedInstanceType: true, servingMode: ServingMode.realtimeScaleToZero() }))
      .toThrow(/cannot derive acceleratorsPerCopy for ml.g7e.2xlarge/);
    expect(() => endpointIn({
      instanceType: InstanceType.of('ml.g7e.2xlarge'), allowUnlistedInstanceType: true,
      servingMode: ServingMode.realtimeScaleToZero({ acceleratorsPerCopy: 1, cpuCoresPerCopy: 2, memoryPerCopy: cdk.Size.gibibytes(8) }),
    })).not.toThrow();
  });
});

describe('asynchronous, scales to zero', () => {
  test('AsyncInferenceConfig with a created bucket, SNS topics, concurrency and a key; variant scaled 0..max', () => {
    const stack = new cdk.Stack(fastApp(), 'A');
    const key = new kms.Key(stack, 'Key');
    const success = new sns.Topic(stack, 'Ok');
    const failure = new sns.Topic(stack, 'Err');
    const endpoint = new RealtimeEndpoint(stack, 'E', {
      modelData: ModelData.fromS3Uri('s3://bkt/model.tar.gz'),
      servingMode: ServingMode.asynchronous({
        successTopic: success, errorTopic: failure, maxConcurrentInvocationsPerInstance: 4, encryptionKey: key,
        maxInstanceCount: 3, backlogPerInstanceTarget: 2,
      }),
    });
    const template = Template.fromStack(stack);
    const config = only(template, 'AWS::SageMaker::EndpointConfig');
    const bucketRef = { Ref: expect.stringMatching(/^EAsyncInferenceBucket/) };
    expect(config.AsyncInferenceConfig).toEqual({
      OutputConfig: {
        S3OutputPath: { 'Fn::Join': ['', ['s3://', bucketRef, '/async-inference/output/']] },
        S3FailurePath: { 'Fn::Join': ['', ['s3://', bucketRef, '/async-inference/failure/']] },
        KmsKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^Key/), 'Arn'] },
        NotificationConfig: { SuccessTopic: { Ref: expect.stringMatching(/^Ok/) }, ErrorTopic: { Ref: expect.stringMatching(/^Err/) } },
      },
      ClientConfig: { MaxConcurrentInvocationsPerInstance: 4 },
    });
    expect(config.ProductionVariants[0].ModelName).toBeDefined();
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [Match.objectLike({ ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }) })] },
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 30 })]) },
      PublicAccessBlockConfiguration: Match.objectLike({ BlockPublicAcls: true }),
    });
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain' });
    const target = only(template, 'AWS::ApplicationAutoScaling::ScalableTarget');
    expect(target).toMatchObject({ ScalableDimension: 'sagemaker:variant:DesiredInstanceCount', MinCapacity: 0, MaxCapacity: 3 });
    const policies = resources(template, 'AWS::ApplicationAutoScaling::ScalingPolicy');
    expect(policies.find(p => p.PolicyType === 'TargetTrackingScaling').TargetTrackingScalingPolicyConfiguration).toMatchObject({
      CustomizedMetricSpecification: { MetricName: 'ApproximateBacklogSizePerInstance', Namespace: 'AWS/SageMaker', Statistic: 'Average' },
      TargetValue: 2,
      ScaleInCooldown: 900,
    });
    expect(policies.find(p => p.PolicyType === 'StepScaling').StepScalingPolicyConfiguration).toMatchObject({
      AdjustmentType: 'ChangeInCapacity', MetricAggregationType: 'Average', StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }],
      // One queued request starts one instance, not maxInstanceCount (WAKE_UP_COOLDOWN; AWS's example: 300 s).
      Cooldown: 600,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'HasBacklogWithoutCapacity', Namespace: 'AWS/SageMaker', Statistic: 'Average', Threshold: 1,
      EvaluationPeriods: 2, DatapointsToAlarm: 2, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'missing',
    });
    // The endpoint keeps the instance count scaling reached when a new config is deployed.
    expect(only(template, 'AWS::SageMaker::Endpoint').RetainAllVariantProperties).toBe(true);
    expect(endpoint.asyncInference!.outputPrefix).toBe('async-inference/output/');
  });

  test('the execution role writes exactly the output and failure prefixes, reads the input prefix, publishes to the topics', () => {
    const stack = new cdk.Stack(fastApp(), 'A');
    const topic = new sns.Topic(stack, 'Ok');
    new RealtimeEndpoint(stack, 'E', {
      modelData: ModelData.fromS3Uri('s3://bkt/model.tar.gz'), servingMode: ServingMode.asynchronous({ successTopic: topic }),
    });
    const all = stack.resolve(statements(Template.fromStack(stack)));
    const put = all.find((s: any) => [s.Action].flat().includes('s3:PutObject'));
    expect(JSON.stringify(put.Resource)).toContain('/async-inference/output/*');
    expect(JSON.stringify(put.Resource)).toContain('/async-inference/failure/*');
    expect(JSON.stringify(put.Resource)).not.toContain('input');
    const get = all.find((s: any) => JSON.stringify(s.Resource).includes('/async-inference/input/*'));
    expect(get.Action).toBe('s3:GetObject');
    expect(all.some((s: any) => s.Action === 'sns:Publish')).toBe(true);
    expect(all.every((s: any) => ![s.Action].flat().some((a: string) => a.includes('*')))).toBe(true);
  });

  test('grantInvokeAsync: InvokeEndpointAsync on this endpoint, write input, read output and failure; only in async mode', () => {
    const { endpoint, stack } = endpointIn({ servingMode: ServingMode.asynchronous() });
    const caller = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    endpoint.grantInvokeAsync(caller);
    const policy = resources(Template.fromStack(stack), 'AWS::IAM::Policy').find((p: any) => JSON.stringify(p.Roles).includes('Caller'));
    const s = stack.resolve(policy.PolicyDocument.Statement);
    expect(s[0]).toEqual({ Effect: 'Allow', Action: 'sagemaker:InvokeEndpointAsync', Resource: stack.resolve(endpoint.endpointArn) });
    expect(s[1].Action).toBe('s3:PutObject');
    expect(JSON.stringify(s[1].Resource)).toContain('/async-inference/input/*');
    expect(s[2].Action).toBe('s3:GetObject');
    expect(JSON.stringify(s[2].Resource)).toMatch(/output.*failure/);
    expect(s).toHaveLength(3);
    expect(() => endpointIn().endpoint.grantInvokeAsync(caller)).toThrow(/needs servingMode: ServingMode.asynchronous/);
  });

  test('a given bucket and prefixes; the metric methods and async alarms; no realtime-only metrics', () => {
    const stack = new cdk.Stack(fastApp(), 'A');
    const bucket = s3.Bucket.fromBucketName(stack, 'B', 'results');
    const endpoint = new RealtimeEndpoint(stack, 'E', {
      modelData: ModelData.fromS3Uri('s3://bkt/model.tar.gz'),
      servingMode: ServingMode.asynchronous({ bucket, inputPrefix: 'in/', outputPrefix: 'out/', failurePrefix: 'err/' }),
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::S3::Bucket', 0);
    expect(only(template, 'AWS::SageMaker::EndpointConfig').AsyncInferenceConfig.OutputConfig.S3OutputPath).toBe('s3://results/out/');
    expect(endpoint.asyncInference!.failurePath).toBe('s3://results/err/');
    expect(endpoint.asyncMetrics!.metricApproximateAgeOfOldestRequest().metricName).toBe('ApproximateAgeOfOldestRequest');
    expect(stack.resolve(endpoint.asyncMetrics!.metricApproximateBacklogSizePerInstance().dimensions)).toEqual({ EndpointName: stack.resolve(endpoint.endpointName) });
    expect(endpoint.asyncMetrics!.metricInvocationsProcessed().metricName).toBe('InvocationsProcessed');
    expect(endpoint.asyncMetrics!.metricInvocationFailures().metricName).toBe('InvocationFailures');
    expect(endpoint.asyncMetrics!.metricHasBacklogWithoutCapacity().metricName).toBe('HasBacklogWithoutCapacity');
    expect(endpoint.asyncMetrics!.metricApproximateBacklogSize().metricName).toBe('ApproximateBacklogSize');
    expect(endpoint.inferenceComponentMetrics).toBeUndefined();
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateAgeOfOldestRequest', Threshold: 1800, TreatMissingData: 'notBreaching' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'InvocationFailures', TreatMissingData: 'notBreaching' });
    // No default alarm watches a metric that stops when the endpoint is idle with missing data treated as breaching,
    // except the scale-in alarm of the inference component (not in this mode).
    for (const alarm of resources(template, 'AWS::CloudWatch::Alarm')) {
      expect(alarm.TreatMissingData).not.toBe('breaching');
    }
  });

  test('the requests are valid against the real API models', () => {
    const stack = new cdk.Stack(fastApp(), 'A');
    new RealtimeEndpoint(stack, 'E', {
      modelData: ModelData.fromS3Uri('s3://bkt/model.tar.gz'),
      servingMode: ServingMode.asynchronous({ successTopic: new sns.Topic(stack, 'T'), maxConcurrentInvocationsPerInstance: 2 }),
    });
    const template = Template.fromStack(stack);
    const config = deployedProperties(template.toJSON(), 'AWS::SageMaker::EndpointConfig');
    validateRequest('sagemaker', 'CreateEndpointConfig', { EndpointConfigName: 'c', ...config });
    const target = deployedProperties(template.toJSON(), 'AWS::ApplicationAutoScaling::ScalableTarget');
    validateRequest('application-autoscaling', 'RegisterScalableTarget', target);
    for (const policy of resources(template, 'AWS::ApplicationAutoScaling::ScalingPolicy')) {
      validateRequest('application-autoscaling', 'PutScalingPolicy', putScalingPolicyRequest(template.toJSON(), policy));
    }
  });

  test.each([
    [{ minInstanceCount: 2, maxInstanceCount: 1 }, /minInstanceCount \(2\) is above maxInstanceCount \(1\)/],
    [{ maxConcurrentInvocationsPerInstance: 1001 }, /from 1 to 1000/],
    [{ outputPrefix: 'out' }, /must be a key prefix/],
    [{ inputPrefix: 'async-inference/output/' }, /overlaps/],
    [{ bucket: s3.Bucket.fromBucketName(new cdk.Stack(), 'X', 'xyz'), resultRetention: cdk.Duration.days(1) }, /resultRetention applies to the bucket the construct creates/],
    [{ backlogPerInstanceTarget: -1 }, /above 0/],
    // An S3 lifecycle expiration counts whole days from 1: 0 days failed the deploy, 12 hours the synth without a name.
    [{ resultRetention: cdk.Duration.days(0) }, /^S\/Endpoint: asynchronous resultRetention must be a whole number of days, at least 1 .*got 0 days/],
    [{ resultRetention: cdk.Duration.hours(12) }, /resultRetention must be a whole number of days, at least 1 .*got 12 hours/],
  ])('rejects %p', (options, message) => {
    expect(() => endpointIn({ servingMode: ServingMode.asynchronous(options) })).toThrow(message);
  });

  test('scaleInCooldown sets target tracking\'s scale-in cooldown; idleTimeout, its deprecated name, too, with a warning', () => {
    const cooldownOf = (t: Template) => resources(t, 'AWS::ApplicationAutoScaling::ScalingPolicy')
      .find((p) => p.PolicyType === 'TargetTrackingScaling').TargetTrackingScalingPolicyConfiguration.ScaleInCooldown;
    expect(cooldownOf(endpointIn({ servingMode: ServingMode.asynchronous() }).template)).toBe(900);
    const renamed = endpointIn({ servingMode: ServingMode.asynchronous({ scaleInCooldown: cdk.Duration.minutes(5) }) });
    expect(cooldownOf(renamed.template)).toBe(300);
    expect(Annotations.fromStack(renamed.stack).findWarning('*', Match.anyValue())).toHaveLength(0);
    const old = endpointIn({ servingMode: ServingMode.asynchronous({ idleTimeout: cdk.Duration.minutes(5) }) });
    expect(old.template.toJSON()).toEqual(renamed.template.toJSON());
    expect(Annotations.fromStack(old.stack).findWarning('*', Match.stringLikeRegexp('idleTimeout is deprecated: it sets the target tracking scale-in cooldown'))).toHaveLength(1);
    expect(() => endpointIn({ servingMode: ServingMode.asynchronous({ idleTimeout: cdk.Duration.minutes(5), scaleInCooldown: cdk.Duration.minutes(5) }) }))
      .toThrow(/remove idleTimeout/);
    expect(() => endpointIn({ servingMode: ServingMode.asynchronous({ scaleInCooldown: cdk.Duration.millis(1500) }) })).toThrow(/whole number of seconds|whole seconds/);
    // A JavaScript caller's number is refused with the Duration it probably meant (lib/hosting/option-types.ts).
    expect(() => ServingMode.asynchronous({ scaleInCooldown: 900 as unknown as cdk.Duration }))
      .toThrow('ServingMode.asynchronous: scaleInCooldown: expected a Duration (e.g. Duration.seconds(900) if you meant seconds), got the number 900.');
  });

  test('rejects autoScaling and an instance count above the maximum', () => {
    expect(() => endpointIn({ autoScaling: { maxInstanceCount: 2, invocationsPerInstanceTarget: 1 }, servingMode: ServingMode.asynchronous() }))
      .toThrow(/asynchronous\(\{ maxInstanceCount, backlogPerInstanceTarget \}\)/);
    expect(() => endpointIn({ instanceCount: 2, servingMode: ServingMode.asynchronous() })).toThrow(/instanceCount \(2\) is above asynchronous maxInstanceCount \(1\)/);
  });
});

test('both modes pass the CloudFormation schemas and cdk-nag AwsSolutions with zero unsuppressed findings', () => {
  const app = checkedApp();
  const stack = new cdk.Stack(app, 'Modes');
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  new RealtimeEndpoint(stack, 'ScaleToZero', { modelData: ModelData.fromS3Uri('s3://bkt/model.tar.gz'), servingMode: ServingMode.realtimeScaleToZero() });
  new RealtimeEndpoint(stack, 'Async', {
    modelData: ModelData.fromS3Uri('s3://bkt/model.tar.gz'), servingMode: ServingMode.asynchronous({ encryptionKey: key }),
  });
  expectCleanSynth(app);
});

describe('through PytorchCustomEndpoint (endpoint.servingMode)', () => {
  test('scale to zero: the component, its name and scaling are exposed', () => {
    const stack = new cdk.Stack(fastApp(), 'P');
    const endpoint = new PytorchCustomEndpoint(stack, 'C', {
      model: ModelData.fromS3Uri('s3://bkt/model.tar.gz'),
      endpoint: { servingMode: ServingMode.realtimeScaleToZero() },
    });
    expect(endpoint.inferenceComponentName).toBe(endpoint.endpoint.inferenceComponentName);
    expect(endpoint.endpoint.inferenceComponent).toBeDefined();
    expect(endpoint.endpoint.inferenceComponentScaling!.scaleFromZeroAlarm).toBeDefined();
    expect(endpoint.asyncInference).toBeUndefined();
    expect(() => endpoint.grantInvokeAsync(new iam.Role(stack, 'R', { assumedBy: new iam.AccountRootPrincipal() })))
      .toThrow(/needs servingMode: ServingMode.asynchronous/);
    Template.fromStack(stack).resourceCountIs('AWS::SageMaker::InferenceComponent', 1);
  });

  test('asynchronous: grantInvokeAsync and the locations', () => {
    const stack = new cdk.Stack(fastApp(), 'P');
    const endpoint = new PytorchCustomEndpoint(stack, 'C', {
      model: ModelData.fromS3Uri('s3://bkt/model.tar.gz'),
      endpoint: { servingMode: ServingMode.asynchronous() },
    });
    const fn = new iam.Role(stack, 'R', { assumedBy: new iam.AccountRootPrincipal() });
    endpoint.grantInvokeAsync(fn);
    expect(endpoint.asyncInference!.inputPrefix).toBe('async-inference/input/');
    expect(endpoint.endpoint.asyncScaling!.scaleFromZeroAlarm).toBeDefined();
    const actions = statements(Template.fromStack(stack)).flatMap((s: any) => [s.Action].flat());
    expect(actions).toContain('sagemaker:InvokeEndpointAsync');
  });
});
