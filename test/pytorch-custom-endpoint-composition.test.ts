import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as cdk from 'aws-cdk-lib';
import * as tar from 'tar';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  Hyperparameter, InferenceCode, InjectionStrategy, ModelData, PytorchCustomEndpoint,
} from '../lib';
import { checkedApp, expectCleanSynth, fastApp } from './helpers/synth-checks';

const TRAINING_SOURCE = path.join(__dirname, 'training', 'fixtures', 'source');
const INFERENCE = 'import torch\n\ndef model_fn(model_dir):\n    return torch.jit.load(f"{model_dir}/model.pt")\n';

let root: string;
beforeAll(() => { root = fs.mkdtempSync(path.join(os.tmpdir(), 'composite-')); });
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function codeDir(name: string, files: Record<string, string>): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  for (const [file, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), content);
  return dir;
}

/** The logical id of the only resource of a type. */
function onlyResourceId(template: Template, type: string): string {
  const ids = Object.keys(template.findResources(type));
  expect(ids).toHaveLength(1);
  return ids[0];
}

describe('PytorchCustomEndpoint composition', () => {
  test('an artifact without code: the endpoint serves the injected copy, never the original', () => {
    const stack = new cdk.Stack(fastApp(), 'S');
    const models = s3.Bucket.fromBucketName(stack, 'Models', 'my-models');
    const endpoint = new PytorchCustomEndpoint(stack, 'Classifier', {
      model: ModelData.fromBucket(models, 'runs/7/model.tar.gz'),
      inferenceCode: InferenceCode.fromDirectory(codeDir('plain', { 'inference.py': INFERENCE })),
      codeInjection: { strategy: InjectionStrategy.SCAN },
    });
    expect(endpoint.codeInjection).toBeDefined();
    expect(endpoint.trainingJob).toBeUndefined();
    const template = Template.fromStack(stack);
    const injectionId = onlyResourceId(template, 'Custom::InferenceCodeInjection');
    template.hasResourceProperties('Custom::InferenceCodeInjection', {
      SourceBucket: 'my-models',
      SourceKey: 'runs/7/model.tar.gz',
      Strategy: 'scan',
    });
    // The Model's ModelDataUrl is built from the injection's output key attribute: the new object, not the original.
    const model = template.findResources('AWS::SageMaker::Model');
    const modelDataUrl = JSON.stringify(Object.values(model)[0].Properties.PrimaryContainer.ModelDataUrl);
    expect(modelDataUrl).toContain(injectionId);
    expect(modelDataUrl).not.toContain('runs/7/model.tar.gz');
  });

  test('a local model.tar.gz asset is injected into from its asset location', () => {
    const stack = new cdk.Stack(fastApp(), 'S');
    const archive = path.join(root, 'model.tar.gz');
    // A real tar.gz (weights only): a local archive is read at synth, and a gzip holding no tar would be refused.
    const weights = codeDir('weights', { 'model.pt': 'weights' });
    tar.c({ gzip: true, file: archive, cwd: weights, sync: true }, ['.']);
    new PytorchCustomEndpoint(stack, 'Classifier', {
      model: ModelData.fromAsset(archive),
      inferenceCode: InferenceCode.fromDirectory(codeDir('asset', { 'inference.py': INFERENCE })),
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('Custom::InferenceCodeInjection', {
      SourceKey: Match.stringLikeRegexp('^[0-9a-f]{64}\\.gz$'),
      Strategy: 'auto',
    });
  });

  test('training + injection: the injection waits for the training job to complete', () => {
    const stack = new cdk.Stack(fastApp(), 'S');
    const endpoint = new PytorchCustomEndpoint(stack, 'Classifier', {
      training: {
        sourceDirectory: TRAINING_SOURCE,
        hyperparameters: { epochs: Hyperparameter.integer(3), amp: Hyperparameter.boolean(false) },
      },
      inferenceCode: InferenceCode.fromDirectory(codeDir('trained', { 'inference.py': INFERENCE })),
    });
    expect(endpoint.trainingJob).toBeDefined();
    const template = Template.fromStack(stack);
    const waitConditionId = onlyResourceId(template, 'AWS::CloudFormation::WaitCondition');
    const injection = Object.values(template.findResources('Custom::InferenceCodeInjection'))[0];
    expect(injection.DependsOn).toEqual(expect.arrayContaining([waitConditionId]));
    // The injection reads the trained artifact at the key the training construct reports for the completed job.
    const [resultId, attribute] = injection.Properties.SourceKey['Fn::GetAtt'];
    expect(attribute).toBe('ModelArtifactKey');
    expect(template.toJSON().Resources[resultId].Type).toMatch(/^Custom::/);
    expect(resultId).toMatch(/^ClassifierTraining/);
  });

  test('training whose script writes code/ itself: the endpoint waits for the job and serves its output', () => {
    const stack = new cdk.Stack(fastApp(), 'S');
    new PytorchCustomEndpoint(stack, 'Classifier', { training: { sourceDirectory: TRAINING_SOURCE } });
    const template = Template.fromStack(stack);
    template.resourceCountIs('Custom::InferenceCodeInjection', 0);
    const waitConditionId = onlyResourceId(template, 'AWS::CloudFormation::WaitCondition');
    const model = Object.values(template.findResources('AWS::SageMaker::Model'))[0];
    expect(model.DependsOn).toEqual(expect.arrayContaining([waitConditionId]));
  });

  test('bad combinations fail at synth with what to change', () => {
    const code = InferenceCode.fromDirectory(codeDir('errors', { 'inference.py': INFERENCE, 'requirements.txt': 'timm==1.0.0\n' }));
    const s3Model = ModelData.fromS3Uri('s3://my-models/model.tar.gz');
    const make = (props: any) => () => new PytorchCustomEndpoint(new cdk.Stack(fastApp(), 'S'), 'E', props);
    expect(make({})).toThrow(/Give the model to serve: model .* or training/);
    expect(make({ model: s3Model, training: { sourceDirectory: TRAINING_SOURCE } })).toThrow(/either model .* or training .*, not both/);
    expect(make({ model: s3Model, codeInjection: { strategy: InjectionStrategy.SCAN } })).toThrow(/set inferenceCode as well, or remove codeInjection/);
    expect(make({ model: s3Model, inferenceCode: code, endpoint: { enableNetworkIsolation: true } }))
      .toThrow(/requirements.txt names packages.*Vendor the packages .* or turn enableNetworkIsolation off/);
    // Issue 10: inference code into an uncompressed prefix is now supported (a server-side copy, see
    // test/packaging/moto-s3.local.test.ts); only a strategy, which applies to archives, is refused for it.
    const prefixModel = (stack: cdk.Stack) => ModelData.fromS3Prefix(s3.Bucket.fromBucketName(stack, 'B', 'my-models'), 'v1/');
    expect(() => {
      const stack = new cdk.Stack(fastApp(), 'S');
      new PytorchCustomEndpoint(stack, 'E', { model: prefixModel(stack), inferenceCode: code, codeInjection: { strategy: InjectionStrategy.SCAN } });
    }).toThrow(/strategy scan applies to a compressed model.tar.gz, but the model is uncompressed .* remove strategy/);
  });

  test('network isolation with an empty requirements.txt is allowed', () => {
    const stack = new cdk.Stack(fastApp(), 'S');
    new PytorchCustomEndpoint(stack, 'E', {
      model: ModelData.fromS3Uri('s3://my-models/model.tar.gz'),
      inferenceCode: InferenceCode.fromDirectory(codeDir('vendored', { 'inference.py': INFERENCE, 'requirements.txt': '# vendored\n' })),
      endpoint: { enableNetworkIsolation: true },
    });
    Template.fromStack(stack).hasResourceProperties('AWS::SageMaker::Model', { EnableNetworkIsolation: true });
  });

  test('with training, the dashboard shows the training job below the endpoint; dashboardUrl is exposed', () => {
    const stack = new cdk.Stack(fastApp(), 'S');
    const endpoint = new PytorchCustomEndpoint(stack, 'Classifier', { training: { sourceDirectory: TRAINING_SOURCE, instanceCount: 2 } });
    expect(endpoint.dashboardUrl).toBeDefined();
    const dashboards = Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(Object.values(dashboards)[0].Properties.DashboardBody);
    expect(body).toContain('## Training job');
    expect(body).toContain('/aws/sagemaker/TrainingJobs');
    expect(body).toContain('/algo-2');
  });

  test('with training metricDefinitions, the dashboard graphs each defined metric of the job', () => {
    const stack = new cdk.Stack(fastApp(), 'S');
    new PytorchCustomEndpoint(stack, 'Regressor', {
      training: {
        sourceDirectory: TRAINING_SOURCE,
        metricDefinitions: [{ name: 'train:loss', regex: 'loss=([0-9.]+)' }, { name: 'validation:accuracy', regex: 'acc=([0-9.]+)' }],
      },
    });
    // The body is a Fn::Join of JSON text and references (the job name, the region): each reference read as 'job'.
    const parts: unknown[] = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard'))[0].Properties.DashboardBody['Fn::Join'][1];
    const widgets = JSON.parse(parts.map((part) => (typeof part === 'string' ? part : 'job')).join('')).widgets;
    const graph = widgets.find((w: any) => w.properties.title === 'Training metrics (from the metric definitions)');
    expect(graph.properties.metrics).toEqual([
      ['/aws/sagemaker/TrainingJobs', 'train:loss', 'TrainingJobName', 'job', expect.objectContaining({ label: 'train:loss' })],
      ['/aws/sagemaker/TrainingJobs', 'validation:accuracy', 'TrainingJobName', 'job', expect.objectContaining({ label: 'validation:accuracy' })],
    ]);
  });

  test('without metricDefinitions, the dashboard has no training-metrics graph', () => {
    const stack = new cdk.Stack(fastApp(), 'S');
    new PytorchCustomEndpoint(stack, 'Regressor', { training: { sourceDirectory: TRAINING_SOURCE } });
    const body = JSON.stringify(Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard'))[0].Properties.DashboardBody);
    expect(body).toContain('## Training job');
    expect(body).not.toContain('Training metrics (from the metric definitions)');
  });

  test('enableDashboard: false leaves no dashboard, with or without training', () => {
    const stack = new cdk.Stack(fastApp(), 'S');
    const endpoint = new PytorchCustomEndpoint(stack, 'Classifier', {
      training: { sourceDirectory: TRAINING_SOURCE },
      endpoint: { enableDashboard: false },
    });
    expect(endpoint.dashboardUrl).toBeUndefined();
    Template.fromStack(stack).resourceCountIs('AWS::CloudWatch::Dashboard', 0);
  });

  test('in a VPC, connections are the model\'s security groups', () => {
    const stack = new cdk.Stack(fastApp(), 'S');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'private', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const endpoint = new PytorchCustomEndpoint(stack, 'Classifier', {
      model: ModelData.fromS3Uri('s3://my-models/model.tar.gz'),
      endpoint: { vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } },
    });
    expect(endpoint.connections.securityGroups).toHaveLength(1);
    expect(endpoint.connections).toBe(endpoint.endpoint.connections);
  });

  test('training + injection + endpoint in one stack passes CloudFormation validation and cdk-nag', () => {
    const app = checkedApp();
    const stack = new cdk.Stack(app, 'Composite');
    new PytorchCustomEndpoint(stack, 'Classifier', {
      training: { sourceDirectory: TRAINING_SOURCE, hyperparameters: { lr: Hyperparameter.float(0.001) } },
      inferenceCode: InferenceCode.fromDirectory(codeDir('clean', { 'inference.py': INFERENCE })),
    });
    expectCleanSynth(app);
  });
});
