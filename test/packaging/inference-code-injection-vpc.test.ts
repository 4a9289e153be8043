import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { HIPAASecurityChecks } from 'cdk-nag';
import { ModelData, PytorchCustomEndpoint } from '../../lib';
import { InferenceCode, InferenceCodeInjection, InferenceCodeInjectionProps } from '../../lib/packaging';
import { checkedApp, expectCleanSynth, fastApp, synthWithChecks } from '../helpers/synth-checks';
import { threeTierVpc } from '../helpers/vpcs';

const INFERENCE = 'def model_fn(model_dir):\n    return None\n';
let codeDirectory: string;

beforeAll(() => {
  codeDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'injection-vpc-'));
  fs.writeFileSync(path.join(codeDirectory, 'inference.py'), INFERENCE);
});
afterAll(() => fs.rmSync(codeDirectory, { recursive: true, force: true }));

const ENV = { account: '111111111111', region: 'eu-west-1' };

/** The typical private setup: isolated subnets only, S3 reached through a gateway endpoint on their route tables. */
function isolatedVpc(stack: Stack): ec2.Vpc {
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
    gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
  });
  // The test's own VPC, not the library's: flow logs are the stack owner's choice.
  Validations.of(vpc).acknowledge({ id: 'AwsSolutions-VPC7', reason: 'Test fixture VPC: flow logs are the stack owner\'s choice, not the construct\'s.' });
  return vpc;
}

function injectionIn(stack: Stack, props: Partial<InferenceCodeInjectionProps> = {}): InferenceCodeInjection {
  return new InferenceCodeInjection(stack, 'Injection', {
    modelData: ModelData.fromBucket(s3.Bucket.fromBucketName(stack, 'Artifacts', 'training-output'), 'jobs/job-1/output/model.tar.gz'),
    inferenceCode: InferenceCode.fromDirectory(codeDirectory),
    ...props,
  });
}

function newStack(app: App = fastApp()): Stack {
  return new Stack(app, 'S', { env: ENV });
}

const ref = (stack: Stack, construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as any);

function policyStatements(template: Template): any[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy'));
  expect(policies).toHaveLength(1);
  return (policies[0] as any).Properties.PolicyDocument.Statement;
}

