import * as cdk from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { HIPAASecurityChecks } from 'cdk-nag';
import {
  ContainerImage, ImageVariant, InstanceType, ModelData, PytorchVersion, RealtimeEndpoint, RealtimeEndpointProps,
} from '../../lib';
import { flattenCfnReference } from '../../lib/common/nag-acknowledgements';
import { SAGEMAKER_NAME_PATTERN } from '../../lib/common/sagemaker-names';
import { checkedApp, describeFindings, expectCleanSynth, fastApp, synthWithChecks } from '../helpers/synth-checks';
import { checkRequest, deployedProperties } from '../helpers/api-models';

function endpointIn(props: Partial<RealtimeEndpointProps> = {}, env?: cdk.Environment) {
  const stack = new cdk.Stack(fastApp(), 'S', { env });
  const bucket = s3.Bucket.fromBucketName(stack, 'Models', 'my-models');
  const endpoint = new RealtimeEndpoint(stack, 'Endpoint', {
    modelData: ModelData.fromBucket(bucket, 'classifier/model.tar.gz'),
    ...props,
  });
  // Synthesized on first use, so a test may still add constructs (grants) before.
  return { stack, endpoint, get template() { return Template.fromStack(stack); } };
}

/** Policy statements with each resource flattened to a string (`Ref` -> `<AWS::Partition>`), as cdk-nag shows them. */
function policyStatements(template: Template): any[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .flatMap((p: any) => p.Properties.PolicyDocument.Statement)
    .map((s: any) => ({ ...s, Resource: Array.isArray(s.Resource) ? s.Resource.map(flattenCfnReference) : flattenCfnReference(s.Resource) }));
}

function only(template: Template, type: string): any {
  const resources = Object.values(template.findResources(type));
  expect(resources).toHaveLength(1);
  return (resources[0] as any).Properties;
}

describe('RealtimeEndpoint defaults', () => {
  test('Model, EndpointConfig and Endpoint for a GPU instance with the serving environment', () => {
    const { template, stack } = endpointIn();
    template.resourceCountIs('AWS::SageMaker::Model', 1);
    template.resourceCountIs('AWS::SageMaker::EndpointConfig', 1);
    template.resourceCountIs('AWS::SageMaker::Endpoint', 1);
    const model = only(template, 'AWS::SageMaker::Model');
    expect(model.PrimaryContainer.Environment).toEqual({
      SAGEMAKER_PROGRAM: 'inference.py',
      SAGEMAKER_SUBMIT_DIRECTORY: '/opt/ml/model/code',
      SAGEMAKER_REGION: { Ref: 'AWS::Region' },
      SAGEMAKER_CONTAINER_LOG_LEVEL: '20',
    });
    expect(model.PrimaryContainer.ModelDataUrl).toBe('s3://my-models/classifier/model.tar.gz');
    expect(JSON.stringify(model.PrimaryContainer.Image)).toContain('/pytorch-inference:2.6.0-gpu-py312');
    expect(model.EnableNetworkIsolation).toBe(false);
    expect(stack.resolve(model.ExecutionRoleArn)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^EndpointExecutionRole/), 'Arn'] });

    expect(only(template, 'AWS::SageMaker::EndpointConfig')).toEqual({
      ProductionVariants: [{
        VariantName: 'AllTraffic',
        ModelName: { 'Fn::GetAtt': [expect.stringMatching(/^EndpointModel/), 'ModelName'] },
        InstanceType: 'ml.g5.xlarge',
        InitialInstanceCount: 1,
        InitialVariantWeight: 1,
      }],
    });
  });

  test('model and endpoint config have no fixed names (they are replaced on change); the endpoint name is valid and stable', () => {
    const { template, endpoint, stack } = endpointIn();
    expect(only(template, 'AWS::SageMaker::Model').ModelName).toBeUndefined();
    expect(only(template, 'AWS::SageMaker::EndpointConfig').EndpointConfigName).toBeUndefined();
    const name = only(template, 'AWS::SageMaker::Endpoint').EndpointName;
    expect(name).toMatch(SAGEMAKER_NAME_PATTERN);
    expect(name).toMatch(/^S-Endpoint-[0-9A-F]{8}$/);
    expect(only(endpointIn().template, 'AWS::SageMaker::Endpoint').EndpointName).toBe(name);
    expect(stack.resolve(endpoint.endpointName)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Endpoint[0-9A-F]{8}$/), 'EndpointName'] });
    expect(stack.resolve(endpoint.endpointArn)).toEqual({ Ref: expect.stringMatching(/^Endpoint[0-9A-F]{8}$/) });
  });

  test('the model waits for the role policy, so CreateModel can already pull and read', () => {
    const { template } = endpointIn();
    const model = Object.values(template.findResources('AWS::SageMaker::Model'))[0] as any;
    expect(model.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^EndpointExecutionRoleDefaultPolicy/)]));
  });
});

