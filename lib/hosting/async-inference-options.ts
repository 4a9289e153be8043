import { Duration } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';

/**
 * How an asynchronous endpoint (`ServingMode.asynchronous()`) stores its results and scales to and from zero.
 */
export interface AsyncInferenceOptions {
  /**
   * The bucket that holds the requests' inputs (written by callers under `inputPrefix`), the results and the failures.
   *
   * @default - a bucket is created: encrypted (S3 managed keys, or `encryptionKey`), SSL only, public access blocked,
   * objects expiring after `resultRetention`
   */
  readonly bucket?: s3.IBucket;

  /**
   * Where callers put request payloads (`grantInvokeAsync` grants writing there).
   *
   * @default 'async-inference/input/'
   */
  readonly inputPrefix?: string;

  /**
   * Where SageMaker writes results (`S3OutputPath`).
   *
   * @default 'async-inference/output/'
   */
  readonly outputPrefix?: string;

  /**
   * Where SageMaker writes failed requests' errors (`S3FailurePath`).
   *
   * @default 'async-inference/failure/'
   */
  readonly failurePrefix?: string;

  /**
   * How long objects live in the created bucket (a lifecycle rule): a whole number of days, at least 1. Not allowed
   * with `bucket` (set a lifecycle rule on your own bucket).
   *
   * @default Duration.days(30)
   */
  readonly resultRetention?: Duration;

  /**
   * A topic SageMaker notifies when a request succeeds.
   *
   * @default - no success notification
   */
  readonly successTopic?: sns.ITopic;

  /**
   * A topic SageMaker notifies when a request fails.
   *
   * @default - no error notification
   */
  readonly errorTopic?: sns.ITopic;

  /**
   * How many requests SageMaker sends to the container of one instance at the same time, 1 to 1000.
   *
   * @default - SageMaker chooses
   */
  readonly maxConcurrentInvocationsPerInstance?: number;

  /**
   * The KMS key SageMaker encrypts results with (`OutputConfig.KmsKeyId`); also the created bucket's key.
   *
   * @default - the bucket's default encryption
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * The fewest instances the variant keeps. 0 lets it scale to zero when the backlog is empty.
   *
   * @default 0
   */
  readonly minInstanceCount?: number;

  /**
   * The most instances the variant may grow to.
   *
   * @default 1
   */
  readonly maxInstanceCount?: number;

  /**
   * Target of `ApproximateBacklogSizePerInstance`: queued requests per instance.
   *
   * @default 5
   */
  readonly backlogPerInstanceTarget?: number;

  /**
   * The target tracking scale-in cooldown: after target tracking removed instances, how long it waits before it may
   * remove more. It does not decide when an idle endpoint reaches zero: target tracking removes every instance at once
   * (the backlog per instance is 0, so the capacity it computes is 0) once its scale-in alarm has seen enough idle
   * minutes (about 15 one-minute data points; AWS does not document the count).
   *
   * @default Duration.minutes(15)
   */
  readonly scaleInCooldown?: Duration;

  /**
   * The former name of `scaleInCooldown`, which it sets; it never was the time an idle endpoint waits before it
   * reaches zero. Still accepted, with a synth warning.
   *
   * @deprecated use `scaleInCooldown`.
   * @default - `scaleInCooldown`
   */
  readonly idleTimeout?: Duration;
}

/** Where an asynchronous endpoint's requests and results live. */
export interface AsyncInferenceLocations {
  /** The bucket holding inputs, results and failures. */
  readonly bucket: s3.IBucket;
  /** The key prefix callers write request payloads under (ends with `/`). */
  readonly inputPrefix: string;
  /** The key prefix of results (ends with `/`). */
  readonly outputPrefix: string;
  /** The key prefix of failures (ends with `/`). */
  readonly failurePrefix: string;
  /** `s3://bucket/outputPrefix`, SageMaker's `S3OutputPath`. */
  readonly outputPath: string;
  /** `s3://bucket/failurePrefix`, SageMaker's `S3FailurePath`. */
  readonly failurePath: string;
  /**
   * The key results are encrypted with.
   *
   * @default - the bucket's default encryption (no customer managed key)
   */
  readonly encryptionKey?: kms.IKey;
}
