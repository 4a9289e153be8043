import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as cdk from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { InferenceCode, ModelOutputCompression, PytorchCustomEndpoint } from '../lib';
import { checkedApp, expectCleanSynth } from './helpers/synth-checks';
import { deployedProperties, validateRequest } from './helpers/api-models';

const TRAINING_SOURCE = path.join(__dirname, 'training', 'fixtures', 'source');
const INFERENCE = 'import torch\n\ndef model_fn(model_dir):\n    return torch.jit.load(f"{model_dir}/model.pt")\n';

describe('uncompressed training output, injected code and an endpoint', () => {
  const code = fs.mkdtempSync(path.join(os.tmpdir(), 'uncompressed-code-'));
  fs.writeFileSync(path.join(code, 'inference.py'), INFERENCE);
  afterAll(() => fs.rmSync(code, { recursive: true, force: true }));

  const app = checkedApp();
  const stack = new cdk.Stack(app, 'Uncompressed', { env: { account: '111111111111', region: 'eu-west-1' } });
  const endpoint = new PytorchCustomEndpoint(stack, 'Llm', {
    training: { sourceDirectory: TRAINING_SOURCE, modelOutputCompression: ModelOutputCompression.NONE },
    inferenceCode: InferenceCode.fromDirectory(code),
  });
  const template = Template.fromStack(stack);
  const json = template.toJSON();
  const resources = (type: string) => Object.values(json.Resources).filter((r: any) => r.Type === type) as any[];

  test('the injection copies the trained prefix: SourcePrefix from the result resource, the served model data is the new prefix', () => {
    const [injection] = resources('Custom::InferenceCodeInjection');
    expect(injection.Properties.SourceKey).toBeUndefined();
    expect(JSON.stringify(injection.Properties.SourcePrefix)).toMatch(/"Fn::GetAtt":\["LlmTrainingResult[0-9A-F]+","ModelArtifactKey"\]/);
    expect(endpoint.codeInjection!.uncompressed).toBe(true);
    const [model] = resources('AWS::SageMaker::Model');
    const container = model.Properties.PrimaryContainer;
    expect(container.ModelDataUrl).toBeUndefined();
    expect(container.ModelDataSource.S3DataSource).toMatchObject({ S3DataType: 'S3Prefix', CompressionType: 'None' });
    expect(JSON.stringify(container.ModelDataSource.S3DataSource.S3Uri)).toMatch(/"Fn::GetAtt":\["LlmCodeInjection[0-9A-F]+","ArtifactKey"\]/);
  });

  test('CreateModel with ModelDataSource is valid for the API model', () => {
    validateRequest('sagemaker', 'CreateModel', { ModelName: 'm', ...deployedProperties(json, 'AWS::SageMaker::Model') });
  });

  test('IAM of the copy: read and list the source prefix only, write the output prefix; no * action', () => {
    const policy = resources('AWS::IAM::Policy').find((p) => JSON.stringify(p.Properties.PolicyDocument).includes('ReadOriginalModelData'));
    const bySid = Object.fromEntries(policy.Properties.PolicyDocument.Statement.map((s: any) => [s.Sid, s]));
    for (const statement of Object.values(bySid) as any[]) for (const action of [statement.Action].flat()) expect(action).not.toContain('*');
    expect(bySid.ReadOriginalModelData.Action).toBe('s3:GetObject');
    expect(JSON.stringify(bySid.ReadOriginalModelData.Resource)).toMatch(/ModelArtifactKey"\]\},"\*"/);
    expect(bySid.ListOriginalModelData.Action).toBe('s3:ListBucket');
    expect(JSON.stringify(bySid.ListOriginalModelData.Condition.StringLike['s3:prefix'])).toMatch(/ModelArtifactKey"\]\},"\*"/);
    expect(bySid.CheckAbortedUploads.Action).toBe('s3:ListMultipartUploadParts');
    expect(bySid.ReadOriginalArtifact).toBeUndefined();
  });

  test('zero CloudFormation validation findings and zero unexplained cdk-nag findings', () => {
    expectCleanSynth(app);
  });
});
