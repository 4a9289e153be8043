// RealtimeEndpoint's private and encrypted options: VPC, volume key, data capture; the emitted requests against the
// SageMaker API model; a stack with every option against the CloudFormation schemas and four cdk-nag packs.
import * as cdk from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { InstanceType, ModelData, RealtimeEndpoint, RealtimeEndpointProps } from '../../lib';
import { flattenCfnReference } from '../../lib/common/nag-acknowledgements';
import { checkedApp, expectCleanSynth, fastApp, synthWithChecks } from '../helpers/synth-checks';
import { checkRequest, deployedProperties } from '../helpers/api-models';

/** An endpoint on an instance without local NVMe storage (so a volume key is allowed), in a stack of its own. */
function endpointIn(build: (stack: cdk.Stack) => Partial<RealtimeEndpointProps> = () => ({}), env?: cdk.Environment) {
  const stack = new cdk.Stack(fastApp(), 'S', { env });
  const endpoint = new RealtimeEndpoint(stack, 'Endpoint', {
    modelData: ModelData.fromS3Uri('s3://bkt/model.tar.gz'),
    instanceType: InstanceType.ML_P3_2XLARGE,
    enableAlarms: false,
    enableDashboard: false,
    ...build(stack),
  });
  return { stack, endpoint, template: Template.fromStack(stack) };
}

function only(template: Template, type: string): any {
  const resources = Object.values(template.findResources(type));
  expect(resources).toHaveLength(1);
  return (resources[0] as any).Properties;
}

/** The statements of every policy, resources flattened the way cdk-nag shows them (`Ref` -> `<Name>`). */
function statements(template: Template): any[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .flatMap((p: any) => p.Properties.PolicyDocument.Statement)
    .map((s: any) => ({
      ...s,
      Action: [].concat(s.Action),
      Resource: [].concat(s.Resource).map(flattenCfnReference),
    }));
}

function statementsWith(template: Template, action: string): any[] {
  return statements(template).filter(s => s.Action.includes(action));
}

/** A subnet id of the shape CloudFormation checks (`subnet-` + 17 hex digits). */
const subnetId = (i: number) => `subnet-${i.toString(16).padStart(17, '0')}`;
const SG_ID = 'sg-0123456789abcdef0';

/** An existing VPC, as production stacks usually have: imported, so the test creates no VPC resources. */
const importedVpc = (stack: cdk.Stack, subnets = 2) => ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
  vpcId: 'vpc-0123456789abcdef0',
  availabilityZones: Array.from({ length: subnets }, (_, i) => `eu-west-1${'abcdefghijklmnopq'[i]}`),
  privateSubnetIds: Array.from({ length: subnets }, (_, i) => subnetId(i)),
  privateSubnetRouteTableIds: Array.from({ length: subnets }, (_, i) => `rtb-${i.toString(16).padStart(17, '0')}`),
});

