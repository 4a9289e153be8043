import { ModelData } from '../../lib/core/model-data';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CfnWaitConditionHandle, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { InferenceCode, InferenceCodeInjection, InjectionStrategy } from '../../lib/packaging';
import { STRATEGY_NAMES } from '../../lib/packaging/engine/strategies';
import { checkedApp, expectCleanSynth, fastApp, synthWithChecks } from '../helpers/synth-checks';
import { HIPAASecurityChecks } from 'cdk-nag';

let root: string;

function codeDir(name: string, files: Record<string, string>): string {
  const dir = path.join(root, name);
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), content);
  }
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

const INFERENCE = 'import torch\n\ndef model_fn(model_dir):\n    return torch.load(model_dir + "/model.pt")\n';

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'inference-code-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function stackWith(props: Partial<ConstructorParameters<typeof InferenceCodeInjection>[2]> = {}, app: App = fastApp()) {
  const stack = new Stack(app, 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
  const artifacts = s3.Bucket.fromBucketName(stack, 'Artifacts', 'training-output');
  const injection = new InferenceCodeInjection(stack, 'Injection', {
    modelData: ModelData.fromBucket(artifacts, 'jobs/job-1/output/model.tar.gz'),
    inferenceCode: InferenceCode.fromDirectory(codeDir('basic', { 'inference.py': INFERENCE, 'requirements.txt': 'transformers==4.46.0\n' })),
    ...props,
  });
  return { stack, injection, template: Template.fromStack(stack) };
}

describe('InferenceCode', () => {
  test('lists the files, leaving out build debris, and sees whether requirements.txt names packages', () => {
    const dir = codeDir('listing', {
      'inference.py': INFERENCE,
      'requirements.txt': '# pinned\n\nnumpy==2.1.0\n',
      'helpers/util.py': 'X = 1\n',
      '__pycache__/inference.cpython-312.pyc': 'x',
      'helpers/util.pyc': 'x',
    });
    const code = InferenceCode.fromDirectory(dir);
    expect(code.files).toEqual(['helpers/util.py', 'inference.py', 'requirements.txt']);
    expect(code.hasRequirements).toBe(true);
  });

  test('a requirements.txt of comments and blank lines, or none, has no requirements', () => {
    expect(InferenceCode.fromDirectory(codeDir('comments', { 'inference.py': INFERENCE, 'requirements.txt': '# nothing\n\n' })).hasRequirements).toBe(false);
    expect(InferenceCode.fromDirectory(codeDir('none', { 'inference.py': INFERENCE })).hasRequirements).toBe(false);
  });

  test('synth-time errors say what to change', () => {
    expect(() => InferenceCode.fromDirectory(path.join(root, 'does-not-exist'))).toThrow(/is not a directory; give the folder that holds inference.py/);
    expect(() => InferenceCode.fromDirectory(codeDir('no-entry', { 'predict.py': INFERENCE }))).toThrow(/inference.py is missing/);
    expect(() => InferenceCode.fromDirectory(codeDir('no-model-fn', { 'inference.py': 'def predict_fn(data, model):\n    return model(data)\n' }))).toThrow(
      /does not define model_fn at top level; add 'def model_fn\(model_dir\):'/,
    );
    // Indented (a method, not the module's function) does not count.
    expect(() => InferenceCode.fromDirectory(codeDir('indented', { 'inference.py': 'class A:\n    def model_fn(self, d):\n        pass\n' }))).toThrow(/model_fn/);
    // transform_fn with any of the three per-request handlers: the serving toolkit raises ValueError at start-up.
    for (const other of ['input_fn', 'predict_fn', 'output_fn']) {
      const combined = `${INFERENCE}\ndef transform_fn(model, body, content_type, accept):\n    return body\n\ndef ${other}(a, b):\n    return a\n`;
      expect(() => InferenceCode.fromDirectory(codeDir(`transform-with-${other}`, { 'inference.py': combined }))).toThrow(
        `defines transform_fn together with ${other}: the serving container refuses to start`,
      );
    }
    const transformOnly = `${INFERENCE}\ndef transform_fn(model, body, content_type, accept, context):\n    return body\n\nclass H:\n    def input_fn(self, b, c):\n        return b\n`;
    expect(InferenceCode.fromDirectory(codeDir('transform-only', { 'inference.py': transformOnly })).files).toEqual(['inference.py']);
    const linked = codeDir('linked', { 'inference.py': INFERENCE });
    fs.symlinkSync('/etc/hostname', path.join(linked, 'host.txt'));
    expect(() => InferenceCode.fromDirectory(linked)).toThrow(/host.txt is a symbolic link; replace it with the file it points to/);
  });

  test('the asset holds the same files the construct listed', () => {
    const dir = codeDir('asset', { 'inference.py': INFERENCE, 'lib/a.py': 'A = 1\n', '__pycache__/x.pyc': 'x', '.git/HEAD': 'ref' });
    const app = fastApp();
    const stack = new Stack(app, 'A');
    new CfnWaitConditionHandle(stack, 'NotEmpty');
    const config = InferenceCode.fromDirectory(dir).bind(stack);
    expect(config.objectKey).toMatch(/\.zip$/);
    const assembly = app.synth();
    const staged = fs.readdirSync(assembly.directory).filter((entry) => entry.startsWith('asset.'));
    expect(staged).toHaveLength(1);
    const walk = (d: string, prefix = ''): string[] =>
      fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]));
    expect(walk(path.join(assembly.directory, staged[0])).sort()).toEqual(InferenceCode.fromDirectory(dir).files);
  });

  test('binding twice in one scope reuses the asset; two directories in one scope do not collide', () => {
    const stack = new Stack(fastApp(), 'A');
    const a = codeDir('bind-a', { 'inference.py': INFERENCE });
    const b = codeDir('bind-b', { 'inference.py': INFERENCE + '# b\n' });
    const first = InferenceCode.fromDirectory(a).bind(stack);
    const again = InferenceCode.fromDirectory(a).bind(stack);
    const other = InferenceCode.fromDirectory(b).bind(stack);
    expect(again.objectKey).toBe(first.objectKey);
    expect(other.objectKey).not.toBe(first.objectKey);
  });
});