describe('RealtimeEndpoint execution role', () => {
  test('least privilege: no wildcard action; the artifact ARN only; image pull on the DLC repository; its own log group', () => {
    const { template } = endpointIn({}, { account: '111122223333', region: 'eu-west-1' });
    const statements = policyStatements(template);
    const actions = statements.flatMap(s => [].concat(s.Action));
    expect(actions.filter((a: string) => a.includes('*'))).toEqual([]);
    expect(statements.filter(s => s.Resource === '*')).toEqual([
      { Action: 'ecr:GetAuthorizationToken', Effect: 'Allow', Resource: '*' },
    ]);
    expect(statements).toContainEqual({
      Action: 's3:GetObject',
      Effect: 'Allow',
      Resource: 'arn:<AWS::Partition>:s3:::my-models/classifier/model.tar.gz',
    });
    expect(statements.filter(s => JSON.stringify(s.Action).includes('s3:'))).toHaveLength(1);
    expect(statements).toContainEqual({
      Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
      Effect: 'Allow',
      Resource: 'arn:aws:ecr:eu-west-1:763104351884:repository/pytorch-inference',
    });
    const name = only(template, 'AWS::SageMaker::Endpoint').EndpointName;
    expect(statements).toContainEqual({
      Action: 'logs:CreateLogGroup',
      Effect: 'Allow',
      Resource: `arn:<AWS::Partition>:logs:eu-west-1:111122223333:log-group:/aws/sagemaker/Endpoints/${name}`,
    });
    expect(statements).toContainEqual({
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
      Effect: 'Allow',
      Resource: `arn:<AWS::Partition>:logs:eu-west-1:111122223333:log-group:/aws/sagemaker/Endpoints/${name}:log-stream:*`,
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Principal: { Service: 'sagemaker.amazonaws.com' } }] },
      ManagedPolicyArns: Match.absent(),
    });
  });

  test('a given role is used and receives the grants; no role is created', () => {
    const stack = new cdk.Stack(fastApp(), 'S');
    const role = new iam.Role(stack, 'Mine', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    const endpoint = new RealtimeEndpoint(stack, 'E', {
      modelData: ModelData.fromS3Uri('s3://bkt/model.tar.gz'),
      role,
    });
    expect(endpoint.role).toBe(role);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::IAM::Role', 1);
    const statements = policyStatements(template);
    expect(statements.map(s => s.Action)).toEqual(expect.arrayContaining(['s3:GetObject', 'ecr:GetAuthorizationToken']));
    // Logs of a brought role are the owner's business: nothing is added for them.
    expect(statements.filter(s => JSON.stringify(s.Action).includes('logs:'))).toEqual([]);
  });

  test('grantInvoke grants sagemaker:InvokeEndpoint on this endpoint only', () => {
    const { stack, endpoint } = endpointIn();
    const caller = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    endpoint.grantInvoke(caller);
    const callerPolicy = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'))
      .map((p: any) => p.Properties)
      .find((p: any) => JSON.stringify(p.Roles).includes('Caller'));
    expect(callerPolicy.PolicyDocument.Statement).toEqual([{
      Action: 'sagemaker:InvokeEndpoint',
      Effect: 'Allow',
      Resource: { Ref: stack.getLogicalId(endpoint.endpoint) },
    }]);
  });
});

