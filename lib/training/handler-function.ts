import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { handlerCode } from '../common/handler-code';
import { acknowledgeWildcardResource } from '../common/nag-acknowledgements';

/**
 * A bundled handler with its own role and log group: the role may only write to that log group (no AWS managed
 * policy), and the function's other permissions are added by the caller.
 */
export function handlerFunction(scope: Construct, id: string, bundle: string, description: string, timeout: Duration, memorySize: number): lambda.Function {
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
  const role = new iam.Role(scope, `${id}FunctionRole`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description,
  });
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
  acknowledgeWildcardResource(scope, logGroup.logGroupArn, 'Lambda names its log streams at run time; confined to this function\'s log group.');
  const fn = new lambda.Function(scope, `${id}Function`, {
    description,
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    handler: 'index.handler',
    code: handlerCode(bundle),
    timeout,
    memorySize,
    role,
    logGroup,
  });
  Validations.of(fn).acknowledge({
    id: 'AwsSolutions-L1',
    reason: 'The library pins nodejs22.x: its handlers are built and tested for Node 20/22 (esbuild target node20); nodejs22.x is supported by Lambda until 2027.',
  });
  return fn;
}
