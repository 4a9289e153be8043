import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as cdk from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import {
  CapacitySize, DeploymentGuardrails, FleetModel, FleetModelOptions, InferenceCode, InferenceFleet, InferenceFleetProps, InstanceType, ModelData,
} from '../../lib';
import { instancesNeeded } from '../../lib/fleet/fleet-rules';
import { checkedApp, expectCleanSynth, fastApp } from '../helpers/synth-checks';

const artifact = (name: string) => ModelData.fromS3Uri(`s3://models-bucket/${name}/model.tar.gz`);

function fleetIn(props: InferenceFleetProps = {}, models: Record<string, Partial<FleetModelOptions>> = { A: {} }) {
  const stack = new cdk.Stack(fastApp(), 'S');
  const fleet = new InferenceFleet(stack, 'Fleet', { endpointName: 'fleet', ...props });
  const added: Record<string, FleetModel> = {};
  for (const [id, options] of Object.entries(models)) added[id] = fleet.addModel(id, { model: artifact(id.toLowerCase()), ...options });
  return { stack, fleet, models: added, get template() { return Template.fromStack(stack); } };
}

function of(template: Template, type: string): Array<[string, any]> {
  return Object.entries<any>(template.toJSON().Resources).filter(([, r]) => r.Type === type);
}

function componentOf(template: Template, name: string): any {
  return of(template, 'AWS::SageMaker::InferenceComponent').find(([, r]) => r.Properties.InferenceComponentName === name)![1].Properties;
}

const statements = (template: Template) => of(template, 'AWS::IAM::Policy').flatMap(([, p]) => p.Properties.PolicyDocument.Statement);

describe('InferenceFleet: the endpoint', () => {
  test('one endpoint config without a model: managed instance scaling 0..max, least outstanding requests, the fleet role', () => {
    const { template } = fleetIn({ instanceType: InstanceType.ML_G5_12XLARGE, maxInstanceCount: 3 });
    const [[, config]] = of(template, 'AWS::SageMaker::EndpointConfig');
    expect(config.Properties.ProductionVariants).toEqual([{
      VariantName: 'AllTraffic', InstanceType: 'ml.g5.12xlarge', InitialInstanceCount: 1,
      ManagedInstanceScaling: { Status: 'ENABLED', MinInstanceCount: 0, MaxInstanceCount: 3 },
      RoutingConfig: { RoutingStrategy: 'LEAST_OUTSTANDING_REQUESTS' },
    }]);
    expect(config.Properties.ExecutionRoleArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^FleetExecutionRole/), 'Arn'] });
    template.hasResourceProperties('AWS::SageMaker::Endpoint', { EndpointName: 'fleet' });
  });

  test('minInstanceCount and initialInstanceCount reach the variant', () => {
    const { template } = fleetIn({ maxInstanceCount: 4, minInstanceCount: 1, initialInstanceCount: 2 });
    const [[, config]] = of(template, 'AWS::SageMaker::EndpointConfig');
    expect(config.Properties.ProductionVariants[0]).toMatchObject({ InitialInstanceCount: 2, ManagedInstanceScaling: { MinInstanceCount: 1, MaxInstanceCount: 4 } });
  });

  test('a VPC, network isolation and a volume key: on the endpoint config (SageMaker reads them there for components) and each model; clean CloudFormation validation', () => {
    const app = checkedApp();
    const stack = new cdk.Stack(app, 'Vpc');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'p', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3 });
    const fleet = new InferenceFleet(stack, 'Fleet', {
      instanceType: InstanceType.of('ml.p3.8xlarge'), vpc, enableNetworkIsolation: true, volumeEncryptionKey: new kms.Key(stack, 'Key', { enableKeyRotation: true }),
    });
    fleet.addModel('A', { model: artifact('a') });
    fleet.addModel('B', { model: artifact('b') });
    const result = expectCleanSynth(app, { nagPacks: [] });
    const template = Template.fromJSON(result.assembly.getStackByName(stack.stackName).template);
    const [[, config]] = of(template, 'AWS::SageMaker::EndpointConfig');
    expect(config.Properties).toMatchObject({ EnableNetworkIsolation: true, VpcConfig: { Subnets: expect.any(Array) }, KmsKeyId: expect.anything() });
    for (const [, model] of of(template, 'AWS::SageMaker::Model')) {
      expect(model.Properties).toMatchObject({ EnableNetworkIsolation: true, VpcConfig: config.Properties.VpcConfig });
    }
    // One security group for the fleet, not one per model.
    template.resourceCountIs('AWS::EC2::SecurityGroup', 1);
  });

  test('an aws-cdk-lib sagemaker.IEndpoint: SagemakerIntegration\'s role may invoke the endpoint and every model, those added later too', () => {
    const { stack, fleet } = fleetIn({ maxInstanceCount: 2 }, { A: {} });
    const api = new apigateway.RestApi(stack, 'Api');
    api.root.addMethod('POST', new apigateway.SagemakerIntegration(fleet));
    fleet.addModel('Late', { model: artifact('late') });
    const template = Template.fromStack(stack);
    const invoke = statements(template).filter((s) => s.Action === 'sagemaker:InvokeEndpoint');
    const text = JSON.stringify(invoke);
    expect(text).toContain('inference-component/fleet-a"');
    expect(text).toContain('inference-component/fleet-late"');
    expect(text).toContain('"Ref":"FleetEndpoint');
  });

  test('the dashboard: the fleet\'s instances, then a row per model; the instance count is the per-minute sample count of CPUUtilization', () => {
    const { template, fleet } = fleetIn({ maxInstanceCount: 2 }, { A: {}, B: {} });
    expect(fleet.metricInstanceCount().statistic).toBe('SampleCount');
    expect(fleet.metricInstanceCount().namespace).toBe('/aws/sagemaker/Endpoints');
    const [[, dashboard]] = of(template, 'AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    expect(body).toContain('Instances running');
    expect(body).toContain('A (fleet-a): requests');
    expect(body).toContain('B (fleet-b): requests');
    expect(fleet.dashboardUrl).toContain('#dashboards:name=');
    expect(fleetIn({ enableDashboard: false }).fleet.dashboard).toBeUndefined();
  });
});

