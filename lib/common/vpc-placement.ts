import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledgeWildcardResource } from './nag-acknowledgements';
import { ValidationError } from './validation';
import { warnWithoutS3Route } from './s3-route';

// Placing a service's network interfaces in a VPC: the SageMaker model of an endpoint, the training containers and
// the code-injection Lambda function. The rules are the same for all three (the `VpcConfig` limits, a default
// security group named `SecurityGroup`) and, for the model and the function, the EC2 permissions scoped to this
// account's interfaces; what differs between the services is a parameter below. Internal: not exported from
// lib/index.ts.

/** `VpcConfig` limit of SageMaker (CreateModel, CreateTrainingJob) and Lambda alike: 1 to 16 subnets. */
export const MAX_VPC_SUBNETS = 16;
/** `VpcConfig` limit of SageMaker and Lambda alike: 1 to 5 security groups. */
export const MAX_VPC_SECURITY_GROUPS = 5;

/** Where a construct's props ask for the network interfaces to go. */
export interface VpcPlacementProps {
  /** The VPC. */
  readonly vpc: ec2.IVpc;

  /**
   * Subnets of `vpc`.
   *
   * @default - `VpcPlacementRules.defaultSubnets`
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * Security groups of the interfaces.
   *
   * @default - one created from `VpcPlacementRules.defaultSecurityGroup`
   */
  readonly securityGroups?: ec2.ISecurityGroup[];
}

/** The security group created when the props give none (construct id `SecurityGroup` in the construct's scope). */
export interface DefaultSecurityGroupOptions {
  /** The group's description. */
  readonly description: string;

  /**
   * When set, the group lets out HTTPS (TCP 443 to any IPv4 address) only, with this rule description.
   *
   * @default - all outbound traffic allowed
   */
  readonly httpsOnlyEgressDescription?: string;

  /**
   * When set, the group admits all traffic from its own members, with this rule description (instances of one job
   * talking to each other).
   *
   * @default - no inbound rule
   */
  readonly selfIngressDescription?: string;
}

/** What differs between the services that attach network interfaces to a VPC. */
export interface VpcPlacementRules {
  /** The service that creates the interfaces, as error messages name it: 'SageMaker' or 'Lambda'. */
  readonly service: string;

  /**
   * The subnets used when `vpcSubnets` is not given.
   *
   * @default - what `vpc.selectSubnets()` picks: the private subnets with egress if the VPC has any, otherwise its
   * isolated subnets, otherwise its public subnets
   */
  readonly defaultSubnets?: ec2.SubnetSelection;

  /** The selection an error message suggests when `vpcSubnets` selects no subnet, e.g. `{ subnetType: ... }`. */
  readonly subnetExample: string;

  /**
   * Why an interface cannot work in a public subnet (e.g. 'a Lambda function gets no public IP address'); when set,
   * a selection with a public subnet is refused, with this reason.
   *
   * @default - public subnets are accepted
   */
  readonly publicSubnetsRefusedBecause?: string;

  /** The security group created when the props give none. */
  readonly defaultSecurityGroup: DefaultSecurityGroupOptions;

  /**
   * What fails when the subnets cannot reach S3, e.g. 'SageMaker downloads the model data from S3 through them';
   * when set, a synth-time warning names the chosen subnets of a VPC built in the app that have no S3 gateway
   * endpoint and no NAT.
   *
   * @default - no check
   */
  readonly s3AccessNeededBecause?: string;
}

/** Where the network interfaces go: the VPC, the selected subnets and the security groups (given or created). */
export interface VpcPlacement {
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.ISubnet[];
  readonly securityGroups: ec2.ISecurityGroup[];
}

/**
 * Validates the subnet selection and the security groups against the service's `VpcConfig` limits and creates the
 * default security group when none is given (as `SecurityGroup` under `scope`, so an existing stack keeps it).
 * Throws at synth time with what to change.
 */
export function placeInVpc(scope: Construct, props: VpcPlacementProps, rules: VpcPlacementRules): VpcPlacement {
  const vpc = props.vpc;
  let subnets: ec2.ISubnet[];
  try {
    subnets = vpc.selectSubnets(props.vpcSubnets ?? rules.defaultSubnets).subnets;
  } catch (error) {
    // The VPC's own message ("There are no 'Private' subnet groups in this VPC..."), said to be about vpcSubnets.
    throw new ValidationError(`vpcSubnets cannot be resolved: ${error instanceof Error ? error.message : String(error)}`, scope);
  }
  if (subnets.length === 0) {
    throw new ValidationError(
      `vpcSubnets selects no subnet of the VPC; ${rules.service} needs 1 to ${MAX_VPC_SUBNETS}. ` +
      `Select subnets that exist, e.g. ${rules.subnetExample}.`, scope,
    );
  }
  if (subnets.length > MAX_VPC_SUBNETS) {
    throw new ValidationError(
      `vpcSubnets selects ${subnets.length} subnets; ${rules.service} accepts at most ${MAX_VPC_SUBNETS}. ` +
      'Narrow the selection (e.g. onePerAz: true).', scope,
    );
  }
  if (rules.publicSubnetsRefusedBecause !== undefined) {
    const publicSubnetIds = new Set(vpc.publicSubnets.map((subnet) => subnet.subnetId));
    if (subnets.some((subnet) => publicSubnetIds.has(subnet.subnetId))) {
      throw new ValidationError(
        `vpcSubnets selects public subnets, where ${rules.publicSubnetsRefusedBecause}. ` +
        `Select private or isolated subnets, e.g. ${rules.subnetExample}.`, scope,
      );
    }
  }
  const given = props.securityGroups;
  if (given && (given.length === 0 || given.length > MAX_VPC_SECURITY_GROUPS)) {
    throw new ValidationError(
      `securityGroups has ${given.length} entries; ${rules.service} accepts 1 to ${MAX_VPC_SECURITY_GROUPS}. ` +
      'Omit it to have one created.', scope,
    );
  }
  if (rules.s3AccessNeededBecause !== undefined) {
    warnWithoutS3Route(scope, vpc, subnets, rules.s3AccessNeededBecause);
  }
  const securityGroups = given ?? [createDefaultSecurityGroup(scope, vpc, rules.defaultSecurityGroup)];
  return { vpc, subnets, securityGroups };
}

