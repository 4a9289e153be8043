// grantInvoke on an endpoint that hosts an inference component names the component as well as the endpoint:
// sagemaker:InvokeEndpoint has the resource types endpoint and inference-component (Service Authorization Reference),
// and every request to such an endpoint names its component. Other modes and imported endpoints grant the endpoint only.
import * as cdk from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ModelData, PytorchCustomEndpoint, RealtimeEndpoint, RealtimeEndpointOptions, ServingMode } from '../../lib';
import { fastApp } from '../helpers/synth-checks';

const MODEL = ModelData.fromS3Uri('s3://bkt/model.tar.gz');
const ENV = { account: '111111111111', region: 'eu-west-1' };

function invokeStatements(stack: cdk.Stack, role: iam.Role): any[] {
  const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy');
  const roleId = stack.getLogicalId(role.node.defaultChild as cdk.CfnElement);
  return Object.values(policies)
    .filter((p: any) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
    .flatMap((p: any) => p.Properties.PolicyDocument.Statement)
    .filter((s: any) => s.Action === 'sagemaker:InvokeEndpoint');
}

function grantIn(options: RealtimeEndpointOptions, env: cdk.Environment | undefined = ENV) {
  const stack = new cdk.Stack(fastApp(), 'Shop', { env });
  const endpoint = new RealtimeEndpoint(stack, 'Classifier', { modelData: MODEL, ...options });
  const role = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
  endpoint.grantInvoke(role);
  return { stack, endpoint, statements: invokeStatements(stack, role) };
}

const arn = (resource: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:sagemaker:eu-west-1:111111111111:${resource}`]] });
const componentArn = (name: string) => arn(`inference-component/${name}`);

test('scale to zero: the endpoint, and the component by its name as given and lower-cased', () => {
  const { stack, endpoint, statements } = grantIn({ servingMode: ServingMode.realtimeScaleToZero(), endpointName: 'Shop-Classifier' });
  expect(statements).toHaveLength(1);
  expect(stack.resolve(statements[0].Resource)).toEqual([
    stack.resolve(endpoint.endpointArn), componentArn('Shop-Classifier-ic'), componentArn('shop-classifier-ic'),
  ]);
});

test('a lower-case component name is listed once', () => {
  const { stack, statements } = grantIn({ servingMode: ServingMode.realtimeScaleToZero(), endpointName: 'shop-classifier' });
  expect(stack.resolve(statements[0].Resource).slice(1)).toEqual([componentArn('shop-classifier-ic')]);
});

test('a generated endpoint name gets the same grant; an env-agnostic stack keeps the partition, region and account tokens', () => {
  const { stack, statements } = grantIn({ servingMode: ServingMode.realtimeScaleToZero() }, undefined);
  const resources = stack.resolve(statements[0].Resource);
  expect(resources).toHaveLength(3);
  expect(JSON.stringify(resources[1])).toContain(':inference-component/Shop-Classifier-');
  expect(JSON.stringify(resources[2])).toContain(':inference-component/shop-classifier-');
});

test('always-on and asynchronous endpoints: the endpoint only', () => {
  for (const servingMode of [ServingMode.realtime(), ServingMode.asynchronous()]) {
    const { stack, endpoint, statements } = grantIn({ servingMode });
    expect(statements).toHaveLength(1);
    expect(stack.resolve(statements[0].Resource)).toEqual(stack.resolve(endpoint.endpointArn));
  }
});

test('PytorchCustomEndpoint and apigateway.SagemakerIntegration (which calls grantInvoke) get the component too', () => {
  const stack = new cdk.Stack(fastApp(), 'Shop', { env: ENV });
  const model = new PytorchCustomEndpoint(stack, 'Classifier', {
    model: MODEL, endpoint: { servingMode: ServingMode.realtimeScaleToZero(), endpointName: 'Shop-Classifier' },
  });
  const role = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
  model.grantInvoke(role);
  const apiRole = new iam.Role(stack, 'ApiRole', { assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com') });
  const api = new apigateway.RestApi(stack, 'Api');
  api.root.addMethod('POST', new apigateway.SagemakerIntegration(model, { credentialsRole: apiRole }));
  expect(stack.resolve(invokeStatements(stack, role)[0].Resource).slice(1)).toEqual([componentArn('Shop-Classifier-ic'), componentArn('shop-classifier-ic')]);
  expect(stack.resolve(invokeStatements(stack, apiRole)[0].Resource).slice(1)).toEqual([componentArn('Shop-Classifier-ic'), componentArn('shop-classifier-ic')]);
});

test('an imported endpoint grants the endpoint only (its components are not known)', () => {
  const stack = new cdk.Stack(fastApp(), 'Shop', { env: ENV });
  const imported = RealtimeEndpoint.fromEndpointName(stack, 'Other', 'Other-Endpoint');
  const role = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
  imported.grantInvoke(role);
  expect(stack.resolve(invokeStatements(stack, role)[0].Resource)).toEqual(arn('endpoint/other-endpoint'));
});
