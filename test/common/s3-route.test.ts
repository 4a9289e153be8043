// The synth-time warning for a service placed in subnets with no route to S3: its own rules (which routes and
// endpoints count), then through the two constructs the issue names, the endpoint's model and the injection function.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as cdk from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { InstanceType, ModelData, RealtimeEndpoint } from '../../lib';
import { InferenceCode, InferenceCodeInjection } from '../../lib/packaging';
import { NO_S3_ROUTE_WARNING } from '../../lib/common/s3-route';
import { placeInVpc, VpcPlacementRules } from '../../lib/common/vpc-placement';
import { fastApp } from '../helpers/synth-checks';
import { threeTierVpc } from '../helpers/vpcs';

const RULES: VpcPlacementRules = {
  service: 'TestService',
  subnetExample: '{ subnetType: ec2.SubnetType.PRIVATE_ISOLATED }',
  defaultSecurityGroup: { description: 'test group' },
  s3AccessNeededBecause: 'the thing reads from S3 through them',
};

const ENV = { account: '111122223333', region: 'eu-west-1' };

function setup() {
  const stack = new cdk.Stack(fastApp(), 'S', { env: ENV });
  const vpc = threeTierVpc(stack, 'Vpc', 2);
  const thing = new Construct(stack, 'Thing');
  return { stack, vpc, thing };
}

/** The warnings on `path` (after synthesis, which runs the check once the app is complete). */
function warnings(stack: cdk.Stack, at = '/S/Thing'): string[] {
  return Annotations.fromStack(stack).findWarning(at, Match.anyValue()).map((w) => String(w.entry.data));
}

const ISOLATED = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };

describe('which subnets reach S3', () => {
  test('isolated subnets with no endpoint: one warning naming them and what to add', () => {
    const { stack, vpc, thing } = setup();
    placeInVpc(thing, { vpc, vpcSubnets: ISOLATED }, RULES);
    const found = warnings(stack);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^The subnets S\/Vpc\/isolatedSubnet1, S\/Vpc\/isolatedSubnet2 have no route to S3 \(no S3 gateway endpoint on their route tables and no NAT\), but the thing reads from S3 through them: the deploy would fail after minutes\. Add vpc\.addGatewayEndpoint\('S3', \{ service: ec2\.GatewayVpcEndpointAwsService\.S3 \}\)/);
    expect(found[0]).toContain(`[ack: ${NO_S3_ROUTE_WARNING}]`);
  });

  test('subnets with a NAT route reach S3: no warning', () => {
    const { stack, vpc, thing } = setup();
    placeInVpc(thing, { vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } }, RULES);
    expect(warnings(stack)).toEqual([]);
  });

  test('an S3 gateway endpoint on the subnets\' route tables counts, even when added after the construct', () => {
    const { stack, vpc, thing } = setup();
    placeInVpc(thing, { vpc, vpcSubnets: ISOLATED }, RULES);
    vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3, subnets: [ISOLATED] });
    expect(warnings(stack)).toEqual([]);
  });

  test('an S3 gateway endpoint on other subnets\' route tables, or a DynamoDB one on these, does not', () => {
    const { stack, vpc, thing } = setup();
    placeInVpc(thing, { vpc, vpcSubnets: ISOLATED }, RULES);
    vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3, subnets: [{ subnetType: ec2.SubnetType.PUBLIC }] });
    vpc.addGatewayEndpoint('Dynamo', { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB, subnets: [ISOLATED] });
    expect(warnings(stack)).toHaveLength(1);
  });

  test('only the subnets without a route are named', () => {
    const { stack, vpc, thing } = setup();
    placeInVpc(thing, { vpc, vpcSubnets: { subnets: [vpc.privateSubnets[0], vpc.isolatedSubnets[1]] } }, RULES);
    const found = warnings(stack);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^The subnets S\/Vpc\/isolatedSubnet2 have no route/);
  });

  test('an imported VPC cannot be inspected: no warning; nor without the rule', () => {
    const imported = setup();
    const vpc = ec2.Vpc.fromVpcAttributes(imported.stack, 'Imported', {
      vpcId: 'vpc-12345678', availabilityZones: ['eu-west-1a'], isolatedSubnetIds: ['subnet-12345678'],
    });
    placeInVpc(imported.thing, { vpc, vpcSubnets: ISOLATED }, RULES);
    expect(warnings(imported.stack)).toEqual([]);
    const noRule = setup();
    placeInVpc(noRule.thing, { vpc: noRule.vpc, vpcSubnets: ISOLATED }, { ...RULES, s3AccessNeededBecause: undefined });
    expect(warnings(noRule.stack)).toEqual([]);
  });
});

describe('the constructs that need S3 warn', () => {
  let codeDirectory: string;
  beforeAll(() => {
    codeDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 's3-route-'));
    fs.writeFileSync(path.join(codeDirectory, 'inference.py'), 'def model_fn(model_dir):\n    return None\n');
  });
  afterAll(() => fs.rmSync(codeDirectory, { recursive: true, force: true }));

  test('the endpoint\'s model and the injection function in isolated subnets without an S3 endpoint', () => {
    const { stack, vpc } = setup();
    new RealtimeEndpoint(stack, 'Endpoint', {
      modelData: ModelData.fromS3Uri('s3://bkt/model.tar.gz'), instanceType: InstanceType.ML_G5_XLARGE, vpc, vpcSubnets: ISOLATED,
    });
    new InferenceCodeInjection(stack, 'Injection', {
      modelData: ModelData.fromBucket(s3.Bucket.fromBucketName(stack, 'Artifacts', 'training-output'), 'model.tar.gz'),
      inferenceCode: InferenceCode.fromDirectory(codeDirectory),
      vpc,
      vpcSubnets: ISOLATED,
    });
    const all = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('have no route to S3'));
    expect(all.map((w) => [w.id, String(w.entry.data).replace(/^.* but (.*?): the deploy.*$/, '$1')])).toEqual([
      ['/S/Endpoint', 'SageMaker downloads the model data from S3 through them'],
      ['/S/Injection', 'the injection function reads and writes the model artifact in S3 and answers CloudFormation through an S3 presigned URL'],
    ]);
  });

  test('with the gateway endpoint the same stack has no such warning', () => {
    const { stack, vpc } = setup();
    vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3 });
    new RealtimeEndpoint(stack, 'Endpoint', {
      modelData: ModelData.fromS3Uri('s3://bkt/model.tar.gz'), instanceType: InstanceType.ML_G5_XLARGE, vpc, vpcSubnets: ISOLATED,
    });
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('have no route to S3'))).toEqual([]);
  });
});
