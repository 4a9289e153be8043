import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';

/** A VPC with a public, a private-with-egress and an isolated subnet per AZ: every kind a selection can pick. */
export function threeTierVpc(scope: Construct, id: string, maxAzs: number): ec2.Vpc {
  return new ec2.Vpc(scope, id, {
    maxAzs,
    natGateways: 1,
    subnetConfiguration: [
      { name: 'public', subnetType: ec2.SubnetType.PUBLIC },
      { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      { name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    ],
  });
}