describe('RealtimeEndpoint options', () => {
  test('instance type and count, volume, timeouts, variant name, network isolation, entry point and environment', () => {
    const { template } = endpointIn({
      instanceType: InstanceType.ML_P3_2XLARGE,
      instanceCount: 3,
      volumeSize: cdk.Size.gibibytes(100),
      modelDataDownloadTimeout: cdk.Duration.minutes(20),
      containerStartupHealthCheckTimeout: cdk.Duration.seconds(600),
      variantName: 'Blue',
      enableNetworkIsolation: true,
      entryPoint: 'serve.py',
      environment: { SAGEMAKER_MODEL_SERVER_WORKERS: '2', SAGEMAKER_CONTAINER_LOG_LEVEL: '10' },
      endpointName: 'my-classifier',
    });
    expect(only(template, 'AWS::SageMaker::EndpointConfig').ProductionVariants[0]).toMatchObject({
      VariantName: 'Blue',
      InstanceType: 'ml.p3.2xlarge',
      InitialInstanceCount: 3,
      VolumeSizeInGB: 100,
      ModelDataDownloadTimeoutInSeconds: 1200,
      ContainerStartupHealthCheckTimeoutInSeconds: 600,
    });
    const model = only(template, 'AWS::SageMaker::Model');
    expect(model.EnableNetworkIsolation).toBe(true);
    expect(model.PrimaryContainer.Environment).toMatchObject({
      SAGEMAKER_PROGRAM: 'serve.py',
      SAGEMAKER_MODEL_SERVER_WORKERS: '2',
      SAGEMAKER_CONTAINER_LOG_LEVEL: '10',
    });
    expect(only(template, 'AWS::SageMaker::Endpoint').EndpointName).toBe('my-classifier');
  });

  test('variant name and instance count are exposed for metrics and autoscaling', () => {
    expect(endpointIn().endpoint).toMatchObject({ variantName: 'AllTraffic', instanceCount: 1 });
    expect(endpointIn({ variantName: 'Blue', instanceCount: 4 }).endpoint).toMatchObject({ variantName: 'Blue', instanceCount: 4 });
  });

  test('a CPU instance gets the CPU image', () => {
    const { template } = endpointIn({ instanceType: InstanceType.ML_C5_XLARGE });
    expect(JSON.stringify(only(template, 'AWS::SageMaker::Model').PrimaryContainer.Image)).toContain('pytorch-inference:2.6.0-cpu-py312');
  });

  test('a volume KMS key on an instance without instance storage', () => {
    const stack = new cdk.Stack(fastApp(), 'S');
    const key = new kms.Key(stack, 'K');
    new RealtimeEndpoint(stack, 'E', {
      modelData: ModelData.fromS3Uri('s3://bkt/model.tar.gz'),
      instanceType: InstanceType.ML_P3_2XLARGE,
      volumeEncryptionKey: key,
    });
    expect(only(Template.fromStack(stack), 'AWS::SageMaker::EndpointConfig').KmsKeyId)
      .toEqual({ 'Fn::GetAtt': [stack.getLogicalId(key.node.defaultChild as cdk.CfnElement), 'Arn'] });
  });

  test('an endpoint name given as a token is passed through', () => {
    const stack = new cdk.Stack(fastApp(), 'S');
    const name = new cdk.CfnParameter(stack, 'Name').valueAsString;
    new RealtimeEndpoint(stack, 'E', { modelData: ModelData.fromS3Uri('s3://bkt/model.tar.gz'), endpointName: name });
    expect(only(Template.fromStack(stack), 'AWS::SageMaker::Endpoint').EndpointName).toEqual({ Ref: 'Name' });
  });
});

