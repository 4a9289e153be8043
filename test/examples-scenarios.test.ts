import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Template } from 'aws-cdk-lib/assertions';
import { AutoscalingStack } from '../examples/autoscaling/stack';
import { CodeInjectionStack } from '../examples/code-injection/stack';
import { PrivateEndpointStack } from '../examples/private-endpoint/stack';
import { TrainAndServeStack } from '../examples/train-and-serve/stack';
import { UncompressedModelStack } from '../examples/uncompressed-model/stack';
import { checkedApp, expectCleanSynth } from './helpers/synth-checks';

const EXAMPLES = path.join(__dirname, '..', 'examples');

function synthesized(stackName: string, build: (app: ReturnType<typeof checkedApp>) => void): Template {
  const app = checkedApp();
  build(app);
  const result = expectCleanSynth(app);
  return Template.fromJSON(result.assembly.getStackByName(stackName).template);
}

function expectEndpointOutputs(template: Template): void {
  const outputs = template.toJSON().Outputs;
  expect(outputs.EndpointName).toBeDefined();
  const command = JSON.stringify(outputs.InvokeCommand.Value);
  expect(command).toContain('aws sagemaker-runtime invoke-endpoint');
  expect(command).toContain(JSON.stringify(outputs.EndpointName.Value));
}

describe('example scenarios', () => {
  test('code injection: a weights-only artifact gets serving/ injected with SCAN, clean synth', () => {
    const archiveDir = fs.mkdtempSync(path.join(os.tmpdir(), 'example-injection-'));
    const template = synthesized('Injection', (app) => new CodeInjectionStack(app, 'Injection', { archiveDir }));
    template.hasResourceProperties('Custom::InferenceCodeInjection', { Strategy: 'scan' });
    template.resourceCountIs('AWS::SageMaker::Endpoint', 1);
    expectEndpointOutputs(template);
  });

  test('train and serve: training job, wait condition, injection and endpoint in one clean stack', () => {
    const template = synthesized('TrainAndServe', (app) => new TrainAndServeStack(app, 'TrainAndServe'));
    template.resourceCountIs('AWS::CloudFormation::WaitCondition', 1);
    template.resourceCountIs('Custom::InferenceCodeInjection', 1);
    template.resourceCountIs('AWS::SageMaker::Endpoint', 1);
    // Typed hyperparameters, JSON-encoded as the SageMaker SDK does; the deploy-time one is encoded by the handler.
    const job = Object.values(template.findResources('Custom::SageMakerTrainingJob'))[0];
    const hps = JSON.stringify(job.Properties);
    for (const fragment of ['0.001', '"false"', '\\"adam\\"', '[64,32]']) expect(hps).toContain(fragment);
    expect(template.toJSON().Parameters.Epochs.Type).toBe('Number');
    expectEndpointOutputs(template);
    expect(template.toJSON().Outputs.TrainingJobName).toBeDefined();
  });

  test('uncompressed model: the training job writes a prefix, the injection copies it, the endpoint serves the copy, clean synth', () => {
    const template = synthesized('Uncompressed', (app) => new UncompressedModelStack(app, 'Uncompressed'));
    const job = Object.values(template.findResources('Custom::SageMakerTrainingJob'))[0];
    expect(JSON.stringify(job.Properties)).toContain('"CompressionType":"NONE"');
    const injection = Object.values(template.findResources('Custom::InferenceCodeInjection'))[0];
    expect(injection.Properties.SourceKey).toBeUndefined();
    expect(JSON.stringify(injection.Properties.SourcePrefix)).toMatch(/TrainingResult/);
    const model = Object.values(template.findResources('AWS::SageMaker::Model'))[0];
    expect(model.Properties.PrimaryContainer.ModelDataUrl).toBeUndefined();
    expect(model.Properties.PrimaryContainer.ModelDataSource.S3DataSource).toMatchObject({ S3DataType: 'S3Prefix', CompressionType: 'None' });
    template.resourceCountIs('AWS::SageMaker::Endpoint', 1);
    expectEndpointOutputs(template);
    expect(template.toJSON().Outputs.ServedModelData).toBeDefined();
  });

  test('autoscaling: 1-4 instances on invocations and GPU utilization, alarms to an encrypted topic, clean synth', () => {
    const archiveDir = fs.mkdtempSync(path.join(os.tmpdir(), 'example-scaling-'));
    const template = synthesized('Scaling', (app) => new AutoscalingStack(app, 'Scaling', { archiveDir }));
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 1, MaxCapacity: 4 });
    template.resourceCountIs('AWS::ApplicationAutoScaling::ScalingPolicy', 2);
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.length).toBeGreaterThanOrEqual(2);
    for (const alarm of alarms) expect(JSON.stringify(alarm.Properties.AlarmActions)).toContain('EndpointAlarms');
    expectEndpointOutputs(template);
    expect(template.toJSON().Outputs.DashboardUrl).toBeDefined();
  });

  test('private endpoint: VPC, network isolation, KMS-encrypted artifact and data capture, clean synth', () => {
    const archiveDir = fs.mkdtempSync(path.join(os.tmpdir(), 'example-private-'));
    const template = synthesized('Private', (app) => new PrivateEndpointStack(app, 'Private', { archiveDir }));
    const model = Object.values(template.findResources('AWS::SageMaker::Model'))[0];
    expect(model.Properties.EnableNetworkIsolation).toBe(true);
    expect(model.Properties.VpcConfig.Subnets).toHaveLength(2);
    const config = Object.values(template.findResources('AWS::SageMaker::EndpointConfig'))[0];
    expect(config.Properties.DataCaptureConfig.InitialSamplingPercentage).toBe(10);
    // Captured data is encrypted with the stack's customer managed key (ModelKey), not any key.
    expect(JSON.stringify(config.Properties.DataCaptureConfig.KmsKeyId)).toMatch(/ModelKey/);
    // The injecting function runs in the VPC too, after the S3 gateway endpoint exists.
    const [, fn] = Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) => id.includes('CodeInjection'))!;
    expect(fn.Properties.VpcConfig.SubnetIds).toHaveLength(2);
    const injection = Object.values(template.findResources('Custom::InferenceCodeInjection'))[0];
    expect(injection.DependsOn.some((d: string) => d.startsWith('VpcS3'))).toBe(true);
    // The injected artifact is written with the customer managed key.
    const bucket = Object.entries(template.findResources('AWS::S3::Bucket')).find(([id]) => id.includes('CodeInjection'));
    expect(JSON.stringify(bucket![1].Properties.BucketEncryption)).toContain('aws:kms');
    expectEndpointOutputs(template);
  });

  test('every scenario runs on its own and is part of the app that cdk.json synthesizes', () => {
    const scenarios = fs.readdirSync(EXAMPLES).filter((d) => fs.existsSync(path.join(EXAMPLES, d, 'stack.ts'))).sort();
    expect(scenarios.length).toBeGreaterThanOrEqual(5);
    const app = fs.readFileSync(path.join(EXAMPLES, 'app.ts'), 'utf8');
    for (const scenario of scenarios) {
      expect({ scenario, hasApp: fs.existsSync(path.join(EXAMPLES, scenario, 'app.ts')) }).toEqual({ scenario, hasApp: true });
      expect({ scenario, inMainApp: app.includes(`'./${scenario}/stack'`) }).toEqual({ scenario, inMainApp: true });
    }
  });
});
