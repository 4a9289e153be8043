import { Duration, RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { ValidationError } from '../common/validation';
import { AsyncInferenceLocations, AsyncInferenceOptions } from './async-inference-options';
import { acknowledgeWildcardResource } from '../common/nag-acknowledgements';

/** What binding async inference gives the endpoint config. */
export interface BoundAsyncInference {
  readonly config: sagemaker.CfnEndpointConfig.AsyncInferenceConfigProperty;
  readonly locations: AsyncInferenceLocations;
}

const PREFIX = /^[A-Za-z0-9!_.*'()\-/]+\/$/;

/**
 * Creates (or takes) the bucket, and lets `role` write exactly the output and failure prefixes, encrypt with the key
 * and publish to the topics: SageMaker writes results and notifications with the endpoint's execution role.
 */
export function bindAsyncInference(
  scope: Construct,
  options: AsyncInferenceOptions,
  scaling: { readonly maxConcurrentInvocationsPerInstance?: number },
  role: iam.IRole,
): BoundAsyncInference {
  const inputPrefix = prefix(scope, 'inputPrefix', options.inputPrefix ?? 'async-inference/input/');
  const outputPrefix = prefix(scope, 'outputPrefix', options.outputPrefix ?? 'async-inference/output/');
  const failurePrefix = prefix(scope, 'failurePrefix', options.failurePrefix ?? 'async-inference/failure/');
  for (const [a, b] of [[inputPrefix, outputPrefix], [inputPrefix, failurePrefix]]) {
    if (a.startsWith(b) || b.startsWith(a)) {
      throw new ValidationError(`asynchronous inputPrefix '${inputPrefix}' overlaps '${b === inputPrefix ? a : b}': callers could ` +
        'overwrite results, and the invoke grant would cover them. Use separate prefixes.', scope);
    }
  }
  if (options.bucket && options.resultRetention) {
    throw new ValidationError('asynchronous resultRetention applies to the bucket the construct creates; with your own bucket set ' +
      'a lifecycle rule on it instead, and remove resultRetention.', scope);
  }
  // An S3 lifecycle expiration is a positive whole number of days: anything else fails the deploy (0 days) or the
  // synth deep inside aws-cdk-lib's token resolution (12 hours), neither naming this prop.
  const retention = options.resultRetention;
  if (retention && !retention.isUnresolved()) {
    const days = retention.toDays({ integral: false });
    if (!Number.isInteger(days) || days < 1) {
      throw new ValidationError(`asynchronous resultRetention must be a whole number of days, at least 1 (an S3 lifecycle expiration ` +
        `counts days), got ${retention.toHumanString()}. Use e.g. Duration.days(1).`, scope);
    }
  }
  const bucket = options.bucket ?? new s3.Bucket(scope, 'AsyncInferenceBucket', {
    encryption: options.encryptionKey ? s3.BucketEncryption.KMS : s3.BucketEncryption.S3_MANAGED,
    encryptionKey: options.encryptionKey,
    bucketKeyEnabled: options.encryptionKey ? true : undefined,
    enforceSSL: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    lifecycleRules: [
      { expiration: options.resultRetention ?? Duration.days(30) },
      { abortIncompleteMultipartUploadAfter: Duration.days(1) },
    ],
    // The results are the callers' data: `cdk destroy` keeps the bucket rather than lose them (the lifecycle rule
    // empties it over time). Deleting them is the owner's decision.
    removalPolicy: RemovalPolicy.RETAIN,
  });
  if (!options.bucket) {
    Validations.of(bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'The bucket holds async inference payloads and results for one endpoint; every write comes from ' +
        'SageMaker or the callers granted by grantInvokeAsync, which CloudTrail records. Give your own bucket with ' +
        'server access logging to have them.',
    });
  }

  // SageMaker writes results and failures with the execution role: without this the requests fail at run time.
  const writes = [outputPrefix, failurePrefix].map(p => bucket.arnForObjects(`${p}*`));
  iam.Grant.addToPrincipal({ grantee: role, actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resourceArns: writes });
  // The input payloads: SageMaker reads them with the execution role.
  iam.Grant.addToPrincipal({ grantee: role, actions: ['s3:GetObject'], resourceArns: [bucket.arnForObjects(`${inputPrefix}*`)] });
  for (const arn of [...writes, bucket.arnForObjects(`${inputPrefix}*`)]) {
    acknowledgeWildcardResource(role, arn, 'SageMaker names each request\'s input and result object at run time; the ' +
      'wildcard stays inside one prefix of the endpoint\'s async inference bucket.');
  }
  const key = options.encryptionKey ?? bucket.encryptionKey;
  if (key) {
    key.grant(role, 'kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey');
  }
  // Not topic.grantPublish: with an encrypted topic it grants kms:GenerateDataKey*, a wildcard action.
  for (const topic of [options.successTopic, options.errorTopic]) {
    if (!topic) continue;
    iam.Grant.addToPrincipal({ grantee: role, actions: ['sns:Publish'], resourceArns: [topic.topicArn] });
    topic.masterKey?.grant(role, 'kms:Decrypt', 'kms:GenerateDataKey');
  }
  const bucketName = bucket.bucketName;
  const outputPath = `s3://${bucketName}/${outputPrefix}`;
  const failurePath = `s3://${bucketName}/${failurePrefix}`;
  const notify = options.successTopic || options.errorTopic;
  return {
    config: {
      outputConfig: {
        s3OutputPath: outputPath,
        s3FailurePath: failurePath,
        kmsKeyId: options.encryptionKey?.keyArn,
        notificationConfig: notify ? {
          successTopic: options.successTopic?.topicArn,
          errorTopic: options.errorTopic?.topicArn,
        } : undefined,
      },
      clientConfig: scaling.maxConcurrentInvocationsPerInstance !== undefined
        ? { maxConcurrentInvocationsPerInstance: scaling.maxConcurrentInvocationsPerInstance } : undefined,
    },
    locations: { bucket, inputPrefix, outputPrefix, failurePrefix, outputPath, failurePath, encryptionKey: key },
  };
}

/** A key prefix: letters, digits and S3's safe characters, ending with `/`, at most 400 characters. */
function prefix(scope: Construct, name: string, value: string): string {
  if (Token.isUnresolved(value)) {
    throw new ValidationError(`asynchronous ${name} must be a literal: the grants and paths are built from it at synth time.`, scope);
  }
  if (!PREFIX.test(value) || value.startsWith('/') || value.length > 400) {
    throw new ValidationError(`asynchronous ${name} '${value}' must be a key prefix of S3's safe characters (letters, digits, ` +
      '! _ . * \' ( ) - /) that ends with "/" and does not start with it, at most 400 characters (S3OutputPath is ' +
      'limited to 512).', scope);
  }
  return value;
}
