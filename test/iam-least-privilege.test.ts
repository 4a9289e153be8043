import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as cdk from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AsyncInferenceStack } from '../examples/async-inference/stack';
import { ApiGatewayStack } from '../examples/api-gateway/stack';
import { AutoscalingStack } from '../examples/autoscaling/stack';
import { CanaryRolloutStack } from '../examples/canary-rollout/stack';
import { CodeInjectionStack } from '../examples/code-injection/stack';
import { ExistingArtifactStack } from '../examples/existing-artifact/stack';
import { PrivateEndpointStack } from '../examples/private-endpoint/stack';
import { ScaleToZeroRealtimeStack } from '../examples/scale-to-zero-realtime/stack';
import { TrainAndServeStack } from '../examples/train-and-serve/stack';
import { UncompressedModelStack } from '../examples/uncompressed-model/stack';
import { InferenceCode, InstanceType, PytorchCustomEndpoint } from '../lib';
import { fastApp } from './helpers/synth-checks';

/**
 * The only actions granted on `"*"`: each is an action IAM cannot scope to a resource (the service's
 * "Resource types" column is empty), with why the library needs it.
 */
const STAR_RESOURCE_EXCEPTIONS: Record<string, string> = {
  'ecr:GetAuthorizationToken': 'ECR issues registry tokens for the whole registry; needed to pull the DLC image',
  'sagemaker:ListTrainingJobs': 'lists job names to find a completed job of the same inputs (rollbacks, retries)',
  'cloudwatch:PutMetricData': 'training metrics and inference-component copy counts; scoped by a cloudwatch:namespace condition instead of a resource',
  'ec2:DescribeNetworkInterfaces': 'Describe* actions have no resource type',
  'ec2:DescribeVpcs': 'Describe* actions have no resource type',
  'ec2:DescribeDhcpOptions': 'Describe* actions have no resource type',
  'ec2:DescribeSubnets': 'Describe* actions have no resource type',
  'ec2:DescribeSecurityGroups': 'Describe* actions have no resource type',
};

interface Statement { Effect: string; Action?: string | string[]; Resource?: unknown; Condition?: unknown }

/** Every IAM statement of a template: policies, roles' inline policies, managed policies. */
function statementsOf(template: any): Array<{ where: string; statement: Statement }> {
  const found: Array<{ where: string; statement: Statement }> = [];
  for (const [id, resource] of Object.entries<any>(template.Resources ?? {})) {
    const documents: any[] = [];
    if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') documents.push(resource.Properties.PolicyDocument);
    if (resource.Type === 'AWS::IAM::Role') documents.push(...(resource.Properties.Policies ?? []).map((p: any) => p.PolicyDocument));
    for (const document of documents) {
      for (const statement of document.Statement) found.push({ where: id, statement });
    }
  }
  return found;
}

const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined ? [] : [value]);

/** Training, injection and endpoint all in a VPC with KMS keys: every VPC and KMS grant the library makes. */
function everythingInAVpc(app: cdk.App): cdk.Stack {
  const stack = new cdk.Stack(app, 'AllInVpc');
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const key = new kms.Key(stack, 'Key');
  const isolatedDir = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-code-'));
  fs.writeFileSync(path.join(isolatedDir, 'inference.py'), 'def model_fn(model_dir):\n    return None\n');
  new PytorchCustomEndpoint(stack, 'Endpoint', {
    training: {
      sourceDirectory: path.join(__dirname, 'training', 'fixtures', 'source'),
      instanceCount: 2,
      vpc,
      outputEncryptionKey: key,
      checkpointBucket: new s3.Bucket(stack, 'Checkpoints', { encryptionKey: key }),
    },
    inferenceCode: InferenceCode.fromDirectory(isolatedDir),
    codeInjection: { vpc, encryptionKey: key },
    endpoint: { vpc, instanceType: InstanceType.ML_P3_2XLARGE, volumeEncryptionKey: key, dataCapture: { bucket: new s3.Bucket(stack, 'Capture'), encryptionKey: key } },
  });
  return stack;
}

