import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { IConstruct } from 'constructs';
import { acknowledgeWildcardResource } from '../common/nag-acknowledgements';
import { putMetricDataStatement } from '../common/put-metric-data';

// Least-privilege statements for a training job's execution role, with exact action names (no `Get*`-style
// wildcards) and cdk-nag acknowledgements, with their reasons, for the wildcard resources a job needs by design.
// Acknowledgements are recorded under `scope` (the TrainingJob), so they only cover resources it created.

/** Read the objects under a key prefix, and list that prefix only (S3Prefix channels list before they download). */
export function grantReadPrefix(scope: IConstruct, role: iam.IRole, bucket: s3.IBucket, prefix: string, what: string): void {
  const objects = bucket.arnForObjects(`${prefix}*`);
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [objects] }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['s3:ListBucket'],
    resources: [bucket.bucketArn],
    conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } },
  }));
  bucket.encryptionKey?.grant(role, 'kms:Decrypt');
  acknowledgeWildcardResource(scope, objects, `SageMaker reads every object of the ${what} prefix; access is confined to that prefix.`);
}

/** Write (and abort multipart uploads) under a key prefix: the job's outputs. */
export function grantWritePrefix(scope: IConstruct, role: iam.IRole, bucket: s3.IBucket, prefix: string): void {
  const objects = bucket.arnForObjects(`${prefix}*`);
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resources: [objects] }));
  bucket.encryptionKey?.grant(role, 'kms:Encrypt', 'kms:GenerateDataKey');
  acknowledgeWildcardResource(scope, objects, 'SageMaker writes the outputs under a key named after the job, known only at deploy time; confined to the output prefix.');
}

/** Read, write and delete under a key prefix, and list it: the checkpoints SageMaker syncs both ways. */
export function grantReadWritePrefix(scope: IConstruct, role: iam.IRole, bucket: s3.IBucket, prefix: string): void {
  const objects = bucket.arnForObjects(`${prefix}*`);
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
    resources: [objects],
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['s3:ListBucket'],
    resources: [bucket.bucketArn],
    conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } },
  }));
  bucket.encryptionKey?.grant(role, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey');
  acknowledgeWildcardResource(scope, objects, 'SageMaker syncs checkpoint files named by the training script; confined to the checkpoint prefix.');
}

/** Use a KMS key for the training volumes (SageMaker creates grants for the instances) or the outputs. */
export function grantKeyUse(role: iam.IRole, key: kms.IKey, forVolume: boolean): void {
  key.grant(role, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey', ...(forVolume ? ['kms:CreateGrant'] : []));
}

/** Write the job's logs to /aws/sagemaker/TrainingJobs and its metrics to that namespace. */
export function grantLogsAndMetrics(scope: IConstruct, role: iam.IRole): void {
  const stack = Stack.of(scope);
  const logStreams = stack.formatArn({
    service: 'logs', resource: 'log-group', resourceName: '/aws/sagemaker/TrainingJobs:*', arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
    resources: [logStreams],
  }));
  acknowledgeWildcardResource(scope, logStreams, 'SageMaker names the log streams of a training job after the job and instance at run time; confined to the training log group.');
  role.addToPrincipalPolicy(putMetricDataStatement('/aws/sagemaker/TrainingJobs'));
}

/** The reason for the `Resource::*` statements of the execution role, recorded on a role the construct made. */
export function acknowledgeUnscopedActions(role: iam.IRole): void {
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'Only actions without a resource type use "*": ecr:GetAuthorizationToken, cloudwatch:PutMetricData (conditioned on the SageMaker training namespace) and, in a VPC, the EC2 network-interface actions SageMaker needs.',
  });
}

/** Read access to exactly the source archive object (the asset bucket holds every asset of the account). */
export function grantSourceRead(role: iam.IRole, asset: s3assets.Asset, asChannel: boolean): void {
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['s3:GetObject'],
    resources: [asset.bucket.arnForObjects(asset.s3ObjectKey)],
  }));
  if (asChannel) {
    // The `code` channel (network isolation) lists its S3 prefix: allow listing that one key only.
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [asset.bucket.bucketArn],
      conditions: { StringEquals: { 's3:prefix': asset.s3ObjectKey } },
    }));
  }
  asset.bucket.encryptionKey?.grantDecrypt(role);
}
