import * as cdk from 'aws-cdk-lib';
import { PytorchCustomEndpoint } from '../../lib';

/**
 * The outputs a user of an example needs after `cdk deploy`: the endpoint's name, a ready-to-run
 * `aws sagemaker-runtime invoke-endpoint` command sending one JSON request (naming the inference component when the
 * endpoint hosts one), and the dashboard's URL.
 */
export function addEndpointOutputs(stack: cdk.Stack, endpoint: PytorchCustomEndpoint, sampleBody: string): void {
  new cdk.CfnOutput(stack, 'EndpointName', {
    description: 'The SageMaker endpoint serving the model',
    value: endpoint.endpointName,
  });
  new cdk.CfnOutput(stack, 'InvokeCommand', {
    description: 'Sends one request to the endpoint and prints the answer',
    value: [
      'aws sagemaker-runtime invoke-endpoint',
      `--region ${cdk.Aws.REGION}`,
      `--endpoint-name ${endpoint.endpointName}`,
      // An endpoint that hosts inference components answers only requests that name one.
      ...(endpoint.inferenceComponentName ? [`--inference-component-name ${endpoint.inferenceComponentName}`] : []),
      '--content-type application/json',
      '--accept application/json',
      '--cli-binary-format raw-in-base64-out',
      `--body '${sampleBody}'`,
      '/dev/stdout',
    ].join(' '),
  });
  if (endpoint.dashboardUrl) {
    new cdk.CfnOutput(stack, 'DashboardUrl', {
      description: 'CloudWatch dashboard of the endpoint (and of the training job, when there is one)',
      value: endpoint.dashboardUrl,
    });
  }
}