function createDefaultSecurityGroup(scope: Construct, vpc: ec2.IVpc, options: DefaultSecurityGroupOptions): ec2.ISecurityGroup {
  const httpsOnly = options.httpsOnlyEgressDescription !== undefined;
  const securityGroup = new ec2.SecurityGroup(scope, 'SecurityGroup', {
    vpc,
    description: options.description,
    allowAllOutbound: !httpsOnly,
  });
  if (httpsOnly) {
    securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), options.httpsOnlyEgressDescription);
  }
  if (options.selfIngressDescription !== undefined) {
    securityGroup.addIngressRule(securityGroup, ec2.Port.allTraffic(), options.selfIngressDescription);
  }
  return securityGroup;
}

/** The EC2 permissions a service needs to attach interfaces to the VPC; the action lists differ per service. */
export interface NetworkInterfaceGrantOptions {
  /** Describe actions the service calls. They have no resource type: IAM accepts only "*" for them. */
  readonly describeActions: string[];

  /**
   * Actions granted on this account's and region's network interfaces, the placement's subnets and its security
   * groups: those that create an interface, which names all three.
   */
  readonly placementActions: string[];

  /**
   * Actions on existing interfaces only (delete, assign addresses): scoped to this account's and region's network
   * interfaces.
   *
   * @default - none
   */
  readonly interfaceActions?: string[];

  /** Why `network-interface/*` is needed, recorded for cdk-nag under the scope. */
  readonly interfaceWildcardReason: string;

  /**
   * Why "*" is needed for the Describe actions, recorded for cdk-nag under the scope.
   *
   * @default - not recorded here: the caller acknowledges "*" itself (e.g. on the role, with its other actions)
   */
  readonly describeWildcardReason?: string;

  /**
   * Whether the statements carry ids (`DescribeNetwork`, `CreateNetworkInterfaces`, `ManageNetworkInterfaces`), for
   * a policy of its own that people read statement by statement.
   *
   * @default false
   */
  readonly namedStatements?: boolean;
}

/**
 * The EC2 actions SageMaker performs with a job's or a model's execution role to attach its containers to a VPC
 * (CreateTrainingJob / CreateModel, "execution role permissions"). The Describe actions have no resource type.
 */
export const SAGEMAKER_DESCRIBE_ACTIONS = [
  'ec2:DescribeDhcpOptions', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSecurityGroups', 'ec2:DescribeSubnets',
  'ec2:DescribeVpcs',
];
export const SAGEMAKER_PLACEMENT_ACTIONS = [
  'ec2:CreateNetworkInterface', 'ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface',
  'ec2:DeleteNetworkInterfacePermission',
];

/**
 * The statements that let a service attach interfaces to the placement's VPC: Describe on "*", the placement
 * actions on the interfaces, subnets and security groups, the interface actions on the interfaces only. The interfaces are
 * created at run time, so their ids are unknown: the ARN is `network-interface/*` of this account and region, and
 * the wildcards are acknowledged for cdk-nag under `scope` with the given reasons.
 */
export function networkInterfaceStatements(scope: Construct, placement: VpcPlacement, options: NetworkInterfaceGrantOptions): iam.PolicyStatement[] {
  const stack = Stack.of(scope);
  const ec2Arn = (resource: string, resourceName: string) => stack.formatArn({ service: 'ec2', resource, resourceName });
  const networkInterfaces = ec2Arn('network-interface', '*');
  acknowledgeWildcardResource(scope, networkInterfaces, options.interfaceWildcardReason);
  if (options.describeWildcardReason !== undefined) {
    acknowledgeWildcardResource(scope, '*', options.describeWildcardReason);
  }
  const sid = (name: string) => (options.namedStatements ? name : undefined);
  const statements = [
    new iam.PolicyStatement({ sid: sid('DescribeNetwork'), actions: options.describeActions, resources: ['*'] }),
    new iam.PolicyStatement({
      sid: sid('CreateNetworkInterfaces'),
      actions: options.placementActions,
      resources: [
        networkInterfaces,
        ...placement.subnets.map((subnet) => ec2Arn('subnet', subnet.subnetId)),
        ...placement.securityGroups.map((securityGroup) => ec2Arn('security-group', securityGroup.securityGroupId)),
      ],
    }),
  ];
  if (options.interfaceActions && options.interfaceActions.length > 0) {
    statements.push(new iam.PolicyStatement({
      sid: sid('ManageNetworkInterfaces'),
      actions: options.interfaceActions,
      resources: [networkInterfaces],
    }));
  }
  return statements;
}
