import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { ValidationError } from '../common/validation';
import {
  networkInterfaceStatements, placeInVpc, SAGEMAKER_DESCRIBE_ACTIONS, SAGEMAKER_PLACEMENT_ACTIONS, VpcPlacementRules,
} from '../common/vpc-placement';

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

const MODEL_PLACEMENT: VpcPlacementRules = {
  service: 'SageMaker',
  subnetExample: '{ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }',
  s3AccessNeededBecause: 'SageMaker downloads the model data from S3 through them',
  // Lets the containers out on HTTPS only (S3 for the model data, ECR for the image, AWS APIs and VPC endpoints) and
  // nothing in: callers reach the endpoint through the SageMaker runtime API, not the VPC. Open more with the
  // endpoint's `connections`.
  defaultSecurityGroup: {
    description: 'SageMaker model containers of a PyTorch real-time endpoint: HTTPS out only',
    httpsOnlyEgressDescription: 'HTTPS to S3, ECR, AWS APIs and VPC endpoints',
  },
};

/**
 * Validates the VPC props, creates a security group when none is given, grants the execution role the network
 * interface actions (scoped to this account's interfaces, the chosen subnets and security groups) and returns the
 * model's `VpcConfig`. Without a VPC it returns undefined.
 */
export function bindModelNetwork(scope: Construct, props: ModelNetworkProps, grantee: iam.IGrantable): ModelNetwork | undefined {
  if (!props.vpc) {
    if (props.vpcSubnets || props.securityGroups) {
      throw new ValidationError('vpcSubnets and securityGroups place the model in a VPC: set vpc as well.', scope);
    }
    return undefined;
  }
  const placement = placeInVpc(scope, { vpc: props.vpc, vpcSubnets: props.vpcSubnets, securityGroups: props.securityGroups }, MODEL_PLACEMENT);
  // The EC2 actions SageMaker performs with the execution role to attach the containers to the VPC (CreateModel API,
  // "execution role permissions"). "*" for the Describe actions is acknowledged on the role, with ECR's.
  const statements = networkInterfaceStatements(scope, placement, {
    describeActions: SAGEMAKER_DESCRIBE_ACTIONS,
    placementActions: SAGEMAKER_PLACEMENT_ACTIONS,
    interfaceWildcardReason: 'SageMaker creates and deletes the network interfaces of the model\'s containers at run time, ' +
      'so their ids are unknown; the statement is confined to this account and region, the model\'s subnets and security groups.',
  });
  for (const statement of statements) {
    grantee.grantPrincipal.addToPrincipalPolicy(statement);
  }
  const securityGroupIds = placement.securityGroups.map(sg => sg.securityGroupId);
  return {
    vpcConfig: { subnets: placement.subnets.map(subnet => subnet.subnetId), securityGroupIds },
    connections: new ec2.Connections({ securityGroups: placement.securityGroups }),
  };
}
