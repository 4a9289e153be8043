import { Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import { ChannelSource } from './create-training-job-request';
import { grantReadPrefix } from './execution-role-grants';
import { UnscopedValidationError } from '../common/validation';

/** How a training container reads an input channel. */
export enum TrainingInputMode {
  /** Download the whole prefix to the ML storage volume before the script starts. */
  FILE = 'File',
  /** Stream objects from S3 on first read through a file system interface: starts at once, no volume needed for the data. */
  FAST_FILE = 'FastFile',
}

/** How the objects of a channel are spread over the instances of a multi-instance job. */
export enum S3DataDistribution {
  /** Every instance receives every object. */
  FULLY_REPLICATED = 'FullyReplicated',
  /** Each instance receives about 1/N of the objects. */
  SHARDED_BY_S3_KEY = 'ShardedByS3Key',
}

/** Options of a training input channel. */
export interface TrainingInputOptions {
  /**
   * How the container reads the channel.
   *
   * @default TrainingInputMode.FILE
   */
  readonly inputMode?: TrainingInputMode;

  /**
   * How objects are spread over the instances.
   *
   * @default S3DataDistribution.FULLY_REPLICATED
   */
  readonly distribution?: S3DataDistribution;

  /**
   * MIME type of the data, passed to the script as `SM_CHANNEL_<NAME>`'s content type.
   *
   * @default - none
   */
  readonly contentType?: string;
}

/**
 * An S3 input channel of a training job: every object under a prefix of a bucket. The container finds it in
 * `/opt/ml/input/data/<channel name>` (`SM_CHANNEL_<NAME>`); the execution role is granted read access to exactly
 * that prefix.
 */
export class TrainingInput {
  /**
   * The objects under `prefix` in `bucket`.
   *
   * @param bucket the bucket holding the data
   * @param prefix the key prefix, e.g. `datasets/mnist/train/` (empty for the whole bucket)
   * @param options input mode, distribution and content type
   */
  public static fromBucket(bucket: s3.IBucket, prefix: string, options: TrainingInputOptions = {}): TrainingInput {
    if (!Token.isUnresolved(prefix) && prefix.startsWith('/')) {
      throw new UnscopedValidationError(`Training input prefix '${prefix}' must not start with '/': S3 keys have no leading slash.`);
    }
    return new TrainingInput(bucket, prefix, options);
  }

  /** The bucket holding the data. */
  public readonly bucket: s3.IBucket;
  /** The key prefix. */
  public readonly prefix: string;
  /** How the container reads the channel. */
  public readonly inputMode: TrainingInputMode;

  private readonly options: TrainingInputOptions;

  private constructor(bucket: s3.IBucket, prefix: string, options: TrainingInputOptions) {
    this.bucket = bucket;
    this.prefix = prefix;
    this.options = options;
    this.inputMode = options.inputMode ?? TrainingInputMode.FILE;
  }

  /**
   * Grants `role` read access to the channel's objects and returns the channel's request fields (the API's
   * `Channel` without `ChannelName`).
   * @internal
   */
  public _bind(scope: IConstruct, role: iam.IRole): ChannelSource {
    grantReadPrefix(scope, role, this.bucket, this.prefix, 'input channel');
    return {
      DataSource: {
        S3DataSource: {
          S3DataType: 'S3Prefix',
          S3Uri: `s3://${this.bucket.bucketName}/${this.prefix}`,
          S3DataDistributionType: this.options.distribution ?? S3DataDistribution.FULLY_REPLICATED,
        },
      },
      InputMode: this.inputMode,
      ...(this.options.contentType !== undefined ? { ContentType: this.options.contentType } : {}),
    };
  }
}