describe('InferenceCodeInjection in a VPC', () => {
  test('the function gets a VpcConfig on the isolated subnets and a security group created for it', () => {
    const stack = newStack();
    const vpc = isolatedVpc(stack);
    const injection = injectionIn(stack, { vpc });
    const template = Template.fromStack(stack);
    const isolated = vpc.isolatedSubnets.map((subnet) => ({ Ref: ref(stack, subnet) }));
    expect(isolated).toHaveLength(2);
    template.hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: {
        SubnetIds: isolated,
        SecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^InjectionSecurityGroup'), 'GroupId'] }],
      },
    });
    expect(injection.connections.securityGroups).toHaveLength(1);
  });

  test('the created security group lets nothing in and only HTTPS out', () => {
    const stack = newStack();
    injectionIn(stack, { vpc: isolatedVpc(stack) });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::SecurityGroup', 1);
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    template.resourceCountIs('AWS::EC2::SecurityGroupEgress', 0);
    const [securityGroup] = Object.values(template.findResources('AWS::EC2::SecurityGroup')) as any[];
    expect(securityGroup.Properties.SecurityGroupIngress).toBeUndefined();
    expect(securityGroup.Properties.SecurityGroupEgress).toEqual([
      { CidrIp: '0.0.0.0/0', Description: expect.stringContaining('HTTPS'), FromPort: 443, IpProtocol: 'tcp', ToPort: 443 },
    ]);
    expect(securityGroup.Properties.VpcId).toEqual({ Ref: expect.stringMatching(/^Vpc/) });
  });

  test('IAM: the network interface actions inline, scoped to the subnets and security groups, no "*" action, no managed policy', () => {
    const stack = newStack();
    const vpc = isolatedVpc(stack);
    injectionIn(stack, { vpc });
    const template = Template.fromStack(stack);
    const statements = policyStatements(template);
    for (const statement of statements) {
      for (const action of [statement.Action].flat()) expect(action).not.toContain('*');
    }
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    // The S3 and logs statements are still there, unchanged.
    expect(Object.keys(bySid)).toEqual(expect.arrayContaining(['ReadOriginalArtifact', 'ReadInferenceCode', 'WriteUnderOutputPrefix', 'FindExistingArtifact', 'WriteLogs']));

    expect(bySid.DescribeNetwork).toEqual({
      Sid: 'DescribeNetwork', Effect: 'Allow', Action: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets'], Resource: '*',
    });
    const subnetArns = vpc.isolatedSubnets.map((subnet) => ({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ec2:eu-west-1:111111111111:subnet/', { Ref: ref(stack, subnet) }]],
    }));
    expect(bySid.CreateNetworkInterfaces).toEqual({
      Sid: 'CreateNetworkInterfaces',
      Effect: 'Allow',
      Action: 'ec2:CreateNetworkInterface',
      Resource: [
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ec2:eu-west-1:111111111111:network-interface/*']] },
        ...subnetArns,
        {
          'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ec2:eu-west-1:111111111111:security-group/', {
            'Fn::GetAtt': [expect.stringMatching(/^InjectionSecurityGroup/), 'GroupId'],
          }]],
        },
      ],
    });
    expect(bySid.ManageNetworkInterfaces).toEqual({
      Sid: 'ManageNetworkInterfaces',
      Effect: 'Allow',
      Action: ['ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ec2:eu-west-1:111111111111:network-interface/*']] },
    });
    // Not AWSLambdaVPCAccessExecutionRole (AWS managed, every action on "*"), nor AWSLambdaBasicExecutionRole.
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
    // Lambda checks the network permissions when it creates the function: the function waits for the policy.
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function')) as any[];
    expect(fn.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^InjectionPolicy/)]));
  });

  test('without a VPC nothing of this is added', () => {
    const stack = newStack();
    const injection = injectionIn(stack);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::SecurityGroup', 0);
    template.hasResourceProperties('AWS::Lambda::Function', { VpcConfig: Match.absent() });
    expect(policyStatements(template).filter((s) => JSON.stringify(s.Action).includes('ec2:'))).toEqual([]);
    expect(() => injection.connections).toThrow(/S\/Injection: only an injection whose function is in a VPC has security groups: set vpc/);
  });

  test('default subnets are what vpc.selectSubnets() picks: private with egress when the VPC has them', () => {
    const stack = newStack();
    const vpc = threeTierVpc(stack, 'Vpc', 2);
    injectionIn(stack, { vpc });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: { SubnetIds: vpc.privateSubnets.map((subnet) => ({ Ref: ref(stack, subnet) })) },
    });
  });

  test('an explicit selection and given security groups are used as they are; connections exposes them', () => {
    const stack = newStack();
    const vpc = threeTierVpc(stack, 'Vpc', 3);
    const mine = new ec2.SecurityGroup(stack, 'Mine', { vpc, allowAllOutbound: false });
    const injection = injectionIn(stack, {
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED, onePerAz: true },
      securityGroups: [mine],
    });
    expect(injection.connections.securityGroups).toEqual([mine]);
    // Opening more through connections changes the given group.
    const proxy = new ec2.SecurityGroup(stack, 'Proxy', { vpc });
    injection.connections.allowTo(proxy, ec2.Port.tcp(3128));
    const template = Template.fromStack(stack);
    // Mine and Proxy: none created by the construct.
    template.resourceCountIs('AWS::EC2::SecurityGroup', 2);
    template.hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: {
        SubnetIds: vpc.isolatedSubnets.map((subnet) => ({ Ref: ref(stack, subnet) })),
        SecurityGroupIds: [{ 'Fn::GetAtt': [ref(stack, mine), 'GroupId'] }],
      },
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      GroupId: { 'Fn::GetAtt': [ref(stack, mine), 'GroupId'] },
      FromPort: 3128,
    });
  });

  test('invalid network settings fail at synth with what to change', () => {
    const attempt = (make: (stack: Stack) => Partial<InferenceCodeInjectionProps>) => () => {
      const stack = newStack();
      injectionIn(stack, make(stack));
    };
    expect(attempt(() => ({ vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } }))).toThrow(
      'vpcSubnets place the function in a VPC: set vpc as well, or remove vpcSubnets.',
    );
    expect(attempt((stack) => ({ securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, 'G', 'sg-12345678')] }))).toThrow(
      'securityGroups place the function in a VPC: set vpc as well, or remove securityGroups.',
    );
    expect(attempt((stack) => ({
      vpcSubnets: {},
      securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, 'G', 'sg-12345678')],
    }))).toThrow(/vpcSubnets and securityGroups place the function in a VPC: set vpc as well/);
    // A selection that matches nothing.
    expect(attempt((stack) => ({ vpc: isolatedVpc(stack), vpcSubnets: { availabilityZones: ['us-east-1a'] } }))).toThrow(
      /vpcSubnets selects no subnet of the VPC; Lambda needs 1 to 16\. Select subnets that exist, e.g\. \{ subnetType: ec2\.SubnetType\.PRIVATE_ISOLATED \}/,
    );
    // A subnet type the VPC does not have: the VPC's own message, said to be about vpcSubnets.
    expect(attempt((stack) => ({ vpc: isolatedVpc(stack), vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } }))).toThrow(
      /vpcSubnets cannot be resolved: There are no 'Private' subnet groups in this VPC\. Available types: Isolated/,
    );
    expect(attempt((stack) => ({
      vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }] }),
    }))).toThrow(/vpcSubnets selects public subnets, where a Lambda function gets no public IP address\. Select private or isolated subnets/);
    expect(attempt((stack) => {
      const vpc = isolatedVpc(stack);
      const subnets = Array.from({ length: 17 }, (_, i) => ec2.Subnet.fromSubnetId(stack, `Subnet${i}`, `subnet-${String(i).padStart(8, '0')}`));
      return { vpc, vpcSubnets: { subnets } };
    })).toThrow(/vpcSubnets selects 17 subnets; Lambda accepts at most 16\. Narrow the selection/);
    expect(attempt((stack) => ({ vpc: isolatedVpc(stack), securityGroups: [] }))).toThrow(
      /securityGroups has 0 entries; Lambda accepts 1 to 5\. Omit it to have one created\./,
    );
    expect(attempt((stack) => ({
      vpc: isolatedVpc(stack),
      securityGroups: Array.from({ length: 6 }, (_, i) => ec2.SecurityGroup.fromSecurityGroupId(stack, `G${i}`, `sg-${i}0000000`)),
    }))).toThrow(/securityGroups has 6 entries; Lambda accepts 1 to 5/);
  });

  test('PytorchCustomEndpoint passes the VPC of codeInjection to the injecting function', () => {
    const stack = newStack();
    const vpc = isolatedVpc(stack);
    const endpoint = new PytorchCustomEndpoint(stack, 'Classifier', {
      model: ModelData.fromS3Uri('s3://my-models/model.tar.gz'),
      inferenceCode: InferenceCode.fromDirectory(codeDirectory),
      codeInjection: { vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } },
    });
    expect(endpoint.codeInjection!.connections.securityGroups).toHaveLength(1);
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: { SubnetIds: vpc.isolatedSubnets.map((subnet) => ({ Ref: ref(stack, subnet) })) },
    });
  });

  test('a stack with the function in a VPC synthesizes with no CloudFormation-schema and no unexplained AwsSolutions findings', () => {
    const app = checkedApp();
    const stack = newStack(app);
    injectionIn(stack, { vpc: isolatedVpc(stack) });
    const result = expectCleanSynth(app);
    const ids = result.acknowledgements.filter((a) => a.path === 'S/Injection').map((a) => a.id);
    expect(ids).toEqual(expect.arrayContaining([
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:eu-west-1:111111111111:network-interface/*]',
    ]));
  });

  test('HIPAA Security pack: LambdaInsideVPC is met', () => {
    const app = checkedApp();
    const stack = newStack(app);
    injectionIn(stack, { vpc: isolatedVpc(stack) });
    const rules = synthWithChecks(app, { nagPacks: [HIPAASecurityChecks] }).findings
      .filter((f) => f.constructPaths.some((p) => p.startsWith('S/Injection/')))
      .map((f) => f.rule);
    expect(rules).toContain('HIPAA.Security-LambdaDLQ'); // the pack ran on the function
    expect(rules).not.toContain('HIPAA.Security-LambdaInsideVPC');
  });
});
