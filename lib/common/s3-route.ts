import { Annotations, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct, IConstruct } from 'constructs';

// Whether subnets of a VPC built in this app can reach S3: a service placed there without a route (SageMaker
// downloading the model data, the injection function reading and writing the artifact) synthesizes and deploys,
// then fails minutes later. Only a VPC built here can be inspected: an imported one has no routes in the app, so it
// is given the benefit of the doubt. Internal: not exported from lib/index.ts.

/** The acknowledgeable id of the warning (`Annotations.of(scope).acknowledgeWarning(id)`). */
export const NO_S3_ROUTE_WARNING = 'cdk-pytorch-sagemaker:vpcSubnetsWithoutS3Route';

/** Route targets through which a subnet reaches S3's public endpoints: a NAT gateway or instance, a transit gateway or appliance. */
const EGRESS_TARGETS = ['natGatewayId', 'instanceId', 'transitGatewayId', 'networkInterfaceId'] as const;

/** A token-free key for a value: what the stack resolves it to, as JSON. */
function key(scope: IConstruct, value: unknown): string {
  return JSON.stringify(Stack.of(scope).resolve(value));
}

/** Every construct of the VPC's app: routes and endpoints may be declared anywhere, not only under the VPC. */
function appConstructs(vpc: IConstruct): IConstruct[] {
  return vpc.node.root.node.findAll();
}

/** The subnets, among `subnets`, with no default route to a NAT (or similar) and no S3 gateway endpoint; [] when unknown. */
export function subnetsWithoutS3Route(vpc: ec2.IVpc, subnets: ec2.ISubnet[]): ec2.ISubnet[] {
  if (!(vpc instanceof ec2.Vpc)) return [];
  const all = appConstructs(vpc);
  const vpcKey = key(vpc, vpc.vpcId);
  const routes = all.filter((c): c is ec2.CfnRoute => c instanceof ec2.CfnRoute)
    .filter((route) => route.destinationCidrBlock === '0.0.0.0/0' && EGRESS_TARGETS.some((target) => route[target] !== undefined))
    .map((route) => key(route, route.routeTableId));
  const endpoints = all.filter((c): c is ec2.CfnVPCEndpoint => c instanceof ec2.CfnVPCEndpoint)
    .filter((endpoint) => key(endpoint, endpoint.vpcId) === vpcKey && /\.s3"?\]*\}*$/.test(key(endpoint, endpoint.serviceName)));
  // Gateway endpoints only: whether an S3 interface endpoint's private DNS answers for every host name the services
  // use (the CloudFormation response URL's among them) is not known here; a warning can be acknowledged.
  const gatewayRouteTables = endpoints.filter((e) => (e.vpcEndpointType ?? 'Gateway') === 'Gateway')
    .flatMap((e) => (e.routeTableIds ?? []).map((id) => key(e, id)));
  return subnets.filter((subnet) => {
    if (!(subnet instanceof ec2.Subnet)) return false;
    const routeTable = key(subnet, subnet.routeTable.routeTableId);
    return !routes.includes(routeTable) && !gatewayRouteTables.includes(routeTable);
  });
}

/**
 * Warns at synth, once the whole app is built (a gateway endpoint added after the construct still counts), when
 * subnets chosen for `scope` have no route to S3.
 *
 * @param scope the construct placed in the VPC
 * @param vpc its VPC
 * @param subnets the subnets chosen for it
 * @param needs what fails without S3, e.g. 'SageMaker downloads the model data from S3 through them'
 */
export function warnWithoutS3Route(scope: Construct, vpc: ec2.IVpc, subnets: ec2.ISubnet[], needs: string): void {
  scope.node.addValidation({
    validate: () => {
      const missing = subnetsWithoutS3Route(vpc, subnets);
      if (missing.length > 0) {
        Annotations.of(scope).addWarningV2(NO_S3_ROUTE_WARNING,
          `The subnets ${missing.map((s) => s.node.path).join(', ')} have no route to S3 (no S3 gateway endpoint on their ` +
          `route tables and no NAT), but ${needs}: the deploy would fail after minutes. Add ` +
          "vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3 }) (on these subnets' route tables), " +
          'or choose subnets with a NAT (SubnetType.PRIVATE_WITH_EGRESS).');
      }
      return [];
    },
  });
}
