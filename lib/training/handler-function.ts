import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { bundledHandlerFunction, logWriteStatement } from '../common/handler-code';

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
  role.addToPrincipalPolicy(logWriteStatement(scope, logGroup));
  return bundledHandlerFunction(scope, `${id}Function`, bundle, { description, timeout, memorySize, role, logGroup });
}