describe('VPC', () => {
  test('the model is attached to the private subnets with a created security group: HTTPS out, nothing in', () => {
    const { stack, endpoint, template } = endpointIn(s => ({ vpc: new ec2.Vpc(s, 'Vpc', { maxAzs: 2, natGateways: 1 }) }));
    const model = only(template, 'AWS::SageMaker::Model');
    const privateSubnets = (stack.node.findChild('Vpc') as ec2.Vpc).privateSubnets.map(sn => stack.resolve(sn.subnetId));
    expect(model.VpcConfig.Subnets).toEqual(privateSubnets);
    const sgLogicalId = Object.keys(template.findResources('AWS::EC2::SecurityGroup'))[0];
    expect(model.VpcConfig.SecurityGroupIds).toEqual([{ 'Fn::GetAtt': [sgLogicalId, 'GroupId'] }]);
    const sg = only(template, 'AWS::EC2::SecurityGroup');
    expect(sg.SecurityGroupEgress).toEqual([{ CidrIp: '0.0.0.0/0', Description: expect.stringContaining('HTTPS'), FromPort: 443, IpProtocol: 'tcp', ToPort: 443 }]);
    expect(sg.SecurityGroupIngress).toBeUndefined();
    expect(endpoint.connections.securityGroups.map(g => stack.resolve(g.securityGroupId))).toEqual([{ 'Fn::GetAtt': [sgLogicalId, 'GroupId'] }]);
  });

  test('connections opens the model to other VPC resources', () => {
    const stack = new cdk.Stack(fastApp(), 'S');
    const vpc = importedVpc(stack);
    const endpoint = new RealtimeEndpoint(stack, 'E', { modelData: ModelData.fromS3Uri('s3://bkt/model.tar.gz'), vpc });
    const database = new ec2.SecurityGroup(stack, 'Db', { vpc });
    endpoint.connections.allowTo(database, ec2.Port.tcp(5432));
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroupIngress', { FromPort: 5432, ToPort: 5432, IpProtocol: 'tcp' });
  });

  test('given subnets and security groups are used as they are; none is created', () => {
    const { stack, template } = endpointIn(s => {
      const vpc = importedVpc(s, 3);
      return {
        vpc,
        vpcSubnets: { subnetFilters: [ec2.SubnetFilter.byIds([subnetId(1), subnetId(2)])] },
        securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(s, 'Sg', SG_ID)],
      };
    });
    expect(stack.resolve(only(template, 'AWS::SageMaker::Model').VpcConfig)).toEqual({ Subnets: [subnetId(1), subnetId(2)], SecurityGroupIds: [SG_ID] });
    template.resourceCountIs('AWS::EC2::SecurityGroup', 0);
  });

  test('the role may attach the model to exactly these subnets and security groups; only Describe actions use "*"', () => {
    const { template } = endpointIn(s => ({ vpc: importedVpc(s), securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(s, 'Sg', SG_ID)] }),
      { account: '111122223333', region: 'eu-west-1' });
    const create = statementsWith(template, 'ec2:CreateNetworkInterface');
    expect(create).toEqual([{
      Effect: 'Allow',
      Action: ['ec2:CreateNetworkInterface', 'ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface', 'ec2:DeleteNetworkInterfacePermission'],
      Resource: [
        'arn:<AWS::Partition>:ec2:eu-west-1:111122223333:network-interface/*',
        `arn:<AWS::Partition>:ec2:eu-west-1:111122223333:subnet/${subnetId(0)}`,
        `arn:<AWS::Partition>:ec2:eu-west-1:111122223333:subnet/${subnetId(1)}`,
        `arn:<AWS::Partition>:ec2:eu-west-1:111122223333:security-group/${SG_ID}`,
      ],
    }]);
    const describe = statementsWith(template, 'ec2:DescribeVpcs');
    expect(describe).toEqual([{
      Effect: 'Allow',
      Action: ['ec2:DescribeDhcpOptions', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSecurityGroups', 'ec2:DescribeSubnets', 'ec2:DescribeVpcs'],
      Resource: ['*'],
    }]);
  });

  test('without a VPC: no VpcConfig, no EC2 permission, and connections says why it has none', () => {
    const { endpoint, template } = endpointIn();
    expect(only(template, 'AWS::SageMaker::Model').VpcConfig).toBeUndefined();
    expect(statements(template).flatMap(s => s.Action).filter((a: string) => a.startsWith('ec2:'))).toEqual([]);
    expect(() => endpoint.connections).toThrow(/S\/Endpoint: only an endpoint whose model is in a VPC has security groups: set vpc/);
  });

  test('network isolation and a VPC combine', () => {
    const model = only(endpointIn(s => ({ vpc: importedVpc(s), enableNetworkIsolation: true })).template, 'AWS::SageMaker::Model');
    expect(model.EnableNetworkIsolation).toBe(true);
    expect(model.VpcConfig.Subnets).toHaveLength(2);
  });

  test.each<[string, (s: cdk.Stack) => Partial<RealtimeEndpointProps>, RegExp]>([
    ['subnets without a VPC', () => ({ vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } }), /vpcSubnets and securityGroups place the model in a VPC: set vpc as well/],
    ['security groups without a VPC', s => ({ securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(s, 'Sg', 'sg-1')] }), /set vpc as well/],
    ['a selection with no subnet', s => ({ vpc: importedVpc(s), vpcSubnets: { subnets: [] } }), /vpcSubnets selects no subnet of the VPC/],
    ['a subnet type the VPC does not have', s => ({ vpc: importedVpc(s), vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC } }), /There are no 'Public' subnet groups in this VPC/],
    ['17 subnets', s => ({ vpc: importedVpc(s, 17) }), /vpcSubnets selects 17 subnets; SageMaker accepts at most 16/],
    ['an empty security group list', s => ({ vpc: importedVpc(s), securityGroups: [] }), /securityGroups has 0 entries; SageMaker accepts 1 to 5\. Omit it to have one created/],
    ['six security groups', s => ({
      vpc: importedVpc(s),
      securityGroups: Array.from({ length: 6 }, (_, i) => ec2.SecurityGroup.fromSecurityGroupId(s, `Sg${i}`, `sg-${i}`)),
    }), /securityGroups has 6 entries/],
  ])('%s fails at synth', (_name, build, message) => {
    expect(() => endpointIn(build)).toThrow(message);
  });
});

