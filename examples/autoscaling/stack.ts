import * as cdk from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { InstanceType, ModelData, PytorchCustomEndpoint } from '../../lib';
import { addEndpointOutputs } from '../common/endpoint-outputs';
import { buildModelArchive, CLASSIFIER_SERVING, CLASSIFIER_WEIGHTS } from '../common/model-archive';

/** Properties of the example stack. */
export interface AutoscalingStackProps extends cdk.StackProps {
  /**
   * Where to write the example classifier's model archive.
   * @default - a content-addressed folder under the OS temp dir
   */
  readonly archiveDir?: string;
}

/**
 * An endpoint that scales between 1 and 4 GPU instances on invocations per instance and GPU utilization, pages an
 * SNS topic on server errors and slow responses, and has a dashboard.
 */
export class AutoscalingStack extends cdk.Stack {
  public readonly endpoint: PytorchCustomEndpoint;

  constructor(scope: Construct, id: string, props: AutoscalingStackProps = {}) {
    super(scope, id, {
      description: 'cdk-pytorch-sagemaker example: an autoscaled GPU endpoint with alarms and a dashboard',
      ...props,
    });

    const alarmKey = new kms.Key(this, 'AlarmTopicKey', { enableKeyRotation: true, description: 'Encrypts the endpoint alarm topic' });
    const alarmTopic = new sns.Topic(this, 'EndpointAlarms', { masterKey: alarmKey, enforceSSL: true });
    // CloudWatch publishes the alarms: it must be able to use the topic's key.
    alarmKey.grant(new cdk.aws_iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');

    const archive = buildModelArchive({ rootFiles: [CLASSIFIER_WEIGHTS], codeDirectory: CLASSIFIER_SERVING }, props.archiveDir);
    this.endpoint = new PytorchCustomEndpoint(this, 'Classifier', {
      model: ModelData.fromAsset(archive),
      endpoint: {
        instanceType: InstanceType.ML_G5_XLARGE,
        instanceCount: 1,
        containerStartupHealthCheckTimeout: cdk.Duration.minutes(10),
        autoScaling: {
          minInstanceCount: 1,
          maxInstanceCount: 4,
          // Requests per minute one instance serves within the latency you want: measure it with a load test.
          invocationsPerInstanceTarget: 600,
          // GPUUtilization is summed over an instance's GPUs: ml.g5.xlarge has one, so this is 70 %.
          gpuUtilizationTarget: 70,
          scaleOutCooldown: cdk.Duration.minutes(3),
          scaleInCooldown: cdk.Duration.minutes(15),
        },
        alarmTopic,
        alarms: { modelLatency: { threshold: cdk.Duration.millis(500) } },
      },
    });

    addEndpointOutputs(this, this.endpoint, '{"inputs": [[5.1, 3.5, 1.4, 0.2]]}');
    new cdk.CfnOutput(this, 'AlarmTopicArn', { description: 'Subscribe to be told about the endpoint', value: alarmTopic.topicArn });
  }
}
