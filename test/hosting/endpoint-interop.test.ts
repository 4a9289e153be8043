// RealtimeEndpoint and PytorchCustomEndpoint as aws-cdk-lib's sagemaker.IEndpoint: API Gateway's SagemakerIntegration
// takes them, and existing endpoints are imported for grantInvoke and metrics.
import * as cdk from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { ModelData, PytorchCustomEndpoint, RealtimeEndpoint } from '../../lib';
import { fastApp } from '../helpers/synth-checks';

test('PytorchCustomEndpoint plugs into SagemakerIntegration, which grants its role InvokeEndpoint on this endpoint only', () => {
  const stack = new cdk.Stack(fastApp(), 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
  const endpoint: sagemaker.IEndpoint = new PytorchCustomEndpoint(stack, 'Classifier', { model: ModelData.fromS3Uri('s3://bkt/model.tar.gz') });
  const api = new apigw.RestApi(stack, 'Api');
  api.root.addResource('predict').addMethod('POST', new apigw.SagemakerIntegration(endpoint), { authorizationType: apigw.AuthorizationType.IAM });
  const template = Template.fromStack(stack);
  const method = Object.values(template.findResources('AWS::ApiGateway::Method'))[0] as any;
  const inner = (endpoint as PytorchCustomEndpoint).endpoint;
  expect(method.Properties.Integration.Uri['Fn::Join'][1]).toEqual(expect.arrayContaining([
    ':apigateway:eu-west-1:runtime.sagemaker:path/endpoints/', { 'Fn::GetAtt': [stack.getLogicalId(inner.endpoint), 'EndpointName'] },
  ]));
  template.hasResourceProperties('AWS::IAM::Policy', {
    PolicyDocument: { Statement: [{ Action: 'sagemaker:InvokeEndpoint', Effect: 'Allow', Resource: { Ref: stack.getLogicalId(inner.endpoint) } }] },
  });
  expect(endpoint.endpointRef.endpointArn).toBe(inner.endpointArn);
  expect(endpoint.stack).toBe(stack);
  expect(endpoint.env.region).toBe('eu-west-1');
});

test('fromEndpointName: the ARN in the importing stack\'s account and region, lower-cased as SageMaker writes it', () => {
  const stack = new cdk.Stack(fastApp(), 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
  const imported = RealtimeEndpoint.fromEndpointName(stack, 'Imported', 'Fraud-Scorer');
  const arn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:eu-west-1:111111111111:endpoint/fraud-scorer']] };
  expect(stack.resolve(imported.endpointArn)).toEqual(arn);
  const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  imported.grantInvoke(role);
  Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
    PolicyDocument: { Statement: [{ Action: 'sagemaker:InvokeEndpoint', Resource: arn }] },
  });
  expect(imported.metricModelLatency().dimensions).toEqual({ EndpointName: 'Fraud-Scorer', VariantName: 'AllTraffic' });
});

test('fromEndpointAttributes: a given ARN and variant', () => {
  const stack = new cdk.Stack(fastApp(), 'S');
  const imported = RealtimeEndpoint.fromEndpointAttributes(stack, 'Imported', {
    endpointName: 'scorer', endpointArn: 'arn:aws:sagemaker:us-east-1:222222222222:endpoint/scorer', variantName: 'Blue',
  });
  expect(imported.endpointRef.endpointArn).toBe('arn:aws:sagemaker:us-east-1:222222222222:endpoint/scorer');
  expect(imported.metricInvocation5XXErrors().dimensions).toEqual({ EndpointName: 'scorer', VariantName: 'Blue' });
  const integration = new apigw.SagemakerIntegration(imported);
  expect(integration).toBeInstanceOf(apigw.AwsIntegration);
});
