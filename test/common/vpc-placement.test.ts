// The shared VPC placement of the model, the training containers and the injection function: its own rules, apart
// from the constructs that use it (their tests pin their own messages and templates).
import * as cdk from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { flattenCfnReference } from '../../lib/common/nag-acknowledgements';
import { fastApp } from '../helpers/synth-checks';
import { threeTierVpc } from '../helpers/vpcs';
import {
  NetworkInterfaceGrantOptions, networkInterfaceStatements, placeInVpc, VpcPlacementProps, VpcPlacementRules,
} from '../../lib/common/vpc-placement';

const RULES: VpcPlacementRules = {
  service: 'TestService',
  subnetExample: '{ subnetType: ec2.SubnetType.PRIVATE_ISOLATED }',
  defaultSecurityGroup: { description: 'test group' },
};

const subnetId = (i: number) => `subnet-${i.toString(16).padStart(17, '0')}`;

/** A stack with a construct `Thing` to place, and a VPC with two public, two private and two isolated subnets. */
function setup() {
  const stack = new cdk.Stack(fastApp(), 'S', { env: { account: '111122223333', region: 'eu-west-1' } });
  const vpc = threeTierVpc(stack, 'Vpc', 2);
  const thing = new Construct(stack, 'Thing');
  return { stack, vpc, thing };
}

const groups = (scope: Construct, n: number) =>
  Array.from({ length: n }, (_, i) => ec2.SecurityGroup.fromSecurityGroupId(scope, `Given${i}`, `sg-${i}0000000`));

function place(build: (s: ReturnType<typeof setup>) => Partial<VpcPlacementProps>, rules: Partial<VpcPlacementRules> = {}) {
  const s = setup();
  const placement = placeInVpc(s.thing, { vpc: s.vpc, ...build(s) }, { ...RULES, ...rules });
  return { ...s, placement };
}

describe('placeInVpc: subnets', () => {
  test('without vpcSubnets: the rules\' default selection, else what the VPC picks', () => {
    const withDefault = place(() => ({}), { defaultSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } });
    expect(withDefault.placement.subnets).toEqual(withDefault.vpc.isolatedSubnets);
    const vpcDefault = place(() => ({}));
    expect(vpcDefault.placement.subnets).toEqual(vpcDefault.vpc.privateSubnets);
  });

  test('vpcSubnets wins over the default selection', () => {
    const { vpc, placement } = place(() => ({ vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC } }),
      { defaultSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } });
    expect(placement.subnets).toEqual(vpc.publicSubnets);
  });

  test('16 subnets are accepted, 17 are not', () => {
    const imported = (n: number) => ({ thing }: ReturnType<typeof setup>) =>
      ({ vpcSubnets: { subnets: Array.from({ length: n }, (_, i) => ec2.Subnet.fromSubnetId(thing, `Sn${i}`, subnetId(i))) } });
    expect(place(imported(16)).placement.subnets).toHaveLength(16);
    expect(() => place(imported(17))).toThrow(
      'S/Thing: vpcSubnets selects 17 subnets; TestService accepts at most 16. Narrow the selection (e.g. onePerAz: true).',
    );
  });

  test('a selection with no subnet names the service and the example', () => {
    expect(() => place(() => ({ vpcSubnets: { availabilityZones: ['us-east-1a'] } }))).toThrow(
      'S/Thing: vpcSubnets selects no subnet of the VPC; TestService needs 1 to 16. Select subnets that exist, e.g. { subnetType: ec2.SubnetType.PRIVATE_ISOLATED }.',
    );
  });

  test('a selection the VPC cannot resolve: the VPC\'s own reason, said to be about vpcSubnets', () => {
    const s = setup();
    const isolatedOnly = new ec2.Vpc(s.stack, 'Isolated', { maxAzs: 1, subnetConfiguration: [{ name: 'i', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    expect(() => placeInVpc(s.thing, { vpc: isolatedOnly, vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC } }, RULES))
      .toThrow(/^S\/Thing: vpcSubnets cannot be resolved: There are no 'Public' subnet groups in this VPC/);
  });

  test('public subnets are refused only when the rules say why', () => {
    const publicSelection = () => ({ vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC } });
    expect(place(publicSelection).placement.subnets).toHaveLength(2);
    expect(() => place(publicSelection, { publicSubnetsRefusedBecause: 'an interface gets no public IP address' })).toThrow(
      'S/Thing: vpcSubnets selects public subnets, where an interface gets no public IP address. Select private or isolated subnets, e.g. { subnetType: ec2.SubnetType.PRIVATE_ISOLATED }.',
    );
    // One public subnet among private ones is enough to refuse.
    expect(() => place(({ vpc }) => ({ vpcSubnets: { subnets: [vpc.privateSubnets[0], vpc.publicSubnets[0]] } }),
      { publicSubnetsRefusedBecause: 'no public IP' })).toThrow(/selects public subnets, where no public IP\./);
    expect(place(() => ({ vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } }),
      { publicSubnetsRefusedBecause: 'no public IP' }).placement.subnets).toHaveLength(2);
  });

  test('the messages start with the construct path, then the property (no class name: the path says which construct)', () => {
    expect(() => place(() => ({ vpcSubnets: { subnets: [] } }))).toThrow(/^S\/Thing: vpcSubnets selects no subnet/);
  });
});