describe('FleetModel: one inference component per model', () => {
  test('defaults: the name <endpoint>-<id> in lower case, one GPU per copy with that GPU\'s share of CPU and memory halved, copies 0..1, deployed warm', () => {
    const { template, models } = fleetIn({ instanceType: InstanceType.ML_G5_12XLARGE, endpointName: 'My-Fleet' }, { Classifier: {} });
    expect(models.Classifier.inferenceComponentName).toBe('my-fleet-classifier');
    const component = componentOf(template, 'my-fleet-classifier');
    // ml.g5.12xlarge: 4 GPUs, 48 vCPUs, 192 GiB: per GPU 12 vCPUs and 48 GiB, halved.
    expect(component.Specification.ComputeResourceRequirements).toEqual({ NumberOfAcceleratorDevicesRequired: 1, NumberOfCpuCoresRequired: 6, MinMemoryRequiredInMb: 24576 });
    expect(component.VariantName).toBe('AllTraffic');
    template.hasResourceProperties('Custom::InferenceComponentCopyCount', { InferenceComponentName: 'my-fleet-classifier', InitialCopyCount: 1 });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      ResourceId: 'inference-component/my-fleet-classifier', MinCapacity: 0, MaxCapacity: 1, ScalableDimension: 'sagemaker:inference-component:DesiredCopyCount',
    });
    // The scale-to-zero loop of issue 17, per model: target tracking on invocations per copy, a wake-up step policy.
    template.resourceCountIs('AWS::ApplicationAutoScaling::ScalingPolicy', 2);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'NoCapacityInvocationFailures', Dimensions: [{ Name: 'InferenceComponentName', Value: 'my-fleet-classifier' }] });
  });

  test('per-copy defaults on a 1-GPU type and a CPU type; explicit values win', () => {
    expect(componentOf(fleetIn().template, 'fleet-a').Specification.ComputeResourceRequirements)
      .toEqual({ NumberOfAcceleratorDevicesRequired: 1, NumberOfCpuCoresRequired: 2, MinMemoryRequiredInMb: 8192 });
    expect(componentOf(fleetIn({ instanceType: InstanceType.ML_M5_XLARGE }).template, 'fleet-a').Specification.ComputeResourceRequirements)
      .toEqual({ NumberOfCpuCoresRequired: 2, MinMemoryRequiredInMb: 8192 });
    const explicit = fleetIn({ instanceType: InstanceType.ML_G5_12XLARGE }, { A: { acceleratorsPerCopy: 2, cpuCoresPerCopy: 1.5, memoryPerCopy: cdk.Size.gibibytes(10) } });
    expect(componentOf(explicit.template, 'fleet-a').Specification.ComputeResourceRequirements)
      .toEqual({ NumberOfAcceleratorDevicesRequired: 2, NumberOfCpuCoresRequired: 1.5, MinMemoryRequiredInMb: 10240 });
  });

  test('its own environment, image entry point, copy range, target and startup timeouts', () => {
    const { template } = fleetIn({ maxInstanceCount: 3 }, {
      A: { environment: { MODEL_FLAVOUR: 'a' }, entryPoint: 'serve.py', minCopyCount: 1, maxCopyCount: 3, invocationsPerCopyTarget: 120, containerStartupHealthCheckTimeout: cdk.Duration.minutes(10) },
      B: { environment: { MODEL_FLAVOUR: 'b' }, initialCopyCount: 0 },
    });
    const models = of(template, 'AWS::SageMaker::Model').map(([, m]) => m.Properties.PrimaryContainer.Environment);
    expect(models).toEqual([
      expect.objectContaining({ MODEL_FLAVOUR: 'a', SAGEMAKER_PROGRAM: 'serve.py' }),
      expect.objectContaining({ MODEL_FLAVOUR: 'b', SAGEMAKER_PROGRAM: 'inference.py' }),
    ]);
    expect(componentOf(template, 'fleet-a').Specification.StartupParameters).toEqual({ ContainerStartupHealthCheckTimeoutInSeconds: 600 });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { ResourceId: 'inference-component/fleet-a', MinCapacity: 1, MaxCapacity: 3 });
    template.hasResourceProperties('Custom::InferenceComponentCopyCount', { InferenceComponentName: 'fleet-b', InitialCopyCount: 0 });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: { TargetValue: 120, PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerInferenceComponentInvocationsPerCopy' } },
    });
  });

  test('model sources: an uncompressed S3 prefix; a training job of the library, the model waiting for the job to complete', () => {
    const stack = new cdk.Stack(fastApp(), 'S');
    const fleet = new InferenceFleet(stack, 'Fleet', { endpointName: 'fleet', maxInstanceCount: 2 });
    const bucket = s3.Bucket.fromBucketName(stack, 'Models', 'models-bucket');
    fleet.addModel('Prefix', { model: ModelData.fromS3Prefix(bucket, 'big-model/') });
    const trained = fleet.addModel('Trained', { training: { sourceDirectory: path.join(__dirname, '..', '..', 'examples', 'train-and-serve', 'training') } });
    expect(trained.trainingJob).toBeDefined();
    const template = Template.fromStack(stack);
    const models = of(template, 'AWS::SageMaker::Model');
    const prefix = models.find(([id]) => id.startsWith('FleetPrefix'))![1];
    expect(prefix.Properties.PrimaryContainer.ModelDataSource.S3DataSource).toMatchObject({ S3DataType: 'S3Prefix', CompressionType: 'None' });
    const [, model] = models.find(([id]) => id.startsWith('FleetTrained'))!;
    expect(model.DependsOn.some((d: string) => d.startsWith('FleetTrainedTraining'))).toBe(true);
  });

  test('components are created one after another (DependsOn the previous model\'s component)', () => {
    const { template } = fleetIn({ maxInstanceCount: 3 }, { A: {}, B: {}, C: {} });
    const components = of(template, 'AWS::SageMaker::InferenceComponent');
    const idOf = (name: string) => components.find(([, r]) => r.Properties.InferenceComponentName === name)![0];
    expect(components.find(([id]) => id === idOf('fleet-b'))![1].DependsOn).toContain(idOf('fleet-a'));
    expect(components.find(([id]) => id === idOf('fleet-c'))![1].DependsOn).toContain(idOf('fleet-b'));
  });

  test('the fleet role writes each component\'s log group', () => {
    const { template } = fleetIn({ maxInstanceCount: 2 }, { A: {}, B: {} });
    const text = JSON.stringify(statements(template));
    expect(text).toContain(':log-group:/aws/sagemaker/Endpoints/fleet"');
    expect(text).toContain(':log-group:/aws/sagemaker/InferenceComponents/fleet-a"');
    expect(text).toContain(':log-group:/aws/sagemaker/InferenceComponents/fleet-b:log-stream:*"');
  });

  test('rolling updates per model: the component\'s DeploymentConfig, rolled back on that model\'s own alarms', () => {
    const { template } = fleetIn({ maxInstanceCount: 2 }, {
      A: { maxCopyCount: 2, deployment: DeploymentGuardrails.rolling({ maximumBatchSize: CapacitySize.copyCount(1) }) }, B: {},
    });
    const a = componentOf(template, 'fleet-a');
    expect(a.DeploymentConfig.RollingUpdatePolicy).toMatchObject({ MaximumBatchSize: { Type: 'COPY_COUNT', Value: 1 }, WaitIntervalInSeconds: 300 });
    const alarms = JSON.stringify(a.DeploymentConfig.AutoRollbackConfiguration.Alarms);
    expect(alarms).toContain('FleetAAlarms');
    expect(alarms).not.toContain('FleetBAlarms');
    expect(componentOf(template, 'fleet-b').DeploymentConfig).toBeUndefined();
  });

  test('a rolling batch larger than half the copies is refused with the model\'s path and the option to change', () => {
    expect(() => fleetIn({}, { A: { maxCopyCount: 1, deployment: DeploymentGuardrails.rolling({ maximumBatchSize: CapacitySize.copyCount(1) }) } }))
      .toThrow(/S\/Fleet\/A: deployment: .*maxCopyCount/);
  });

  test('alarms per model: its 5xx rate and copies not placed, notifying the fleet\'s topic; none with enableAlarms: false', () => {
    const stack = new cdk.Stack(fastApp(), 'S');
    const topic = new sns.Topic(stack, 'Topic');
    const fleet = new InferenceFleet(stack, 'Fleet', { endpointName: 'fleet', alarmTopic: topic });
    const model = fleet.addModel('A', { model: artifact('a') });
    expect(model.alarms.map((a) => a.node.id)).toEqual(['InferenceComponentServerErrors', 'CopiesNotPlaced']);
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Invocation5XXErrors', Dimensions: [{ Name: 'InferenceComponentName', Value: 'fleet-a' }], AlarmActions: [{ Ref: Match.stringLikeRegexp('^Topic') }],
    });
    expect(fleetIn({ enableAlarms: false }).models.A.alarms).toEqual([]);
  });

  test('metrics per model carry its component name', () => {
    const { models } = fleetIn({ maxInstanceCount: 2 }, { A: {}, B: {} });
    expect(models.B.metrics.metricInvocations().dimensions).toEqual({ InferenceComponentName: 'fleet-b' });
    expect(models.B.metrics.metricModelLatency().metricName).toBe('ModelLatency');
    expect(models.B.metrics.metricUtilization('GPUUtilizationNormalized').namespace).toBe('/aws/sagemaker/InferenceComponents');
  });

  test('grantInvoke: InvokeEndpoint on the fleet\'s endpoint and this component only (as named and lower-cased)', () => {
    const { stack, models } = fleetIn({ maxInstanceCount: 2 }, { A: { inferenceComponentName: 'Classifier-V1' }, B: {} });
    const fn = new iam.Role(stack, 'Caller', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    models.A.grantInvoke(fn);
    const [statement] = statements(Template.fromStack(stack)).filter((s) => s.Action === 'sagemaker:InvokeEndpoint');
    const text = JSON.stringify(statement.Resource);
    expect(statement.Resource).toHaveLength(3);
    expect(text).toContain('"Ref":"FleetEndpoint');
    expect(text).toContain('inference-component/Classifier-V1"');
    expect(text).toContain('inference-component/classifier-v1"');
    expect(text).not.toContain('fleet-b');
  });

  test('the invoke command names the endpoint and the component', () => {
    const { stack, models } = fleetIn();
    const command = stack.resolve(models.A.invokeCommand('{"inputs": [[1]]}'));
    expect(JSON.stringify(command)).toContain('--inference-component-name fleet-a ');
  });
});

