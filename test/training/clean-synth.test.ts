// TrainingJob against the CloudFormation schemas (aws-cdk-lib's built-in validation, strict as in cdk.json) and
// cdk-nag's AwsSolutions pack: no findings, and every acknowledgement says why.
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { InstanceType } from '../../lib';
import { Hyperparameter, TrainingInput, TrainingJob } from '../../lib/training';
import { checkedApp, expectCleanSynth } from '../helpers/synth-checks';
import { SOURCE, VENDORED_SOURCE } from './helpers';

test('defaults', () => {
  const app = checkedApp();
  const stack = new Stack(app, 'TrainingDefaults');
  new TrainingJob(stack, 'Train', { sourceDirectory: SOURCE, hyperparameters: { epochs: Hyperparameter.integer(2) } });
  expectCleanSynth(app);
});

test('every option', () => {
  const app = checkedApp();
  const stack = new Stack(app, 'TrainingAll');
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const data = new s3.Bucket(stack, 'Data', { enforceSSL: true });
  // The test's own VPC and data bucket, not the construct's resources.
  Validations.of(vpc).acknowledge({ id: 'AwsSolutions-VPC7', reason: 'Test fixture VPC: flow logs are the application owner\'s choice.' });
  Validations.of(data).acknowledge({ id: 'AwsSolutions-S1', reason: 'Test fixture data bucket: access logs are the data owner\'s choice.' });
  new TrainingJob(stack, 'Train', {
    // Network isolation below: the toolkit cannot pip-install, so the dependencies are vendored.
    sourceDirectory: VENDORED_SOURCE,
    instanceType: InstanceType.ML_P3_16XLARGE,
    instanceCount: 2,
    inputs: { train: TrainingInput.fromBucket(data, 'train/') },
    spotInstances: true,
    maxRuntime: Duration.hours(2),
    vpc,
    volumeEncryptionKey: new kms.Key(stack, 'VolumeKey', { enableKeyRotation: true }),
    outputEncryptionKey: new kms.Key(stack, 'OutputKey', { enableKeyRotation: true }),
    enableNetworkIsolation: true,
    interContainerTrafficEncryption: true,
    environment: { NCCL_DEBUG: 'INFO' },
    tags: { team: 'ml' },
  });
  expectCleanSynth(app);
});