describe('placeInVpc: security groups', () => {
  test('1 and 5 given groups are used as they are, and none is created', () => {
    for (const n of [1, 5]) {
      const { stack, thing, placement } = place(({ thing: t }) => ({ securityGroups: groups(t, n) }));
      expect(placement.securityGroups.map((g) => g.securityGroupId)).toEqual(groups(new Construct(stack, `Probe${n}`), n).map((g) => g.securityGroupId));
      expect(thing.node.tryFindChild('SecurityGroup')).toBeUndefined();
      Template.fromStack(stack).resourceCountIs('AWS::EC2::SecurityGroup', 0);
    }
  });

  test.each([0, 6])('%i given groups are refused', (n) => {
    expect(() => place(({ thing }) => ({ securityGroups: groups(thing, n) }))).toThrow(
      `S/Thing: securityGroups has ${n} entries; TestService accepts 1 to 5. Omit it to have one created.`,
    );
  });

  test('the default group is the scope\'s child SecurityGroup (the id existing stacks have)', () => {
    const { thing, placement } = place(() => ({}));
    expect(placement.securityGroups).toEqual([thing.node.findChild('SecurityGroup')]);
  });

  test('default group, HTTPS only: no inbound rule, outbound TCP 443 only', () => {
    const { stack } = place(() => ({}), { defaultSecurityGroup: { description: 'https only', httpsOnlyEgressDescription: 'HTTPS out' } });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    const [group] = Object.values(template.findResources('AWS::EC2::SecurityGroup')) as any[];
    expect(group.Properties.GroupDescription).toBe('https only');
    expect(group.Properties.SecurityGroupIngress).toBeUndefined();
    expect(group.Properties.SecurityGroupEgress).toEqual([{ CidrIp: '0.0.0.0/0', Description: 'HTTPS out', FromPort: 443, IpProtocol: 'tcp', ToPort: 443 }]);
  });

  test('default group without an egress restriction: all outbound; with self ingress: all traffic from itself', () => {
    const { stack, thing } = place(() => ({}), { defaultSecurityGroup: { description: 'job', selfIngressDescription: 'between instances' } });
    const template = Template.fromStack(stack);
    const [group] = Object.values(template.findResources('AWS::EC2::SecurityGroup')) as any[];
    expect(group.Properties.SecurityGroupEgress).toEqual([{ CidrIp: '0.0.0.0/0', Description: 'Allow all outbound traffic by default', IpProtocol: '-1' }]);
    const groupId = stack.resolve((thing.node.findChild('SecurityGroup') as ec2.SecurityGroup).securityGroupId);
    const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')) as any[];
    expect(ingress.map((r) => r.Properties)).toEqual([{
      Description: 'between instances', GroupId: groupId, SourceSecurityGroupId: groupId, IpProtocol: '-1',
    }]);
  });

  test('default group without self ingress: no inbound rule', () => {
    const { stack } = place(() => ({}));
    Template.fromStack(stack).resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
  });
});

