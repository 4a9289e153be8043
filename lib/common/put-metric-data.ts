import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * `cloudwatch:PutMetricData` into one namespace. The action has no resource type, so the statement names `*` and the
 * `cloudwatch:namespace` condition is what scopes it (the IAM test requires that condition on every such statement).
 */
export function putMetricDataStatement(namespace: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: ['cloudwatch:PutMetricData'],
    resources: ['*'],
    conditions: { StringEquals: { 'cloudwatch:namespace': namespace } },
  });
}
