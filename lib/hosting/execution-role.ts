import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { acknowledgeWildcardResource } from '../common/nag-acknowledgements';

/**
 * The log groups SageMaker writes an endpoint's container logs to, by the names it gives them: the endpoint's
 * (`/aws/sagemaker/Endpoints/<endpoint name>`, "Log groups and streams that Amazon SageMaker AI sends to Amazon
 * CloudWatch Logs", https://docs.aws.amazon.com/sagemaker/latest/dg/logging-cloudwatch.html) and, for a model hosted
 * as an inference component, the component's (`/aws/sagemaker/InferenceComponents/<component name>`, where the
 * containers of inference components log).
 */
export function endpointLogGroups(endpointName: string, inferenceComponentName?: string): string[] {
  return [
    `/aws/sagemaker/Endpoints/${endpointName}`,
    ...(inferenceComponentName ? [`/aws/sagemaker/InferenceComponents/${inferenceComponentName}`] : []),
  ];
}

/**
 * The execution role of a real-time endpoint, created when the user brings none: the image, the model data and the
 * endpoint's options add their own grants when they are bound; only the logs are granted here, on exactly the log
 * groups SageMaker writes this endpoint's logs to (`endpointLogGroups`).
 */
export function createExecutionRole(scope: Construct, logGroupNames: string[], inVpc: boolean): iam.IRole {
  const role = new iam.Role(scope, 'ExecutionRole', {
    assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
    description: 'SageMaker execution role of a PyTorch real-time endpoint: pulls its image, reads its model, writes its logs',
  });
  grantLogGroups(role, logGroupNames);
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'Only actions without a resource type use "*": ecr:GetAuthorizationToken (the ECR API accepts only "*")' +
      (inVpc ? ' and the EC2 Describe actions SageMaker needs to attach the model to the VPC (DescribeVpcs, ' +
        'DescribeSubnets, DescribeSecurityGroups, DescribeNetworkInterfaces, DescribeDhcpOptions)' : '') +
      '; every other statement names its resource.',
  });
  // The compliance packs count CDK's role policy (AWS::IAM::Policy) as an inline policy.
  for (const pack of ['HIPAA.Security', 'NIST.800.53.R4', 'NIST.800.53.R5', 'PCI.DSS.321']) {
    Validations.of(role).acknowledge({
      id: `${pack}-IAMNoInlinePolicy`,
      reason: 'The rule guards against permissions scattered over identities and hard to review centrally. This role ' +
        'serves one endpoint only and its policy names exactly that endpoint\'s image, model data, logs and options, ' +
        'so it is created, reviewed and deleted with the endpoint; a managed policy would only be a second, ' +
        'attachable copy of the same permissions.',
    });
  }
  return role;
}

/**
 * Lets `role` create and write the log groups SageMaker names (`endpointLogGroups`), and their streams. The names are
 * known at synth time, so the policy does not depend on the endpoint (which itself waits for the role). Used for the
 * endpoint's role at creation and for each model added to an `InferenceFleet` (its component's log group).
 */
export function grantLogGroups(role: iam.IRole, logGroupNames: string[]): void {
  const scope: IConstruct = role;
  const logGroupArns = logGroupNames.map((resourceName) => Stack.of(scope).formatArn({
    service: 'logs',
    resource: 'log-group',
    resourceName,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogGroup'], resources: logGroupArns }));
  const logStreamsArns = logGroupArns.map((arn) => `${arn}:log-stream:*`);
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
    resources: logStreamsArns,
  }));
  for (const arn of logStreamsArns) {
    acknowledgeWildcardResource(scope, arn,
      'SageMaker names a log stream per instance and container at run time; the wildcard stays inside this endpoint\'s log group.');
  }
}