describe('networkInterfaceStatements', () => {
  const GRANTS: NetworkInterfaceGrantOptions = {
    describeActions: ['ec2:DescribeSubnets'],
    placementActions: ['ec2:CreateNetworkInterface'],
    interfaceWildcardReason: 'interfaces are created at run time',
  };

  function statementsFor(options: Partial<NetworkInterfaceGrantOptions>) {
    const { stack, thing, vpc } = setup();
    const placement = placeInVpc(thing, { vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } }, RULES);
    const statements = networkInterfaceStatements(thing, placement, { ...GRANTS, ...options });
    const json = statements.map((s) => stack.resolve(s.toStatementJson()));
    const flat = json.map((s) => ({ ...s, Resource: [].concat(s.Resource).map(flattenCfnReference) }));
    const acknowledged = thing.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules').map((m) => m.data);
    return { stack, thing, placement, statements, flat, acknowledged };
  }

  test('Describe on "*"; the placement actions on this account\'s interfaces, the subnets and the security groups', () => {
    const { stack, placement, flat } = statementsFor({});
    const subnets = placement.subnets.map((s) => flattenCfnReference(stack.resolve(s.subnetId)));
    const group = flattenCfnReference(stack.resolve(placement.securityGroups[0].securityGroupId));
    expect(flat).toEqual([
      { Effect: 'Allow', Action: 'ec2:DescribeSubnets', Resource: ['*'] },
      {
        Effect: 'Allow',
        Action: 'ec2:CreateNetworkInterface',
        Resource: [
          'arn:<AWS::Partition>:ec2:eu-west-1:111122223333:network-interface/*',
          ...subnets.map((id) => `arn:<AWS::Partition>:ec2:eu-west-1:111122223333:subnet/${id}`),
          `arn:<AWS::Partition>:ec2:eu-west-1:111122223333:security-group/${group}`,
        ],
      },
    ]);
    expect(subnets).toHaveLength(2);
  });

  test('interface actions get a statement of their own, on the interfaces only; ids only when asked', () => {
    const { flat } = statementsFor({ interfaceActions: ['ec2:DeleteNetworkInterface'], namedStatements: true });
    expect(flat.map((s) => s.Sid)).toEqual(['DescribeNetwork', 'CreateNetworkInterfaces', 'ManageNetworkInterfaces']);
    expect(flat[2]).toEqual({
      Sid: 'ManageNetworkInterfaces', Effect: 'Allow', Action: 'ec2:DeleteNetworkInterface',
      Resource: ['arn:<AWS::Partition>:ec2:eu-west-1:111122223333:network-interface/*'],
    });
    expect(statementsFor({ interfaceActions: [] }).flat).toHaveLength(2);
  });

  test('the interface wildcard is acknowledged under the scope; "*" only when a reason is given', () => {
    const withoutDescribeReason = statementsFor({}).acknowledged;
    expect(withoutDescribeReason).toEqual([{
      'Annotation::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:eu-west-1:111122223333:network-interface/*]': 'interfaces are created at run time',
    }]);
    const withDescribeReason = statementsFor({ describeWildcardReason: 'Describe has no resource type' }).acknowledged;
    expect(withDescribeReason).toHaveLength(2);
    expect(withDescribeReason[1]).toEqual({ 'Annotation::AwsSolutions-IAM5[Resource::*]': 'Describe has no resource type' });
  });

  test('the statements are valid IAM statements a role accepts', () => {
    const { stack, statements } = statementsFor({ interfaceActions: ['ec2:DeleteNetworkInterface'] });
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    statements.forEach((s) => role.addToPrincipalPolicy(s));
    const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy');
    expect(Object.values(policies).flatMap((p: any) => p.Properties.PolicyDocument.Statement)).toHaveLength(3);
  });
});