describe('InjectionStrategy', () => {
  test('names match the engine and the command-line tool', () => {
    expect([InjectionStrategy.AUTO, InjectionStrategy.SCAN, InjectionStrategy.STREAM].map(String)).toEqual(['auto', 'scan', 'stream']);
    expect([InjectionStrategy.AUTO, InjectionStrategy.SCAN, InjectionStrategy.STREAM].map(String)).toEqual([...STRATEGY_NAMES]);
    // TAIL was removed in 0.2.0 (it could not prove its output).
    expect('TAIL' in InjectionStrategy).toBe(false);
  });
});

describe('InferenceCodeInjection', () => {
  test('one Node.js 24 ARM64 function with a 15-minute timeout, and a custom resource it backs', () => {
    const { template } = stackWith();
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 10240,
      Timeout: 900,
      Environment: { Variables: { UV_THREADPOOL_SIZE: '8' } },
    });
    template.hasResourceProperties('Custom::InferenceCodeInjection', {
      ServiceToken: { 'Fn::GetAtt': [Match.stringLikeRegexp('^InjectionFunction'), 'Arn'] },
      ServiceTimeout: '1200',
      SourceBucket: 'training-output',
      SourceKey: 'jobs/job-1/output/model.tar.gz',
      CodeBucket: Match.anyValue(),
      CodeKey: Match.stringLikeRegexp('\\.zip$'),
      Strategy: 'auto',
      OutputBucket: { Ref: Match.stringLikeRegexp('^InjectionOutput') },
      OutputPrefix: Match.stringLikeRegexp('^inference-code-injection/c8[0-9a-f]{40}/$'),
      RemovalPolicy: 'destroy',
    });
    // Not the Provider framework: no extra functions, no state machine.
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 0);
  });

  test('memory follows the strategy unless given', () => {
    const memory = (strategy: InjectionStrategy, memorySize?: number) =>
      stackWith({ strategy, memorySize }).template.findResources('AWS::Lambda::Function');
    const only = (resources: Record<string, any>) => Object.values(resources)[0].Properties.MemorySize;
    expect(only(memory(InjectionStrategy.SCAN))).toBe(3538);
    expect(only(memory(InjectionStrategy.STREAM))).toBe(10240);
    expect(only(memory(InjectionStrategy.SCAN, 2048))).toBe(2048);
    const { template } = stackWith({ strategy: InjectionStrategy.STREAM });
    template.hasResourceProperties('Custom::InferenceCodeInjection', { Strategy: 'stream' });
  });

  test('the created bucket is encrypted, SSL-only, private, and goes away with the stack', () => {
    const { template } = stackWith();
    template.hasResource('AWS::S3::Bucket', {
      Properties: {
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        LifecycleConfiguration: { Rules: [Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } })] },
      },
      DeletionPolicy: 'Delete',
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    // No auto-delete custom resource: the injection's own Delete empties the bucket.
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
  });

  test('RETAIN keeps the bucket and tells the function to keep the artifact', () => {
    const { template } = stackWith({ removalPolicy: RemovalPolicy.RETAIN });
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    template.hasResourceProperties('Custom::InferenceCodeInjection', { RemovalPolicy: 'retain' });
  });

  test('IAM: exactly the original, the code asset and the output prefix; no wildcard actions', () => {
    const { stack, template, injection } = stackWith();
    const policies = template.findResources('AWS::IAM::Policy');
    expect(Object.keys(policies)).toHaveLength(1);
    const statements: any[] = Object.values(policies)[0].Properties.PolicyDocument.Statement;
    for (const statement of statements) {
      for (const action of [statement.Action].flat()) expect(action).not.toContain('*');
    }
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    expect(bySid.ReadOriginalArtifact).toMatchObject({
      Action: 's3:GetObject',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::training-output/jobs/job-1/output/model.tar.gz']] },
    });
    expect(bySid.ReadInferenceCode.Action).toBe('s3:GetObject');
    expect(JSON.stringify(bySid.ReadInferenceCode.Resource)).toMatch(/\.zip"/);
    expect([...bySid.WriteUnderOutputPrefix.Action].sort()).toEqual(['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetObject', 's3:PutObject']);
    expect(stack.resolve(bySid.WriteUnderOutputPrefix.Resource)).toEqual({
      'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^InjectionOutput/), 'Arn'] }, `/${injection.outputPrefix}*`]],
    });
    expect(bySid.FindExistingArtifact).toMatchObject({
      Action: 's3:ListBucket',
      Condition: { StringLike: { 's3:prefix': [`${injection.outputPrefix}*`] } },
    });
    expect(bySid.WriteLogs.Action).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
    // The function's role has no managed policies (no AWSLambdaBasicExecutionRole with its account-wide logs rights).
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
    // The resource waits for its policy (its Delete needs it), the function too.
    const resource = Object.values(template.findResources('Custom::InferenceCodeInjection'))[0];
    expect(resource.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^InjectionPolicy/)]));
  });

  test('a given output bucket is used as is, and its KMS key is granted', () => {
    const app = fastApp();
    const stack = new Stack(app, 'S');
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const out = new s3.Bucket(stack, 'Out', { encryptionKey: key, enforceSSL: true });
    const input = new s3.Bucket(stack, 'In', { encryptionKey: key, enforceSSL: true });
    const injection = new InferenceCodeInjection(stack, 'Injection', {
      modelData: ModelData.fromBucket(input, 'model.tar.gz'),
      inferenceCode: InferenceCode.fromDirectory(codeDir('kms', { 'inference.py': INFERENCE })),
      outputBucket: out,
      outputPrefix: 'artifacts/v1',
    });
    expect(injection.outputPrefix).toBe('artifacts/v1/');
    expect(injection.outputBucket).toBe(out);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::S3::Bucket', 2);
    template.hasResourceProperties('Custom::InferenceCodeInjection', { OutputBucket: { Ref: Match.stringLikeRegexp('^Out') }, OutputPrefix: 'artifacts/v1/' });
    const statements: any[] = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    const kmsActions = statements.filter((s) => JSON.stringify(s.Action).includes('kms:')).flatMap((s) => [s.Action].flat());
    expect(kmsActions).toEqual(expect.arrayContaining(['kms:Decrypt', 'kms:GenerateDataKey']));
    // Exactly what SSE-KMS reads and writes need: no ReEncrypt*, no GenerateDataKey* wildcard.
    expect(kmsActions.filter((a: string) => a.includes('*'))).toEqual([]);
  });

  test('attributes come from the custom resource, and modelData points at the new object', () => {
    const { stack, injection } = stackWith();
    expect(stack.resolve(injection.artifactS3Uri)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Injection/), 'ArtifactS3Uri'] });
    expect(stack.resolve(injection.strategyUsed)).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Strategy'] });
    expect(stack.resolve(injection.strategyReason)).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Reason'] });
    const role = new iam.Role(stack, 'ModelRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    const config = injection.modelData.bind(stack, role);
    expect(stack.resolve(config.modelDataUrl)).toEqual({
      'Fn::Join': ['', ['s3://', { Ref: expect.stringMatching(/^InjectionOutput/) }, '/', { 'Fn::GetAtt': [expect.any(String), 'ArtifactKey'] }]],
    });
  });

  test('invalid settings fail at synth with what to change', () => {
    expect(() => stackWith({ outputPrefix: '/abs/' })).toThrow(/outputPrefix '\/abs\/' is not a usable key prefix/);
    expect(() => stackWith({ outputPrefix: 'p/'.repeat(257) })).toThrow(/outputPrefix is 514 bytes long; use at most 512/);
    expect(() => stackWith({ outputPrefix: `${'p'.repeat(511)}/` })).not.toThrow();
    expect(() => stackWith({ outputPrefix: 'a/../b' })).toThrow(/is not a usable key prefix/);
    expect(() => stackWith({ memorySize: 20000 })).toThrow(/memorySize must be an integer from 128 to 10240 MiB, got 20000/);
    expect(() => stackWith({ removalPolicy: RemovalPolicy.SNAPSHOT })).toThrow(/removalPolicy must be RemovalPolicy.DESTROY or RemovalPolicy.RETAIN/);
  });

  test('synthesizes with no CloudFormation-schema findings and no unexplained AwsSolutions findings', () => {
    const app = checkedApp();
    buildStack(app);
    const result = expectCleanSynth(app);
    expect(result.acknowledgements.map((a) => a.id.replace(/\[Resource::.*\/inference-code-injection\/.*\]/, '[Resource::<output prefix>]'))).toEqual(
      expect.arrayContaining(['AwsSolutions-L1', 'AwsSolutions-S1', 'AwsSolutions-IAM5[Resource::<output prefix>]']),
    );
  });

  test('HIPAA Security pack: the findings left are the documented compliance choices', () => {
    const app = checkedApp();
    buildStack(app);
    const result = synthWithChecks(app, { nagPacks: [HIPAASecurityChecks] });
    expect(result.findings.map((f) => `${f.rule} ${f.constructPaths.join(',')}`).sort()).toEqual([
      'HIPAA.Security-CloudWatchLogGroupEncrypted S/Injection/Logs/Resource',
      'HIPAA.Security-IAMNoInlinePolicy S/Injection/Policy/Resource',
      'HIPAA.Security-LambdaConcurrency S/Injection/Function/Resource',
      'HIPAA.Security-LambdaDLQ S/Injection/Function/Resource',
      'HIPAA.Security-LambdaInsideVPC S/Injection/Function/Resource',
      'HIPAA.Security-S3BucketLoggingEnabled S/Injection/Output/Resource',
      'HIPAA.Security-S3BucketReplicationEnabled S/Injection/Output/Resource',
      'HIPAA.Security-S3BucketVersioningEnabled S/Injection/Output/Resource',
      'HIPAA.Security-S3DefaultEncryptionKMS S/Injection/Output/Resource',
    ]);
  });

  test('with a KMS key and an access-log bucket the created bucket meets the HIPAA encryption and logging rules', () => {
    const app = checkedApp();
    const stack = new Stack(app, 'S');
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const logs = s3.Bucket.fromBucketName(stack, 'Logs', 'access-logs');
    buildStack(app, stack, { encryptionKey: key, serverAccessLogsBucket: logs });
    const result = synthWithChecks(app, { nagPacks: [HIPAASecurityChecks] });
    const rules = result.findings.map((f) => f.rule);
    expect(rules).not.toContain('HIPAA.Security-S3DefaultEncryptionKMS');
    expect(rules).not.toContain('HIPAA.Security-S3BucketLoggingEnabled');
  });
});

/** The stack of `stackWith`, without synthesizing it (a synthesized app cannot be checked again). */
function buildStack(app: App, stack: Stack = new Stack(app, 'S'), props: Partial<ConstructorParameters<typeof InferenceCodeInjection>[2]> = {}) {
  new InferenceCodeInjection(stack, 'Injection', {
    modelData: ModelData.fromBucket(s3.Bucket.fromBucketName(stack, 'Artifacts', 'training-output'), 'jobs/job-1/output/model.tar.gz'),
    inferenceCode: InferenceCode.fromDirectory(codeDir('checks', { 'inference.py': INFERENCE })),
    ...props,
  });
  return stack;
}