describe('RealtimeEndpoint synth-time errors', () => {
  test.each<[string, Partial<RealtimeEndpointProps>, RegExp]>([
    ['endpoint name with underscore', { endpointName: 'my_endpoint' }, /endpointName 'my_endpoint' is not a valid SageMaker name/],
    ['endpoint name too long', { endpointName: 'e'.repeat(64) }, /64 characters long; SageMaker accepts 1 to 63/],
    ['endpoint name ending in a hyphen', { endpointName: 'ep-' }, /not a valid SageMaker name/],
    ['download timeout under 60 s', { modelDataDownloadTimeout: cdk.Duration.seconds(59) }, /modelDataDownloadTimeout must be a whole number from 60 to 3600 seconds, got 59/],
    ['startup timeout over an hour', { containerStartupHealthCheckTimeout: cdk.Duration.hours(2) }, /containerStartupHealthCheckTimeout .* got 7200/],
    ['volume of 0 GiB', { volumeSize: cdk.Size.gibibytes(0) }, /volumeSize must be a whole number from 1 to 512 GiB, got 0/],
    ['volume over 512 GiB', { volumeSize: cdk.Size.gibibytes(513) }, /got 513 GiB/],
    ['volume of a fraction of a GiB', { volumeSize: cdk.Size.mebibytes(1500) }, /whole number of GiB/],
    ['no instances', { instanceCount: 0 }, /instanceCount must be a whole number from 1/],
    ['KMS key on a local NVMe instance', { volumeEncryptionKey: 'KEY' as any, instanceType: InstanceType.ML_G5_XLARGE }, /volumeEncryptionKey cannot be used with ml\.g5\.xlarge/],
    ['SAGEMAKER_PROGRAM in the environment', { environment: { SAGEMAKER_PROGRAM: 'x.py' } }, /entryPoint property/],
    ['entry point in a folder', { entryPoint: 'code/inference.py' }, /entryPoint 'code\/inference\.py' must be the file name/],
    ['entry point that is not Python', { entryPoint: 'inference.sh' }, /must be the file name of a Python module/],
    ['bad environment name', { environment: { 'MY-VAR': '1' } }, /variable name 'MY-VAR' is invalid/],
    ['bad variant name', { variantName: 'all traffic' }, /variantName 'all traffic'/],
    ['CPU image on a GPU instance', { image: ContainerImage.pytorchInference(PytorchVersion.V2_6_0, ImageVariant.CPU) }, /CPU image was chosen for GPU instance type ml\.g5\.xlarge/],
    ['GPU image on a CPU instance', { image: ContainerImage.pytorchInference(undefined, ImageVariant.GPU), instanceType: InstanceType.ML_M5_LARGE }, /GPU image was chosen for instance type ml\.m5\.large/],
    ['unknown framework version', { image: ContainerImage.pytorchInference(PytorchVersion.of('2.9.0')) }, /PyTorch 2\.9\.0\. Known versions: 2\.6\.0/],
  ])('%s', (_name, props, message) => {
    if (props.volumeEncryptionKey) {
      const stack = new cdk.Stack();
      props = { ...props, volumeEncryptionKey: new kms.Key(stack, 'K') };
    }
    expect(() => endpointIn(props)).toThrow(message);
  });

  test('a malformed instance type never reaches the endpoint', () => {
    expect(() => endpointIn({ instanceType: InstanceType.of('g5.xlarge') })).toThrow(/must start with 'ml\.'/);
  });
});

describe('the emitted properties are valid SageMaker API requests (botocore\'s full API model, offline)', () => {
  test.each([
    ['compressed archive', {}],
    ['uncompressed prefix and every option', {
      modelData: ModelData.fromS3Prefix(s3.Bucket.fromBucketName(new cdk.Stack(), 'B', 'bkt'), 'm'),
      instanceType: InstanceType.ML_P3_2XLARGE,
      instanceCount: 2,
      volumeSize: cdk.Size.gibibytes(30),
      modelDataDownloadTimeout: cdk.Duration.minutes(10),
      containerStartupHealthCheckTimeout: cdk.Duration.minutes(10),
      enableNetworkIsolation: true,
    }],
  ])('%s: CreateModel and CreateEndpointConfig', (_name, props: Partial<RealtimeEndpointProps>) => {
    const { template } = endpointIn(props);
    // Intrinsics evaluated with realistic stand-ins (role ARN, ECR URI, S3 URI), so patterns are checked too.
    const model = deployedProperties(template.toJSON(), 'AWS::SageMaker::Model');
    const config = deployedProperties(template.toJSON(), 'AWS::SageMaker::EndpointConfig');
    expect(checkRequest('sagemaker', 'CreateModel', { ModelName: 'm', ...model })).toEqual([]);
    expect(checkRequest('sagemaker', 'CreateEndpointConfig', { EndpointConfigName: 'c', ...config })).toEqual([]);
    // The endpoint as CreateEndpoint (RetainAllVariantProperties is an UpdateEndpoint member CloudFormation uses on update).
    const { RetainAllVariantProperties: _onUpdate, ...endpoint } = deployedProperties(template.toJSON(), 'AWS::SageMaker::Endpoint');
    expect(checkRequest('sagemaker', 'CreateEndpoint', endpoint)).toEqual([]);
    // The validator is live: a wrong member is caught.
    expect(checkRequest('sagemaker', 'CreateModel', { ModelName: 'm', ...model, Bogus: 1 })).toEqual([expect.stringMatching(/^Bogus: unknown member/)]);
  });
});

