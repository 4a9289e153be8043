import * as cdk from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { InstanceType, ModelData, PytorchCustomEndpoint, ServingMode } from '../../lib';
import { acknowledgeWildcardResource } from '../../lib/common/nag-acknowledgements';
import { buildModelArchive, CLASSIFIER_SERVING, CLASSIFIER_WEIGHTS } from '../common/model-archive';

/** Properties of the example stack. */
export interface AsyncInferenceStackProps extends cdk.StackProps {
  /**
   * Where to write the example classifier's model archive.
   * @default - a content-addressed folder under the OS temp dir
   */
  readonly archiveDir?: string;
}

/**
 * An asynchronous GPU endpoint that scales to zero instances when its queue is empty: payloads and results in an
 * encrypted bucket, SNS notifications on success and error, and a role callers assume to invoke it.
 */
export class AsyncInferenceStack extends cdk.Stack {
  public readonly endpoint: PytorchCustomEndpoint;

  constructor(scope: Construct, id: string, props: AsyncInferenceStackProps = {}) {
    super(scope, id, {
      description: 'cdk-pytorch-sagemaker example: an asynchronous GPU endpoint that scales to zero instances',
      ...props,
    });
    const key = new kms.Key(this, 'ResultsKey', { enableKeyRotation: true, description: 'Encrypts async inference payloads, results and notifications' });
    const success = new sns.Topic(this, 'InferenceSucceeded', { masterKey: key, enforceSSL: true });
    const failure = new sns.Topic(this, 'InferenceFailed', { masterKey: key, enforceSSL: true });

    const archive = buildModelArchive({ rootFiles: [CLASSIFIER_WEIGHTS], codeDirectory: CLASSIFIER_SERVING }, props.archiveDir);
    this.endpoint = new PytorchCustomEndpoint(this, 'Classifier', {
      model: ModelData.fromAsset(archive),
      endpoint: {
        instanceType: InstanceType.ML_G5_XLARGE,
        containerStartupHealthCheckTimeout: cdk.Duration.minutes(10),
        servingMode: ServingMode.asynchronous({
          encryptionKey: key,
          successTopic: success,
          errorTopic: failure,
          maxConcurrentInvocationsPerInstance: 4,
          maxInstanceCount: 2,
          backlogPerInstanceTarget: 5,
        }),
      },
    });

    // Whoever sends requests assumes this role: invoke this endpoint, write payloads, read results. Nothing else.
    const caller = new iam.Role(this, 'CallerRole', {
      assumedBy: new iam.AccountRootPrincipal(),
      description: 'Sends asynchronous requests to the example endpoint and reads their results',
    });
    this.endpoint.grantInvokeAsync(caller);
    const locations = this.endpoint.asyncInference!;
    for (const prefix of [locations.inputPrefix, locations.outputPrefix, locations.failurePrefix]) {
      acknowledgeWildcardResource(caller, locations.bucket.arnForObjects(`${prefix}*`), 'Each request and its result ' +
        'are objects named at run time; the wildcard stays inside one prefix of the endpoint\'s async inference bucket.');
    }

    const input = `s3://${locations.bucket.bucketName}/${locations.inputPrefix}request.json`;
    new cdk.CfnOutput(this, 'EndpointName', { description: 'The asynchronous SageMaker endpoint', value: this.endpoint.endpointName });
    new cdk.CfnOutput(this, 'CallerRoleArn', { description: 'Assume this role to invoke the endpoint', value: caller.roleArn });
    new cdk.CfnOutput(this, 'InvokeAsyncCommand', {
      description: 'Uploads one request and queues it; the answer lands under OutputPath (OutputLocation in the reply)',
      value: [
        `echo '{"inputs": [[5.1, 3.5, 1.4, 0.2]]}' | aws s3 cp - ${input} --sse aws:kms --sse-kms-key-id ${key.keyArn}`,
        '&& aws sagemaker-runtime invoke-endpoint-async',
        `--region ${cdk.Aws.REGION}`,
        `--endpoint-name ${this.endpoint.endpointName}`,
        '--content-type application/json',
        `--input-location ${input}`,
      ].join(' '),
    });
    new cdk.CfnOutput(this, 'OutputPath', { description: 'Where results are written', value: locations.outputPath });
    new cdk.CfnOutput(this, 'FailurePath', { description: 'Where failures are written', value: locations.failurePath });
    new cdk.CfnOutput(this, 'ColdStart', {
      description: 'What to expect after an idle period',
      value: 'With an empty queue this endpoint runs no instance. Requests are still accepted and queued; the first ' +
        'one starts an instance, and its result arrives after several minutes (instance start and model download).',
    });
    if (this.endpoint.dashboardUrl) {
      new cdk.CfnOutput(this, 'DashboardUrl', { description: 'CloudWatch dashboard of the endpoint', value: this.endpoint.dashboardUrl });
    }
  }
}