function exampleTemplates(): Array<{ name: string; template: any }> {
  const app = fastApp();
  const archiveDir = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-examples-'));
  const stacks: cdk.Stack[] = [
    new ExistingArtifactStack(app, 'Existing', { archiveDir }),
    new CodeInjectionStack(app, 'Injection', { archiveDir }),
    new TrainAndServeStack(app, 'TrainAndServe'),
    new AutoscalingStack(app, 'Autoscaling', { archiveDir }),
    new PrivateEndpointStack(app, 'Private', { archiveDir }),
    new ScaleToZeroRealtimeStack(app, 'ScaleToZero', { archiveDir }),
    new AsyncInferenceStack(app, 'Async', { archiveDir }),
    new UncompressedModelStack(app, 'Uncompressed'),
    new CanaryRolloutStack(app, 'Canary', { archiveDir }),
    new ApiGatewayStack(app, 'Api', { archiveDir }),
  ];
  stacks.push(everythingInAVpc(app));
  const assembly = app.synth();
  return stacks.map((s) => ({ name: s.stackName, template: assembly.getStackByName(s.stackName).template }));
}

describe('least privilege across every example stack, and one with every VPC and KMS option', () => {
  const templates = exampleTemplates();

  test('the examples create IAM statements at all (so the checks below can fail)', () => {
    for (const { name, template } of templates) {
      expect({ name, statements: statementsOf(template).length > 0 }).toEqual({ name, statements: true });
    }
  });

  test('the VPC stack grants network-interface actions (so the "*" check below sees them)', () => {
    const vpcStack = templates.find(({ name }) => name === 'AllInVpc')!;
    const eniStatements = statementsOf(vpcStack.template).filter(({ statement }) => asList(statement.Action).includes('ec2:CreateNetworkInterface'));
    // The training role, the model's role and the injection function's role each attach containers to the VPC.
    expect(eniStatements.length).toBe(3);
  });

  test('no statement grants a wildcard action', () => {
    const wildcards = templates.flatMap(({ name, template }) => statementsOf(template)
      .flatMap(({ where, statement }) => asList(statement.Action).filter((a) => String(a).includes('*')).map((a) => `${name}/${where}: ${a}`)));
    expect(wildcards).toEqual([]);
  });

  test('"*" resources only for actions that cannot be scoped, each listed with its reason', () => {
    const unexplained = templates.flatMap(({ name, template }) => statementsOf(template)
      .filter(({ statement }) => asList(statement.Resource).includes('*'))
      .flatMap(({ where, statement }) => asList(statement.Action)
        .filter((a) => !(String(a) in STAR_RESOURCE_EXCEPTIONS))
        .map((a) => `${name}/${where}: ${a} on "*"`)));
    expect(unexplained).toEqual([]);
  });

  test('cloudwatch:PutMetricData only ever into one named namespace', () => {
    const puts = templates.flatMap(({ name, template }) => statementsOf(template)
      .filter(({ statement }) => asList(statement.Action).includes('cloudwatch:PutMetricData'))
      .map(({ where, statement }) => ({ where: `${name}/${where}`, condition: statement.Condition })));
    for (const { where, condition } of puts) {
      expect({ where, condition }).toEqual({ where, condition: { StringEquals: { 'cloudwatch:namespace': expect.stringMatching(/^[^*?]+$/) } } });
    }
    // The training role and the scale-to-zero example's copy-count publisher: the check above is not vacuous.
    expect(puts.map(({ condition }) => (condition as any).StringEquals['cloudwatch:namespace']).sort())
      .toEqual(expect.arrayContaining(['/aws/sagemaker/TrainingJobs', 'CdkPytorchSageMaker/InferenceComponents']));
  });

  test('iam:PassRole is only ever passed to SageMaker', () => {
    const passRoles = templates.flatMap(({ template }) => statementsOf(template)
      .filter(({ statement }) => asList(statement.Action).includes('iam:PassRole')));
    for (const { where, statement } of passRoles) {
      expect({ where, condition: statement.Condition }).toEqual({
        where, condition: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
      });
    }
    // The training example passes its execution role to CreateTrainingJob: the check above is not vacuous.
    expect(passRoles.length).toBeGreaterThan(0);
  });
});
