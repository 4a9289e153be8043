import { Aws, Token } from 'aws-cdk-lib';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { IConstruct } from 'constructs';
import { TrainingJobSettings } from './training-job-settings';
import { ValidationError } from '../common/validation';

/** Where the `code` channel's archive lands in the container under network isolation (the SDK's path). */
const CODE_CHANNEL_DIRECTORY = '/opt/ml/input/data/code';
/** Keys the handler adds at deploy time (the job name is only known then). */
export const HANDLER_ADDED_KEYS = ['sagemaker_job_name'];

/**
 * The `sagemaker_*` hyperparameters (JSON-encoded, as the SageMaker SDK writes them) that tell the training toolkit
 * what to run, from where, and how to launch it.
 */
export function libraryHyperparameters(scope: IConstruct, settings: TrainingJobSettings, source: s3assets.Asset): { [key: string]: string } {
  // Under network isolation the container cannot reach S3: the archive arrives as the `code` channel, a file named
  // after the last segment of its key (as the SageMaker SDK does it, with its own key).
  const submitDirectory = settings.networkIsolation
    ? JSON.stringify(`${CODE_CHANNEL_DIRECTORY}/${literalKeyName(scope, source.s3ObjectKey)}`)
    : `"${source.s3ObjectUrl}"`;
  return {
    sagemaker_program: JSON.stringify(settings.entryPoint),
    sagemaker_submit_directory: submitDirectory,
    sagemaker_region: `"${Aws.REGION}"`,
    sagemaker_container_log_level: String(settings.containerLogLevel),
    ...settings.distribution._hyperparameters(scope, settings.instanceType),
  };
}

function literalKeyName(scope: IConstruct, key: string): string {
  if (Token.isUnresolved(key)) {
    throw new ValidationError('enableNetworkIsolation needs the source asset key at synth time (the stack synthesizer gave a token): the container path of the code channel is built from it. Use the DefaultStackSynthesizer or disable network isolation.', scope);
  }
  return key.split('/').pop() as string;
}
