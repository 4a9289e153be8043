import * as cdk from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { InferenceCode, InstanceType, ModelData, PytorchCustomEndpoint } from '../../lib';
import { addEndpointOutputs } from '../common/endpoint-outputs';
import { buildModelArchive, CLASSIFIER_SERVING, CLASSIFIER_WEIGHTS } from '../common/model-archive';

/** Properties of the example stack. */
export interface PrivateEndpointStackProps extends cdk.StackProps {
  /**
   * Where to write the weights-only model archive of the example classifier.
   * @default - a content-addressed folder under the OS temp dir
   */
  readonly archiveDir?: string;
}

/**
 * A private, encrypted endpoint: the model and the code-injection function run in isolated subnets (no route to the
 * internet; the model also with network isolation), reaching S3 and ECR only through VPC endpoints; the injected
 * artifact is encrypted with a customer managed KMS key; 10 % of requests and responses are captured to a
 * KMS-encrypted bucket.
 */
export class PrivateEndpointStack extends cdk.Stack {
  public readonly endpoint: PytorchCustomEndpoint;

  constructor(scope: Construct, id: string, props: PrivateEndpointStackProps = {}) {
    super(scope, id, {
      description: 'cdk-pytorch-sagemaker example: a GPU endpoint in a VPC, network-isolated and KMS-encrypted',
      ...props,
    });

    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'models', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
      flowLogs: { all: { trafficType: ec2.FlowLogTrafficType.REJECT } },
    });
    // With a VpcConfig, SageMaker pulls the image and the model artifact through the VPC: S3 by a gateway endpoint,
    // ECR (API + registry) and CloudWatch Logs by interface endpoints.
    const s3Endpoint = vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3 });
    for (const [name, service] of Object.entries({
      EcrApi: ec2.InterfaceVpcEndpointAwsService.ECR,
      EcrRegistry: ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
      Logs: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
    })) {
      vpc.addInterfaceEndpoint(name, { service, privateDnsEnabled: true });
    }
    cdk.Validations.of(vpc).acknowledge({
      id: 'AwsSolutions-EC23',
      reason: 'The interface endpoints\' security groups admit HTTPS from the VPC\'s own CIDR only; the rule cannot ' +
        'evaluate that CIDR because it is a deploy-time value (Fn::GetAtt), and reports an error instead.',
    });

    const key = new kms.Key(this, 'ModelKey', { enableKeyRotation: true, description: 'Encrypts the model artifact and captured data' });
    const captureBucket = new s3.Bucket(this, 'Capture', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: key,
      bucketKeyEnabled: true,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      serverAccessLogsPrefix: 'access-logs/',
      removalPolicy: cdk.RemovalPolicy.RETAIN,
    });

    const weightsOnly = buildModelArchive({ rootFiles: [CLASSIFIER_WEIGHTS] }, props.archiveDir);
    this.endpoint = new PytorchCustomEndpoint(this, 'Classifier', {
      model: ModelData.fromAsset(weightsOnly),
      // requirements.txt lists no package: under network isolation the container cannot pip-install (synth error).
      inferenceCode: InferenceCode.fromDirectory(CLASSIFIER_SERVING),
      // The injecting function runs in the same isolated subnets and reaches S3 (and CloudFormation's response URL,
      // an S3 presigned URL) through the gateway endpoint.
      codeInjection: { encryptionKey: key, vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } },
      endpoint: {
        // ml.g5 has local NVMe storage, encrypted by the hardware: SageMaker rejects a volume KMS key there, so
        // this example sets none (volumeEncryptionKey is for instance types with EBS volumes, e.g. ml.p3).
        instanceType: InstanceType.ML_G5_XLARGE,
        vpc,
        vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
        enableNetworkIsolation: true,
        dataCapture: { bucket: captureBucket, keyPrefix: 'capture', samplingPercentage: 10, encryptionKey: key },
        containerStartupHealthCheckTimeout: cdk.Duration.minutes(10),
      },
    });
    // The gateway endpoint's routes must exist before the function talks to S3.
    this.endpoint.codeInjection!.node.addDependency(s3Endpoint);
    // The security group the endpoint creates allows outbound HTTPS only, which is what the interface endpoints
    // (whose own groups admit HTTPS from the VPC) need.

    addEndpointOutputs(this, this.endpoint, '{"inputs": [[5.1, 3.5, 1.4, 0.2]]}');
  }
}
