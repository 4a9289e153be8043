import * as cdk from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ContainerImage, InstanceType, ModelData, PytorchCustomEndpoint, PytorchVersion, RealtimeEndpoint } from '../lib';
import { checkedApp, expectCleanSynth, fastApp } from './helpers/synth-checks';

describe('PytorchCustomEndpoint', () => {
  test('defaults: one GPU endpoint serving the artifact, inference.py as the entry point', () => {
    const stack = new cdk.Stack(fastApp(), 'S');
    const endpoint = new PytorchCustomEndpoint(stack, 'Classifier', { model: ModelData.fromS3Uri('s3://my-models/model.tar.gz') });
    expect(endpoint.endpoint).toBeInstanceOf(RealtimeEndpoint);
    expect(endpoint.endpointName).toBe(endpoint.endpoint.endpointName);
    expect(endpoint.endpointArn).toBe(endpoint.endpoint.endpointArn);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SageMaker::Model', {
      PrimaryContainer: {
        ModelDataUrl: 's3://my-models/model.tar.gz',
        Environment: { SAGEMAKER_PROGRAM: 'inference.py' },
      },
    });
    template.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      ProductionVariants: [{ InstanceType: 'ml.g5.xlarge', InitialInstanceCount: 1 }],
    });
  });

  test('the endpoint group reaches the RealtimeEndpoint', () => {
    const stack = new cdk.Stack(fastApp(), 'S', { env: { region: 'us-west-2' } });
    new PytorchCustomEndpoint(stack, 'Classifier', {
      model: ModelData.fromS3Prefix(s3.Bucket.fromBucketName(stack, 'B', 'my-models'), 'v3'),
      endpoint: {
        instanceType: InstanceType.ML_G6_2XLARGE,
        instanceCount: 2,
        image: ContainerImage.pytorchInference(PytorchVersion.V2_5_1),
        endpointName: 'classifier',
        environment: { SAGEMAKER_MODEL_SERVER_WORKERS: '1' },
      },
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SageMaker::Model', {
      PrimaryContainer: {
        Image: '763104351884.dkr.ecr.us-west-2.amazonaws.com/pytorch-inference:2.5.1-gpu-py311',
        ModelDataSource: { S3DataSource: { S3Uri: 's3://my-models/v3/', S3DataType: 'S3Prefix', CompressionType: 'None' } },
        Environment: { SAGEMAKER_MODEL_SERVER_WORKERS: '1', SAGEMAKER_REGION: 'us-west-2' },
      },
    });
    template.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      ProductionVariants: [{ InstanceType: 'ml.g6.2xlarge', InitialInstanceCount: 2 }],
    });
    template.hasResourceProperties('AWS::SageMaker::Endpoint', { EndpointName: 'classifier' });
  });

  test('grantInvoke grants InvokeEndpoint on this endpoint only', () => {
    const stack = new cdk.Stack(fastApp(), 'S');
    const endpoint = new PytorchCustomEndpoint(stack, 'Classifier', { model: ModelData.fromS3Uri('s3://my-models/model.tar.gz') });
    const caller = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    endpoint.grantInvoke(caller);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: stack.getLogicalId(caller.node.defaultChild as cdk.CfnElement) }],
      PolicyDocument: {
        Statement: [{ Action: 'sagemaker:InvokeEndpoint', Effect: 'Allow', Resource: { Ref: stack.getLogicalId(endpoint.endpoint.endpoint) } }],
      },
    });
  });

  test('invalid endpoint options fail at synth', () => {
    const stack = new cdk.Stack(fastApp(), 'S');
    expect(() => new PytorchCustomEndpoint(stack, 'C', {
      model: ModelData.fromS3Uri('s3://my-models/model.tar.gz'),
      endpoint: { endpointName: 'bad_name' },
    })).toThrow(/endpointName 'bad_name' is not a valid SageMaker name/);
  });

  test('a stack with the construct passes CloudFormation validation and AwsSolutionsChecks', () => {
    const app = checkedApp();
    const stack = new cdk.Stack(app, 'S');
    new PytorchCustomEndpoint(stack, 'Classifier', { model: ModelData.fromS3Uri('s3://my-models/model.tar.gz') });
    expectCleanSynth(app);
  });
});