describe('validation and cdk-nag', () => {
  test('CloudFormation schema validation and AwsSolutionsChecks find nothing; every acknowledgement has a reason', () => {
    const app = checkedApp();
    const stack = new cdk.Stack(app, 'S');
    const bucket = s3.Bucket.fromBucketName(stack, 'B', 'bkt');
    new RealtimeEndpoint(stack, 'Compressed', { modelData: ModelData.fromBucket(bucket, 'm/model.tar.gz') });
    new RealtimeEndpoint(stack, 'Prefix', { modelData: ModelData.fromS3Prefix(bucket, 'm/files'), instanceType: InstanceType.ML_M5_LARGE });
    const result = expectCleanSynth(app);
    expect(result.acknowledgements.map(a => a.id)).toEqual(expect.arrayContaining([
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::bkt/m/files/*]',
    ]));
  });

  test('every option set at once still passes the CloudFormation schemas and AwsSolutionsChecks', () => {
    const app = checkedApp();
    const stack = new cdk.Stack(app, 'S', { env: { account: '111122223333', region: 'ap-southeast-2' } });
    const role = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    const endpoint = new RealtimeEndpoint(stack, 'E', {
      modelData: ModelData.fromBucket(s3.Bucket.fromBucketName(stack, 'B', 'bkt'), 'm/model.tar.gz'),
      image: ContainerImage.pytorchInference(PytorchVersion.V2_4_0),
      instanceType: InstanceType.ML_P3_2XLARGE,
      instanceCount: 2,
      volumeSize: cdk.Size.gibibytes(64),
      volumeEncryptionKey: new kms.Key(stack, 'K', { enableKeyRotation: true }),
      modelDataDownloadTimeout: cdk.Duration.minutes(30),
      containerStartupHealthCheckTimeout: cdk.Duration.minutes(30),
      entryPoint: 'serve.py',
      environment: { SAGEMAKER_MODEL_SERVER_WORKERS: '1' },
      endpointName: 'all-options',
      enableNetworkIsolation: true,
      variantName: 'Primary',
    });
    endpoint.grantInvoke(role);
    expectCleanSynth(app);
  });

  test('without the acknowledgements the wildcard findings would be there (the check can fail)', () => {
    const app = checkedApp();
    const stack = new cdk.Stack(app, 'S');
    const role = new iam.Role(stack, 'R', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    // A role from outside the endpoint: its grants are not covered by the endpoint's acknowledgements.
    new RealtimeEndpoint(stack, 'E', { modelData: ModelData.fromS3Prefix(s3.Bucket.fromBucketName(stack, 'B', 'bkt'), 'm'), role });
    const findings = synthWithChecks(app).findings.map(f => f.rule);
    expect(findings).toEqual(expect.arrayContaining(['AwsSolutions-IAM5[Resource::*]', 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::bkt/m/*]']));
  });

  test('HIPAA: the endpoint-config KMS finding is acknowledged only where SageMaker forbids a key', () => {
    const app = checkedApp();
    const stack = new cdk.Stack(app, 'S');
    new RealtimeEndpoint(stack, 'Nvme', { modelData: ModelData.fromS3Uri('s3://bkt/model.tar.gz'), instanceType: InstanceType.ML_G5_XLARGE });
    new RealtimeEndpoint(stack, 'Ebs', { modelData: ModelData.fromS3Uri('s3://bkt/model.tar.gz'), instanceType: InstanceType.ML_P3_2XLARGE });
    const result = synthWithChecks(app, { nagPacks: [HIPAASecurityChecks] });
    const kmsFindings = result.findings.filter(f => f.rule === 'HIPAA.Security-SageMakerEndpointConfigurationKMSKeyConfigured');
    expect(kmsFindings.flatMap(f => f.constructPaths)).toEqual(['S/Ebs/EndpointConfig']);
    expect(describeFindings(kmsFindings)).toContain('not encrypted with a KMS key');
  });
});