describe('volume encryption key', () => {
  test('the role may use the key; CreateGrant only for AWS resources', () => {
    const { stack, template } = endpointIn(s => ({ volumeEncryptionKey: new kms.Key(s, 'Key') }));
    const keyArn = `<${stack.getLogicalId(stack.node.findChild('Key').node.defaultChild as kms.CfnKey)}.Arn>`;
    expect(only(template, 'AWS::SageMaker::EndpointConfig').KmsKeyId).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Arn'] });
    const kmsStatements = statements(template).filter(s => s.Action.some((a: string) => a.startsWith('kms:')));
    expect(kmsStatements).toEqual(expect.arrayContaining([
      { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKey'], Resource: [keyArn] },
      { Effect: 'Allow', Action: ['kms:CreateGrant'], Resource: [keyArn], Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } },
    ]));
    expect(kmsStatements).toHaveLength(2);
  });
});

describe('data capture', () => {
  test('a sample of requests and responses goes to the prefix; the role may write there and nowhere else', () => {
    const { stack, template } = endpointIn(s => ({
      dataCapture: { bucket: s3.Bucket.fromBucketName(s, 'Capture', 'capture-bkt'), keyPrefix: 'classifier/capture/', samplingPercentage: 35 },
    }));
    expect(stack.resolve(only(template, 'AWS::SageMaker::EndpointConfig').DataCaptureConfig)).toEqual({
      EnableCapture: true,
      InitialSamplingPercentage: 35,
      DestinationS3Uri: 's3://capture-bkt/classifier/capture',
      CaptureOptions: [{ CaptureMode: 'Input' }, { CaptureMode: 'Output' }],
    });
    expect(statementsWith(template, 's3:PutObject')).toEqual([{
      Effect: 'Allow', Action: ['s3:PutObject'], Resource: ['arn:<AWS::Partition>:s3:::capture-bkt/classifier/capture/*'],
    }]);
    expect(statements(template).flatMap(s => s.Action).filter((a: string) => a.startsWith('kms:'))).toEqual([]);
  });

  test('defaults: 20 %, both directions, prefix data-capture, the bucket\'s own KMS key', () => {
    const { stack, template } = endpointIn(s => ({ dataCapture: { bucket: new s3.Bucket(s, 'Capture', { encryption: s3.BucketEncryption.KMS }) } }));
    const bucket = stack.node.findChild('Capture') as s3.Bucket;
    const keyArn = stack.resolve(bucket.encryptionKey!.keyArn);
    const config = only(template, 'AWS::SageMaker::EndpointConfig').DataCaptureConfig;
    expect(config).toMatchObject({ InitialSamplingPercentage: 20, CaptureOptions: [{ CaptureMode: 'Input' }, { CaptureMode: 'Output' }], KmsKeyId: keyArn });
    expect(JSON.stringify(config.DestinationS3Uri)).toContain('/data-capture');
    expect(statementsWith(template, 'kms:GenerateDataKey')).toEqual([{
      Effect: 'Allow', Action: ['kms:Encrypt', 'kms:GenerateDataKey'], Resource: [flattenCfnReference(keyArn)],
    }]);
  });

  test('only outputs, an explicit key, content types stored as text', () => {
    const { template } = endpointIn(s => ({
      dataCapture: {
        bucket: s3.Bucket.fromBucketName(s, 'Capture', 'capture-bkt'),
        captureInput: false,
        encryptionKey: kms.Key.fromKeyArn(s, 'K', 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'),
        jsonContentTypes: ['application/json'],
        csvContentTypes: ['text/csv'],
      },
    }));
    expect(only(template, 'AWS::SageMaker::EndpointConfig').DataCaptureConfig).toMatchObject({
      CaptureOptions: [{ CaptureMode: 'Output' }],
      KmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      CaptureContentTypeHeader: { JsonContentTypes: ['application/json'], CsvContentTypes: ['text/csv'] },
    });
    expect(statementsWith(template, 'kms:GenerateDataKey')[0].Resource).toEqual(['arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab']);
  });

  const bucket = (s: cdk.Stack) => s3.Bucket.fromBucketName(s, 'Capture', 'capture-bkt');
  test.each<[string, (s: cdk.Stack) => Partial<RealtimeEndpointProps>, RegExp]>([
    ['sampling above 100 %', s => ({ dataCapture: { bucket: bucket(s), samplingPercentage: 101 } }), /dataCapture\.samplingPercentage must be a whole number from 0 to 100 percent, got 101 percent/],
    ['negative sampling', s => ({ dataCapture: { bucket: bucket(s), samplingPercentage: -1 } }), /samplingPercentage .* got -1/],
    ['fractional sampling', s => ({ dataCapture: { bucket: bucket(s), samplingPercentage: 2.5 } }), /samplingPercentage must be a whole number/],
    ['capturing nothing', s => ({ dataCapture: { bucket: bucket(s), captureInput: false, captureOutput: false } }), /dataCapture captures nothing/],
    ['an empty prefix', s => ({ dataCapture: { bucket: bucket(s), keyPrefix: '' } }), /dataCapture\.keyPrefix must not be empty/],
    ['a prefix of slashes', s => ({ dataCapture: { bucket: bucket(s), keyPrefix: '//' } }), /must not start with '\/'/],
    ['a destination over 512 characters', s => ({ dataCapture: { bucket: bucket(s), keyPrefix: 'p'.repeat(500) } }), /is 517 characters long; SageMaker accepts at most 512/],
    ['an empty content type list', s => ({ dataCapture: { bucket: bucket(s), jsonContentTypes: [] } }), /dataCapture\.jsonContentTypes has 0 entries; SageMaker accepts 1 to 10/],
    ['a malformed content type', s => ({ dataCapture: { bucket: bucket(s), csvContentTypes: ['csv'] } }), /dataCapture\.csvContentTypes entry 'csv' is not a content type/],
  ])('%s fails at synth', (_name, build, message) => {
    expect(() => endpointIn(build)).toThrow(message);
  });
});

/** Every option this file covers, with a KMS-capable instance type, as a production stack would set them. */
function everyOption(stack: cdk.Stack): RealtimeEndpointProps {
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  return {
    modelData: ModelData.fromBucket(s3.Bucket.fromBucketName(stack, 'Models', 'models-bkt'), 'm/model.tar.gz'),
    instanceType: InstanceType.ML_P3_2XLARGE,
    instanceCount: 2,
    endpointName: 'private-classifier',
    volumeEncryptionKey: key,
    enableNetworkIsolation: true,
    vpc: importedVpc(stack),
    dataCapture: {
      bucket: s3.Bucket.fromBucketAttributes(stack, 'Capture', { bucketName: 'capture-bkt', encryptionKey: key }),
      samplingPercentage: 10,
      jsonContentTypes: ['application/json'],
    },
    autoScaling: { minInstanceCount: 2, maxInstanceCount: 8, invocationsPerInstanceTarget: 200, gpuUtilizationTarget: 70 },
    alarms: { clientErrors: { enabled: true }, gpuMemory: { enabled: true }, noInvocations: { enabled: true } },
    alarmTopic: sns.Topic.fromTopicArn(stack, 'Pager', 'arn:aws:sns:eu-west-1:111122223333:pager'),
    dashboard: { dashboardName: 'private-classifier' },
  };
}

describe('the emitted properties are valid SageMaker API requests (botocore\'s full API model, offline)', () => {
  test('every option: CreateModel (VpcConfig) and CreateEndpointConfig (KmsKeyId, DataCaptureConfig)', () => {
    const stack = new cdk.Stack(fastApp(), 'S', { env: { account: '111122223333', region: 'eu-west-1' } });
    new RealtimeEndpoint(stack, 'E', everyOption(stack));
    const template = Template.fromStack(stack);
    // Intrinsics evaluated with realistic stand-ins (subnet and security-group ids, KMS key ARN, S3 URI).
    const model = deployedProperties(template.toJSON(), 'AWS::SageMaker::Model');
    const config = deployedProperties(template.toJSON(), 'AWS::SageMaker::EndpointConfig');
    expect(model.VpcConfig).toBeDefined();
    expect(config.DataCaptureConfig).toBeDefined();
    expect(checkRequest('sagemaker', 'CreateModel', { ModelName: 'm', ...model })).toEqual([]);
    expect(checkRequest('sagemaker', 'CreateEndpointConfig', { EndpointConfigName: 'c', ...config })).toEqual([]);
    // The validator is live: a wrong member inside the new structures is caught.
    expect(checkRequest('sagemaker', 'CreateEndpointConfig', { EndpointConfigName: 'c', ...config, DataCaptureConfig: { ...config.DataCaptureConfig, Bogus: 1 } }))
      .toEqual([expect.stringMatching(/^DataCaptureConfig\.Bogus: unknown member/)]);
    expect(checkRequest('sagemaker', 'CreateModel', { ModelName: 'm', ...model, VpcConfig: { Subnets: model.VpcConfig.Subnets } }))
      .toEqual(['VpcConfig.SecurityGroupIds: required member missing']);
  });
});

describe('a stack with every option: CloudFormation schemas and cdk-nag AwsSolutions, HIPAA, NIST 800-53 R5, PCI DSS 3.2.1', () => {
  const packs = [AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks];

  function everyOptionApp() {
    const app = checkedApp();
    const stack = new cdk.Stack(app, 'S', { env: { account: '111122223333', region: 'eu-west-1' } });
    const endpoint = new RealtimeEndpoint(stack, 'E', everyOption(stack));
    const caller = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    endpoint.grantInvoke(caller);
    for (const pack of ['HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321']) {
      cdk.Validations.of(caller).acknowledge({ id: `${pack}-IAMNoInlinePolicy`, reason: 'Test fixture: the caller role stands for the application\'s own role.' });
    }
    return { app, stack };
  }

  test('zero unsuppressed findings; every acknowledgement names its reason', () => {
    const { app } = everyOptionApp();
    const result = expectCleanSynth(app, { nagPacks: packs });
    const ids = result.acknowledgements.map(a => a.id);
    expect(ids).toEqual(expect.arrayContaining([
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:eu-west-1:111122223333:network-interface/*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::capture-bkt/data-capture/*]',
    ]));
  });

  test('no IAM statement has a "*" action; "*" resources only for actions that have no resource type', () => {
    const { app, stack } = everyOptionApp();
    const template = Template.fromJSON(app.synth().getStackByName(stack.stackName).template);
    const all = statements(template);
    expect(all.flatMap(s => s.Action).filter((a: string) => a.includes('*'))).toEqual([]);
    const unscoped = all.filter(s => s.Resource.includes('*')).flatMap(s => s.Action).sort();
    expect(unscoped).toEqual([
      'ec2:DescribeDhcpOptions', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSecurityGroups', 'ec2:DescribeSubnets',
      'ec2:DescribeVpcs', 'ecr:GetAuthorizationToken',
    ]);
    // Roles trust SageMaker (execution) or the account (the test's caller); nothing else is created.
    template.resourceCountIs('AWS::IAM::Role', 2);
    template.hasResourceProperties('AWS::IAM::Role', { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'sagemaker.amazonaws.com' } })] } });
  });

  test('the compliance packs would see a brought role\'s wildcards: the acknowledgements cover only what the endpoint creates', () => {
    const app = checkedApp();
    const stack = new cdk.Stack(app, 'S', { env: { account: '111122223333', region: 'eu-west-1' } });
    const role = new iam.Role(stack, 'Mine', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    new RealtimeEndpoint(stack, 'E', { ...everyOption(stack), role });
    const rules = synthWithChecks(app, { nagPacks: [AwsSolutionsChecks] }).findings.map(f => f.rule);
    expect(rules).toEqual(expect.arrayContaining([
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:eu-west-1:111122223333:network-interface/*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::capture-bkt/data-capture/*]',
    ]));
  });
});
