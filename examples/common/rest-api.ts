import * as cdk from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/**
 * The REST API of the API Gateway examples: regional, stage `prod` with JSON access logs kept 30 days (`ApiAccessLogs`),
 * execution logs at ERROR, metrics and throttling; the account's API Gateway CloudWatch role; the cdk-nag findings
 * that do not apply to an IAM-authorized API acknowledged with their reasons.
 */
export function createRestApi(scope: Construct, description: string): apigateway.RestApi {
  const accessLogs = new logs.LogGroup(scope, 'ApiAccessLogs', {
    retention: logs.RetentionDays.ONE_MONTH,
    removalPolicy: cdk.RemovalPolicy.DESTROY,
  });
  const api = new apigateway.RestApi(scope, 'Api', {
    description,
    endpointTypes: [apigateway.EndpointType.REGIONAL],
    // Execution logs need the account's API Gateway CloudWatch role (AWS::ApiGateway::Account, one per region).
    cloudWatchRole: true,
    cloudWatchRoleRemovalPolicy: cdk.RemovalPolicy.DESTROY,
    deployOptions: {
      stageName: 'prod',
      accessLogDestination: new apigateway.LogGroupLogDestination(accessLogs),
      accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
      loggingLevel: apigateway.MethodLoggingLevel.ERROR,
      metricsEnabled: true,
      throttlingRateLimit: 50,
      throttlingBurstLimit: 100,
    },
  });
  cdk.Validations.of(api).acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
    reason: 'The account-level role API Gateway writes execution logs with: AWS\'s managed policy is the documented one for it',
  });
  cdk.Validations.of(api).acknowledge({
    id: 'AwsSolutions-APIG3',
    reason: 'Only IAM-signed requests reach the method, so a web ACL adds cost without protection; associate an ' +
      'AWS WAF web ACL with the stage before exposing the API to unauthenticated traffic',
  });
  return api;
}

/** A `curl --aws-sigv4` command that POSTs `body` to `url` with the AWS CLI's credentials (AWS CLI v2.9+, curl 7.75+). */
export function sigv4CurlCommand(url: string, body: string): string {
  return [
    'eval "$(aws configure export-credentials --format env)" &&',
    'curl --silent --show-error --fail-with-body',
    `--aws-sigv4 "aws:amz:${cdk.Aws.REGION}:execute-api"`,
    '--user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"',
    '${AWS_SESSION_TOKEN:+-H "x-amz-security-token: $AWS_SESSION_TOKEN"}',
    '-H "Content-Type: application/json"',
    `-d '${body}'`,
    url,
  ].join(' ');
}

/** What a request body of the examples' APIs holds: `{"inputs": [[n numbers], ...]}`, 1-64 rows. */
export interface FeatureRowsModelProps {
  readonly title: string;
  readonly description: string;
  /** The numbers in each row. */
  readonly featureCount: number;
}

/** The JSON-schema request model of a batch of feature rows, which a `RequestValidator` checks before SageMaker is called. */
export function featureRowsModel(scope: Construct, id: string, api: apigateway.IRestApi, props: FeatureRowsModelProps): apigateway.Model {
  return new apigateway.Model(scope, id, {
    restApi: api,
    contentType: 'application/json',
    description: props.description,
    schema: {
      schema: apigateway.JsonSchemaVersion.DRAFT4,
      title: props.title,
      type: apigateway.JsonSchemaType.OBJECT,
      required: ['inputs'],
      additionalProperties: false,
      properties: {
        inputs: {
          type: apigateway.JsonSchemaType.ARRAY,
          minItems: 1,
          maxItems: 64,
          items: {
            type: apigateway.JsonSchemaType.ARRAY,
            minItems: props.featureCount,
            maxItems: props.featureCount,
            items: { type: apigateway.JsonSchemaType.NUMBER },
          },
        },
      },
    },
  });
}