describe('adding, removing or updating one model leaves the fleet and the other models untouched', () => {
  const base = { A: {}, B: {} };
  /** Each resource's properties by logical id, the deployment order (DependsOn) left out: it is no property. */
  function properties(template: Template): Record<string, unknown> {
    return Object.fromEntries(Object.entries<any>(template.toJSON().Resources).map(([id, r]) => [id, r.Properties]));
  }
  const fleetAndA = (t: Template) => Object.fromEntries(Object.entries(properties(t)).filter(([id]) => /^Fleet(Endpoint|EndpointConfig|A[A-Z])/.test(id)));

  test.each([
    ['a third model added', { ...base, C: {} }],
    ['model B removed', { A: {} }],
    ['model B on a new artifact, environment and copy range', { A: {}, B: { model: artifact('b-v2'), environment: { X: '1' }, maxCopyCount: 2 } }],
  ])('%s: the endpoint, its config and model A are byte-identical', (_name, changed) => {
    const before = fleetAndA(fleetIn({ maxInstanceCount: 3 }, base).template);
    const after = fleetAndA(fleetIn({ maxInstanceCount: 3 }, changed as any).template);
    expect(Object.keys(before).length).toBeGreaterThan(8);
    expect(after).toEqual(before);
  });

  test('the check can fail: a fleet property (maxInstanceCount) changes the endpoint config', () => {
    expect(fleetAndA(fleetIn({ maxInstanceCount: 2 }, base).template)).not.toEqual(fleetAndA(fleetIn({ maxInstanceCount: 3 }, base).template));
  });
});

