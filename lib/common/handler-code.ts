import * as fs from 'fs';
import * as path from 'path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledgeWildcardResource } from './nag-acknowledgements';

/**
 * The directory holding the esbuild bundle of a Lambda handler shipped in `assets/handlers/<name>`.
 *
 * Handlers are bundled when the package is built (`npm run bundle`, also run by `npm ci` through `prepare`),
 * so a consumer of the package needs neither esbuild nor Docker at synth time.
 */
export function handlerAssetPath(name: string): string {
  // lib/common/handler-code.ts (or its build/common/handler-code.js) -> <package root>/assets/handlers/<name>
  const dir = path.join(__dirname, '..', '..', 'assets', 'handlers', name);
  if (!fs.existsSync(path.join(dir, 'index.js'))) {
    throw new Error(`The bundled Lambda handler '${name}' is missing at ${dir}: run 'npm run bundle' in the package root.`);
  }
  return dir;
}

/** Lambda code for a bundled handler (entry point `index.handler`). */
export function handlerCode(name: string): lambda.Code {
  return lambda.Code.fromAsset(handlerAssetPath(name));
}

/**
 * A Lambda function running a bundled handler the way every handler of the library runs: Node.js 24 on ARM64,
 * entry point `index.handler`, with the runtime pin acknowledged for cdk-nag. The caller gives everything else.
 */
export function bundledHandlerFunction(scope: Construct, id: string, name: string, options: lambda.FunctionOptions): lambda.Function {
  const fn = new lambda.Function(scope, id, {
    ...options,
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    handler: 'index.handler',
    code: handlerCode(name),
  });
  Validations.of(fn).acknowledge({
    id: 'AwsSolutions-L1',
    reason: 'The library pins nodejs24.x, the newest Node.js runtime aws-cdk-lib offers in the version it depends on; its handlers are bundled for it (esbuild target node24).',
  });
  return fn;
}

/**
 * The permission a function needs to write to its own log group (no AWS managed policy), with the log-stream
 * wildcard acknowledged for cdk-nag under `scope`.
 */
export function logWriteStatement(scope: Construct, logGroup: logs.ILogGroup, sid?: string): iam.PolicyStatement {
  acknowledgeWildcardResource(scope, logGroup.logGroupArn, 'Lambda names its log streams at run time; confined to this function\'s log group.');
  return new iam.PolicyStatement({ sid, actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] });
}

/**
 * A bundled handler with its own role and log group (a month of logs, deleted with the stack): the role may only
 * write to that log group (no AWS managed policy), and the function's other permissions are added by the caller.
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
