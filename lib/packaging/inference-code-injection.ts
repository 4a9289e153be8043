import { CustomResource, Duration, RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { handlerCode } from '../common/handler-code';
import { acknowledgeWildcardResource } from '../common/nag-acknowledgements';
import { ModelData } from '../hosting/model-data';
import { InferenceCode } from './inference-code';
import { InjectionStrategy } from './injection-strategy';

/** How an {@link InferenceCodeInjection} injects and where it writes: everything but what it injects into. */
export interface InferenceCodeInjectionOptions {
  /**
   * How the code is injected.
   *
   * @default InjectionStrategy.AUTO
   */
  readonly strategy?: InjectionStrategy;

  /**
   * Where the new artifact is written.
   *
   * @default - a bucket created for it: SSE-S3 encrypted, SSL-only, public access blocked
   */
  readonly outputBucket?: s3.IBucket;

  /**
   * The key prefix of everything this resource writes (each artifact goes to `<prefix><content hash>/model.tar.gz`,
   * beside an `injection.json` that records how it was made). The function may write and delete under it only.
   *
   * @default 'inference-code-injection/<construct address>/'
   */
  readonly outputPrefix?: string;

  /**
   * What happens to what this resource created when it is deleted (and to an artifact replaced by an update):
   * `DESTROY` deletes the artifact (and the bucket, if the construct created it: it is empty by then), `RETAIN`
   * keeps both.
   *
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Memory of the injecting function, in MiB; Lambda gives CPU in proportion (one vCPU per 1,769 MiB).
   *
   * @default - 10240 (6 vCPUs) for AUTO and STREAM, whose re-compression uses every core; 3538 (2 vCPUs: one
   * inflating, one serving the parallel ranged GETs) for SCAN; 1024 for TAIL
   */
  readonly memorySize?: number;

  /**
   * KMS key for the output bucket the construct creates (SSE-KMS with an S3 bucket key); the function is granted
   * encrypt/decrypt on it.
   *
   * @default - SSE-S3 (S3-managed keys)
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * Bucket for the server access logs of the output bucket the construct creates.
   *
   * @default - no access logs (acknowledged for cdk-nag: the bucket holds only artifacts derived from the original)
   */
  readonly serverAccessLogsBucket?: s3.IBucket;
}

/** Properties of an {@link InferenceCodeInjection}. */
export interface InferenceCodeInjectionProps extends InferenceCodeInjectionOptions {
  /** The bucket holding the original `model.tar.gz` (e.g. a training job's output). It is only read. */
  readonly artifactBucket: s3.IBucket;

  /** The key of the original `model.tar.gz`; may be a token (e.g. a training job's output location). */
  readonly artifactKey: string;

  /** The code to place under `code/`. */
  readonly inferenceCode: InferenceCode;
}

/**
 * Writes a new `model.tar.gz` = the original artifact + `code/` (the given inference code), without
 * recompressing the model, as a CloudFormation custom resource backed by one Lambda function.
 *
 * The new object's key is content-addressed (a hash of the original's ETag and size, of the code and of the
 * strategy), so a changed input reaches the endpoint and an unchanged one is not redone. The original is never
 * modified.
 */
export class InferenceCodeInjection extends Construct {
  /** The bucket holding the new artifact. */
  public readonly outputBucket: s3.IBucket;

  /** The key of the new artifact (a deploy-time value). */
  public readonly artifactKey: string;

  /** `s3://<bucket>/<key>` of the new artifact (a deploy-time value). */
  public readonly artifactS3Uri: string;

  /** The strategy that ran: `scan`, `tail` or `stream` (a deploy-time value). */
  public readonly strategyUsed: string;

  /** Why it ran (for AUTO, why AUTO chose it) (a deploy-time value). */
  public readonly strategyReason: string;

  /** The new artifact as model data for a SageMaker model; binding it grants read access to exactly that object. */
  public readonly modelData: ModelData;

  /** The injecting function. */
  public readonly function: lambda.IFunction;

  /** The key prefix everything this resource writes is under. */
  public readonly outputPrefix: string;

  constructor(scope: Construct, id: string, props: InferenceCodeInjectionProps) {
    super(scope, id);
    const strategy = props.strategy ?? InjectionStrategy.AUTO;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;
    if (removalPolicy !== RemovalPolicy.DESTROY && removalPolicy !== RemovalPolicy.RETAIN) {
      throw new Error(`InferenceCodeInjection: removalPolicy must be RemovalPolicy.DESTROY or RemovalPolicy.RETAIN, got ${removalPolicy}.`);
    }
    this.outputPrefix = normalizePrefix(props.outputPrefix ?? `inference-code-injection/${this.node.addr}/`);
    const memorySize = props.memorySize ?? defaultMemory(strategy);
    if (!Token.isUnresolved(memorySize) && !(Number.isInteger(memorySize) && memorySize >= 128 && memorySize <= 10240)) {
      throw new Error(`InferenceCodeInjection: memorySize must be an integer from 128 to 10240 MiB, got ${memorySize}.`);
    }
    if (props.outputBucket && (props.serverAccessLogsBucket || props.encryptionKey)) {
      throw new Error(
        'InferenceCodeInjection: serverAccessLogsBucket and encryptionKey apply only to the bucket the construct creates; configure your outputBucket itself instead.',
      );
    }

    this.outputBucket = props.outputBucket ?? this.createOutputBucket(removalPolicy, props.serverAccessLogsBucket, props.encryptionKey);
    const code = props.inferenceCode.bind(this);

    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy,
    });
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Injects inference code into a model artifact: reads the original and the code, writes under one prefix.',
    });
    const policy = new iam.Policy(this, 'Policy', {
      roles: [role],
      statements: this.statements(props, code.bucket.arnForObjects(code.objectKey), logGroup),
    });
    props.artifactBucket.encryptionKey?.grantDecrypt(role);
    this.outputBucket.encryptionKey?.grantEncryptDecrypt(role);

    const fn = new lambda.Function(this, 'Function', {
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: handlerCode('inject-code'),
      role,
      logGroup,
      memorySize,
      // The most Lambda allows: the work grows with the archive for SCAN and STREAM. The handler answers FAILED
      // 30 s before this, so CloudFormation never waits for a silent timeout.
      timeout: Duration.minutes(15),
      description: 'Injects inference code into a model.tar.gz without recompressing the model',
      // The stream strategy deflates on the libuv threadpool (default 4 threads): one per vCPU (6 at 10,240 MiB),
      // plus room for DNS lookups.
      environment: { UV_THREADPOOL_SIZE: '8' },
    });
    fn.node.addDependency(policy);
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'The library pins nodejs22.x: its handlers are built and tested for Node 20/22 (esbuild target node20); nodejs22.x is supported by Lambda until 2027.',
    });
    this.function = fn;

    const resource = new CustomResource(this, 'Resource', {
      serviceToken: fn.functionArn,
      resourceType: 'Custom::InferenceCodeInjection',
      // Longer than the function's timeout, so a FAILED answer always arrives first.
      serviceTimeout: Duration.minutes(20),
      properties: {
        SourceBucket: props.artifactBucket.bucketName,
        SourceKey: props.artifactKey,
        CodeBucket: code.bucket.bucketName,
        CodeKey: code.objectKey,
        Strategy: strategy.name,
        OutputBucket: this.outputBucket.bucketName,
        OutputPrefix: this.outputPrefix,
        RemovalPolicy: removalPolicy === RemovalPolicy.RETAIN ? 'retain' : 'destroy',
      },
    });
    // The policy must exist while the resource is created, updated and deleted (its Delete removes the object).
    resource.node.addDependency(policy);

    this.artifactKey = resource.getAttString('ArtifactKey');
    this.artifactS3Uri = resource.getAttString('ArtifactS3Uri');
    this.strategyUsed = resource.getAttString('Strategy');
    this.strategyReason = resource.getAttString('Reason');
    this.modelData = ModelData.fromBucket(this.outputBucket, this.artifactKey);
  }

  private createOutputBucket(removalPolicy: RemovalPolicy, accessLogs: s3.IBucket | undefined, key: kms.IKey | undefined): s3.Bucket {
    const bucket = new s3.Bucket(this, 'Output', {
      encryption: key ? s3.BucketEncryption.KMS : s3.BucketEncryption.S3_MANAGED,
      encryptionKey: key,
      bucketKeyEnabled: key ? true : undefined,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      // No autoDeleteObjects: the resource's Delete removes the only objects it holds before CloudFormation
      // deletes the bucket (the resource depends on it), so no second custom resource is needed.
      removalPolicy,
      serverAccessLogsBucket: accessLogs,
      lifecycleRules: [{ abortIncompleteMultipartUploadAfter: Duration.days(1) }],
    });
    if (!accessLogs) {
      Validations.of(bucket).acknowledge({
        id: 'AwsSolutions-S1',
        reason: 'Holds only model artifacts derived from the original by this stack; give serverAccessLogsBucket to log access.',
      });
    }
    return bucket;
  }

  private statements(props: InferenceCodeInjectionProps, codeObjectArn: string, logGroup: logs.LogGroup): iam.PolicyStatement[] {
    const outputObjects = this.outputBucket.arnForObjects(`${this.outputPrefix}*`);
    acknowledgeWildcardResource(
      this,
      outputObjects,
      'The new artifact key is a content hash known only at deploy time; access is confined to this resource\'s own prefix.',
    );
    acknowledgeWildcardResource(this, `${logGroup.logGroupArn}`, 'Lambda names its log streams at run time; confined to this function\'s log group.');
    return [
      new iam.PolicyStatement({
        sid: 'ReadOriginalArtifact',
        actions: ['s3:GetObject'],
        resources: [props.artifactBucket.arnForObjects(props.artifactKey)],
      }),
      new iam.PolicyStatement({ sid: 'ReadInferenceCode', actions: ['s3:GetObject'], resources: [codeObjectArn] }),
      new iam.PolicyStatement({
        sid: 'WriteUnderOutputPrefix',
        actions: ['s3:PutObject', 's3:GetObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
        resources: [outputObjects],
      }),
      new iam.PolicyStatement({
        sid: 'FindExistingArtifact',
        actions: ['s3:ListBucket'],
        resources: [this.outputBucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${this.outputPrefix}*`] } },
      }),
      new iam.PolicyStatement({
        sid: 'WriteLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    ];
  }
}

function defaultMemory(strategy: InjectionStrategy): number {
  switch (strategy.name) {
    case 'scan':
      return 3538;
    case 'tail':
      return 1024;
    default:
      return 10240;
  }
}

function normalizePrefix(prefix: string): string {
  if (Token.isUnresolved(prefix)) {
    throw new Error('InferenceCodeInjection: outputPrefix must be a literal string, not a token: the IAM policy is scoped to it.');
  }
  const withSlash = prefix.endsWith('/') ? prefix : `${prefix}/`;
  if (withSlash === '/' || withSlash.startsWith('/') || withSlash.split('/').some((part) => part === '..' || part === '.') || withSlash.includes('//') || withSlash.includes('*')) {
    throw new Error(
      `InferenceCodeInjection: outputPrefix '${prefix}' is not a usable key prefix: use a non-empty relative path such as 'artifacts/my-model/', without '..', '//' or '*'.`,
    );
  }
  return withSlash;
}