describe('synth-time rules, each naming the construct and what to change', () => {
  test('component names: the API pattern (CreateInferenceComponent)', () => {
    expect(() => fleetIn({}, { A: { inferenceComponentName: 'my_model' } })).toThrow(/^S\/Fleet\/A: inferenceComponentName 'my_model' is not a valid inference component name: use only letters, digits and hyphens/);
    expect(() => fleetIn({}, { A: { inferenceComponentName: 'model-' } })).toThrow(/not a valid inference component name/);
  });

  test('component names: at most 63 characters; generated names are shortened with a hash and stay distinct', () => {
    expect(() => fleetIn({}, { A: { inferenceComponentName: 'a'.repeat(64) } })).toThrow(/S\/Fleet\/A: inferenceComponentName 'a{64}' is 64 characters long; SageMaker accepts 1 to 63/);
    const { models } = fleetIn({ endpointName: 'e'.repeat(60), maxInstanceCount: 2 }, { FirstVeryLongModelName: {}, SecondVeryLongModelName: {} });
    const names = Object.values(models).map((m) => m.inferenceComponentName);
    for (const name of names) expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    for (const name of names) expect(name.length).toBeLessThanOrEqual(63);
    expect(new Set(names).size).toBe(2);
  });

  test('component names: a literal', () => {
    const stack = new cdk.Stack(fastApp(), 'S');
    const fleet = new InferenceFleet(stack, 'Fleet');
    const name = new cdk.CfnParameter(stack, 'Name').valueAsString;
    expect(() => fleet.addModel('A', { model: artifact('a'), inferenceComponentName: name })).toThrow(/S\/Fleet\/A: inferenceComponentName must be a literal/);
  });

  test('component names: unique in the fleet and among the stack\'s fleets, ignoring case', () => {
    expect(() => fleetIn({ maxInstanceCount: 2 }, { A: { inferenceComponentName: 'shared' }, B: { inferenceComponentName: 'Shared' } }))
      .toThrow(/S\/Fleet\/B: inference component name 'Shared' is already used by S\/Fleet\/A: .*Give one model another inferenceComponentName or id/);
    const stack = new cdk.Stack(fastApp(), 'S');
    new InferenceFleet(stack, 'One', { endpointName: 'one' }).addModel('A', { model: artifact('a'), inferenceComponentName: 'same' });
    const two = new InferenceFleet(stack, 'Two', { endpointName: 'two' });
    expect(() => two.addModel('A', { model: artifact('a'), inferenceComponentName: 'same' })).toThrow(/S\/Two\/A: .*already used by S\/One\/A/);
  });

  test('each copy fits one instance', () => {
    expect(() => fleetIn({}, { A: { acceleratorsPerCopy: 2 } }))
      .toThrow(/^S\/Fleet\/A: a copy asks for more than one ml\.g5\.xlarge has: 2 accelerators \(it has 1\)\. .*lower the per-copy requirements or pick a larger instance type/);
    expect(() => fleetIn({}, { A: { memoryPerCopy: cdk.Size.gibibytes(17) } })).toThrow(/17408 MiB \(it has 16384\)/);
    expect(() => fleetIn({}, { A: { cpuCoresPerCopy: 8 } })).toThrow(/8 CPU cores \(it has 4\)/);
  });

  test('volumeSize: whole GiB from 1 to 512, with the endpoint\'s rule and message (a size that is not whole GiB failed inside aws-cdk-lib\'s Size, unnamed)', () => {
    expect(() => fleetIn({ volumeSize: cdk.Size.mebibytes(1500) })).toThrow(/^S\/Fleet: volumeSize must be a whole number of GiB from 1 to 512, got 1500 MiB\.$/);
    expect(() => fleetIn({ volumeSize: cdk.Size.gibibytes(513) })).toThrow(/^S\/Fleet: volumeSize must be a whole number from 1 to 512 GiB, got 513 GiB\.$/);
    const config = of(fleetIn({ volumeSize: cdk.Size.gibibytes(100) }).template, 'AWS::SageMaker::EndpointConfig')[0][1];
    expect(config.Properties.ProductionVariants[0].VolumeSizeInGB).toBe(100);
  });

  test('per-copy values: the API minimums, whole accelerators, none on a CPU type, explicit values on an unknown type', () => {
    expect(() => fleetIn({}, { A: { cpuCoresPerCopy: 0.1 } })).toThrow(/S\/Fleet\/A: cpuCoresPerCopy must be at least 0\.25/);
    expect(() => fleetIn({}, { A: { memoryPerCopy: cdk.Size.mebibytes(64) } })).toThrow(/memoryPerCopy must be a whole number of at least 128 MiB \(CreateInferenceComponent\), got 64 MiB\./);
    expect(() => fleetIn({ instanceType: InstanceType.ML_G5_12XLARGE }, { A: { acceleratorsPerCopy: 1.5 } })).toThrow(/acceleratorsPerCopy must be a whole number of at least 1/);
    expect(() => fleetIn({ instanceType: InstanceType.ML_M5_XLARGE }, { A: { acceleratorsPerCopy: 1 } })).toThrow(/ml\.m5\.xlarge has no accelerator/);
    const unknown = InstanceType.of('ml.g7e.2xlarge');
    expect(() => fleetIn({ instanceType: unknown, allowUnlistedInstanceType: true })).toThrow(/cannot derive cpuCoresPerCopy for ml\.g7e\.2xlarge/);
    expect(() => fleetIn({ instanceType: unknown, allowUnlistedInstanceType: true }, { A: { cpuCoresPerCopy: 4, memoryPerCopy: cdk.Size.gibibytes(8) } })).not.toThrow();
  });

  test('the models\' minimum copies fit on maxInstanceCount instances (packed by their per-copy requirements)', () => {
    // 1-GPU instances: one copy each; three models keeping a copy need three instances.
    expect(() => fleetIn({ maxInstanceCount: 2 }, { A: { minCopyCount: 1 }, B: { minCopyCount: 1, initialCopyCount: 1 }, C: { minCopyCount: 1 } }))
      .toThrow(/^S\/Fleet\/C: the models' minimum copies do not fit on maxInstanceCount \(2\) ml\.g5\.xlarge instances .*A: 1 x \(1 accelerators, 2 CPU cores, 8192 MiB\); B: 1 x .*Raise the fleet's maxInstanceCount, lower minCopyCount/);
    // On a 4-GPU instance the same three fit on one.
    expect(() => fleetIn({ instanceType: InstanceType.ML_G5_12XLARGE, maxInstanceCount: 1 }, { A: { minCopyCount: 1 }, B: { minCopyCount: 1 }, C: { minCopyCount: 1 } })).not.toThrow();
    // Memory decides too: two copies of 100 GiB do not share a 192 GiB instance.
    expect(() => fleetIn({ instanceType: InstanceType.ML_G5_12XLARGE, maxInstanceCount: 1 },
      { A: { minCopyCount: 1, memoryPerCopy: cdk.Size.gibibytes(100) }, B: { minCopyCount: 1, memoryPerCopy: cdk.Size.gibibytes(100) } })).toThrow(/minimum copies do not fit/);
  });

  test('the models\' initial copies fit too, and 0 is the way out (a model created cold)', () => {
    expect(() => fleetIn({ maxInstanceCount: 1 }, { A: {}, B: {} })).toThrow(/S\/Fleet\/B: the models' initial copies do not fit on maxInstanceCount \(1\).*lower initialCopyCount \(0 starts a model cold\)/);
    expect(() => fleetIn({ maxInstanceCount: 1 }, { A: {}, B: { initialCopyCount: 0 } })).not.toThrow();
  });

  test('placement is an exact search: it finds a packing first fit by size would miss', () => {
    const copy = (gpus: number, memoryGib: number) => ({ acceleratorsPerCopy: gpus, cpuCoresPerCopy: 1, memoryPerCopyInMb: memoryGib * 1024 });
    const capacity = { gpus: 4, vcpus: 48, memoryGib: 100 };
    // Largest (by GPUs) first puts the 2-GPU 60 GiB and 1-GPU 40 GiB copies on one instance and the rest cannot pair:
    // {2 GPU 60}, {2 GPU 30}, {1 GPU 40}, {1 GPU 70} fit on two instances as {60 + 40} and {30 + 70}.
    const copies = [
      { model: 'a', count: 1, requirements: copy(2, 60) }, { model: 'b', count: 1, requirements: copy(2, 30) },
      { model: 'c', count: 1, requirements: copy(1, 40) }, { model: 'd', count: 1, requirements: copy(1, 70) },
    ];
    expect(instancesNeeded(copies, capacity, 4)).toBe(2);
    expect(instancesNeeded(copies, capacity, 1)).toBeUndefined();
    expect(instancesNeeded([{ model: 'a', count: 5, requirements: copy(1, 10) }], capacity, 4)).toBe(2);
  });

  test('models share the fleet\'s instance type: a model\'s instanceType (JavaScript callers) is refused', () => {
    const stack = new cdk.Stack(fastApp(), 'S');
    const fleet = new InferenceFleet(stack, 'Fleet');
    expect(() => fleet.addModel('A', { model: artifact('a'), instanceType: InstanceType.ML_G5_12XLARGE } as any))
      .toThrow(/S\/Fleet\/A: models on a fleet share its instance type \(ml\.g5\.xlarge\).*put the model on a fleet of that type/);
  });

  test('copy ranges', () => {
    expect(() => fleetIn({}, { A: { minCopyCount: 2, maxCopyCount: 1 } })).toThrow(/S\/Fleet\/A: minCopyCount \(2\) is above maxCopyCount \(1\)/);
    expect(() => fleetIn({}, { A: { initialCopyCount: 2, maxCopyCount: 1 } })).toThrow(/initialCopyCount \(2\) is above maxCopyCount \(1\)/);
    expect(() => fleetIn({ maxInstanceCount: 2 }, { A: { minCopyCount: 2, initialCopyCount: 1, maxCopyCount: 2 } })).toThrow(/initialCopyCount \(1\) is below minCopyCount \(2\)/);
    expect(() => fleetIn({}, { A: { maxCopyCount: 0 } })).toThrow(/maxCopyCount must be a whole number of at least 1, got 0/);
    expect(() => fleetIn({}, { A: { minCopyCount: -1 } })).toThrow(/minCopyCount must be a whole number of at least 0/);
    expect(() => fleetIn({}, { A: { invocationsPerCopyTarget: 0 } })).toThrow(/invocationsPerCopyTarget must be above 0/);
  });

  test('instance ranges', () => {
    expect(() => fleetIn({ maxInstanceCount: 0 }, {})).toThrow(/^S\/Fleet: maxInstanceCount must be a whole number of at least 1/);
    expect(() => fleetIn({ minInstanceCount: 2, maxInstanceCount: 1 }, {})).toThrow(/minInstanceCount \(2\) is above maxInstanceCount \(1\)/);
    expect(() => fleetIn({ initialInstanceCount: 3, maxInstanceCount: 2 }, {})).toThrow(/initialInstanceCount \(3\) is above maxInstanceCount \(2\)/);
    expect(() => fleetIn({ initialInstanceCount: 0 }, {})).toThrow(/initialInstanceCount must be a whole number of at least 1/);
  });

  test('the model source: exactly one of model and training; codeInjection only with inferenceCode', () => {
    const stack = new cdk.Stack(fastApp(), 'S');
    const fleet = new InferenceFleet(stack, 'Fleet');
    expect(() => fleet.addModel('A', {})).toThrow(/S\/Fleet\/A: Give the model to serve/);
    expect(() => fleet.addModel('B', { model: artifact('b'), codeInjection: {} })).toThrow(/S\/Fleet\/B: codeInjection configures the injection of inferenceCode/);
  });

  test('the model source: no requirements.txt that names packages on an isolated fleet (the same rule as PytorchCustomEndpoint, worded for the fleet)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-code-'));
    try {
      fs.writeFileSync(path.join(dir, 'inference.py'), 'def model_fn(model_dir):\n    return None\n');
      fs.writeFileSync(path.join(dir, 'requirements.txt'), 'timm==1.0.0\n');
      const code = InferenceCode.fromDirectory(dir);
      expect(() => fleetIn({ enableNetworkIsolation: true }, { A: { inferenceCode: code } })).toThrow(
        `S/Fleet/A: network isolation is on, but ${dir}/requirements.txt names packages: the container installs them with pip ` +
        'at start-up and cannot reach a package index when isolated. Vendor the packages into the code directory and empty ' +
        'requirements.txt, or turn network isolation off.');
      expect(() => fleetIn({}, { A: { inferenceCode: code } })).not.toThrow();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the fleet\'s own options: a listed hosting instance type, a valid endpoint name', () => {
    expect(() => fleetIn({ instanceType: InstanceType.of('ml.p3dn.24xlarge') }, {})).toThrow(/^S\/Fleet: instance type ml\.p3dn\.24xlarge is not a SageMaker real-time hosting instance type/);
    expect(() => fleetIn({ endpointName: 'bad_name' }, {})).toThrow(/^S\/Fleet: endpointName 'bad_name' is not a valid SageMaker name/);
  });
});
