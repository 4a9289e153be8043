import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { acknowledgeWildcardResource } from '../common/nag-acknowledgements';

/** Where the model's containers are attached: the VPC props of `RealtimeEndpointOptions`. */
export interface ModelNetworkProps {
  readonly vpc?: ec2.IVpc;
  readonly vpcSubnets?: ec2.SubnetSelection;
  readonly securityGroups?: ec2.ISecurityGroup[];
}

/** The model's `VpcConfig` and the security groups behind it. */
export interface ModelNetwork {
  readonly vpcConfig: sagemaker.CfnModel.VpcConfigProperty;
  readonly connections: ec2.Connections;
}

/** API model `VpcConfig`: 1 to 16 subnets, 1 to 5 security groups. */
const MAX_SUBNETS = 16;
const MAX_SECURITY_GROUPS = 5;

/**
 * The EC2 actions SageMaker performs with the execution role to attach the containers to the VPC (CreateModel
 * API, "execution role permissions"). The Describe actions have no resource type, so they need `*`.
 */
const DESCRIBE_ACTIONS = [
  'ec2:DescribeDhcpOptions', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSecurityGroups', 'ec2:DescribeSubnets',
  'ec2:DescribeVpcs',
];
const NETWORK_INTERFACE_ACTIONS = [
  'ec2:CreateNetworkInterface', 'ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface',
  'ec2:DeleteNetworkInterfacePermission',
];

/**
 * Validates the VPC props, creates a security group when none is given, grants the execution role the network
 * interface actions (scoped to this account's interfaces, the chosen subnets and security groups) and returns the
 * model's `VpcConfig`. Without a VPC it returns undefined.
 */
export function bindModelNetwork(scope: Construct, props: ModelNetworkProps, grantee: iam.IGrantable): ModelNetwork | undefined {
  if (!props.vpc) {
    if (props.vpcSubnets || props.securityGroups) {
      throw new Error('vpcSubnets and securityGroups place the model in a VPC: set vpc as well.');
    }
    return undefined;
  }
  const subnetIds = props.vpc.selectSubnets(props.vpcSubnets).subnetIds;
  if (subnetIds.length === 0) {
    throw new Error('vpcSubnets selects no subnet of the VPC: SageMaker needs 1 to 16 subnets to attach the model to. ' +
      'Select subnets that exist (e.g. { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).');
  }
  if (subnetIds.length > MAX_SUBNETS) {
    throw new Error(`vpcSubnets selects ${subnetIds.length} subnets; SageMaker accepts at most ${MAX_SUBNETS}. ` +
      'Narrow the selection (e.g. onePerAz: true).');
  }
  if (props.securityGroups && (props.securityGroups.length === 0 || props.securityGroups.length > MAX_SECURITY_GROUPS)) {
    throw new Error(`securityGroups has ${props.securityGroups.length} entries; SageMaker accepts 1 to ` +
      `${MAX_SECURITY_GROUPS}. Omit it to have one created.`);
  }
  const securityGroups = props.securityGroups ?? [defaultSecurityGroup(scope, props.vpc)];

  const stack = Stack.of(scope);
  const ec2Arn = (resource: string, resourceName: string) => stack.formatArn({ service: 'ec2', resource, resourceName });
  iam.Grant.addToPrincipal({ grantee, actions: DESCRIBE_ACTIONS, resourceArns: ['*'] });
  const networkInterfaces = ec2Arn('network-interface', '*');
  iam.Grant.addToPrincipal({
    grantee,
    actions: NETWORK_INTERFACE_ACTIONS,
    resourceArns: [
      networkInterfaces,
      ...subnetIds.map(id => ec2Arn('subnet', id)),
      ...securityGroups.map(sg => ec2Arn('security-group', sg.securityGroupId)),
    ],
  });
  acknowledgeWildcardResource(scope, networkInterfaces,
    'SageMaker creates and deletes the network interfaces of the model\'s containers at run time, so their ids are ' +
    'unknown; the statement is confined to this account and region, the model\'s subnets and security groups.');

  return {
    vpcConfig: { subnets: subnetIds, securityGroupIds: securityGroups.map(sg => sg.securityGroupId) },
    connections: new ec2.Connections({ securityGroups }),
  };
}

/**
 * A security group that lets the containers out on HTTPS only (S3 for the model data, ECR for the image, AWS APIs
 * and VPC endpoints) and lets nothing in: callers reach the endpoint through the SageMaker runtime API, not the
 * VPC. Open more with the endpoint's `connections`.
 */
function defaultSecurityGroup(scope: Construct, vpc: ec2.IVpc): ec2.ISecurityGroup {
  const securityGroup = new ec2.SecurityGroup(scope, 'SecurityGroup', {
    vpc,
    description: 'SageMaker model containers of a PyTorch real-time endpoint: HTTPS out only',
    allowAllOutbound: false,
  });
  securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to S3, ECR, AWS APIs and VPC endpoints');
  return securityGroup;
}
