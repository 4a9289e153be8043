import { CustomResource, Duration, RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { bundledHandlerFunction, logWriteStatement } from '../common/handler-code';
import { acknowledgeWildcardResource } from '../common/nag-acknowledgements';
import { NetworkInterfaceGrantOptions, networkInterfaceStatements, placeInVpc, VpcPlacement, VpcPlacementRules } from '../common/vpc-placement';
import { ModelData } from '../core/model-data';
import { InferenceCode } from './inference-code';
import { InjectionStrategy } from './injection-strategy';
import { INJECTION_PROP_TYPES } from './injection-prop-types';
import { checkPropTypes, ValidationError } from '../common/validation';
import { INFERENCE_CODE_INJECTION_RESOURCE_TYPE, injectCodeAttribute, InjectCodeProperties } from './resource-types';

/** How an {@link InferenceCodeInjection} injects and where it writes: everything but what it injects into. */
export interface InferenceCodeInjectionOptions {
  /**
   * How the code is injected.
   *
   * @default InjectionStrategy.AUTO
   */
  readonly strategy?: InjectionStrategy;

  /**
   * Where the new artifact is written. Give your own bucket an `AbortIncompleteMultipartUpload` lifecycle rule (the
   * created bucket has one, 1 day): an upload the function cannot abort (e.g. a bucket policy denies it) is named in
   * the FAILED reason, and its parts are billed until it is aborted.
   *
   * @default - a bucket created for it: SSE-S3 encrypted, SSL-only, public access blocked, incomplete multipart
   * uploads aborted after 1 day
   */
  readonly outputBucket?: s3.IBucket;

  /**
   * The key prefix of everything this resource writes (each artifact goes to `<prefix><hash>/model.tar.gz`, beside
   * an `injection.json` that records how it was made and a `claim.json` that names its writer; the hash covers the
   * inputs and this resource, so resources sharing a prefix never share a key). The function writes under it only,
   * never over an existing object, and deletes only objects it wrote.
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
   * inflating, one serving the parallel ranged GETs) for SCAN
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

  /**
   * VPC to attach the injecting function to, for buckets reached only through a VPC endpoint (e.g. a bucket policy
   * that denies requests without `aws:SourceVpce`). The function then reaches S3 (the original, the code asset, the
   * output bucket, and CloudFormation's presigned response URL) only through the VPC: the chosen subnets need a
   * route to S3 in the stack's region, typically an S3 gateway endpoint on their route tables.
   *
   * @default - not in a VPC: the function reaches S3 over Lambda's own network
   */
  readonly vpc?: ec2.IVpc;

  /**
   * Subnets of `vpc` for the function's network interfaces (1 to 16, not public). The function talks to S3 only, so
   * isolated subnets with an S3 gateway endpoint are enough; a NAT is not needed.
   *
   * @default - what `vpc.selectSubnets()` picks: the private subnets with egress if the VPC has any, otherwise its
   * isolated subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * Security groups of the function's network interfaces (1 to 5). Only with `vpc`.
   *
   * @default - one created, with no inbound rule and outbound HTTPS (TCP 443) only
   */
  readonly securityGroups?: ec2.ISecurityGroup[];
}

/** Properties of an {@link InferenceCodeInjection}. */
export interface InferenceCodeInjectionProps extends InferenceCodeInjectionOptions {
  /**
   * The original model, only read: a compressed `model.tar.gz` (`ModelData.fromBucket`, `fromS3Uri`, `fromAsset`, a
   * training job's `modelData`), into which `code/` is injected without recompressing the model; or uncompressed
   * model data (`ModelData.fromS3Prefix`, a training job with `ModelOutputCompression.NONE`), whose objects are
   * copied server side to a new prefix with the new `code/` (any `code/` objects of the original are replaced).
   */
  readonly modelData: ModelData;

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
export class InferenceCodeInjection extends Construct implements ec2.IConnectable {
  /** The bucket holding the new artifact. */
  public readonly outputBucket: s3.IBucket;

  /** The key of the new artifact (a deploy-time value). */
  public readonly artifactKey: string;

  /** `s3://<bucket>/<key>` of the new artifact (a deploy-time value). */
  public readonly artifactS3Uri: string;

  /** The strategy that ran: `scan` or `stream` (a deploy-time value). */
  public readonly strategyUsed: string;

  /** Why it ran (for AUTO, why AUTO chose it) (a deploy-time value). */
  public readonly strategyReason: string;

  /** The new artifact as model data for a SageMaker model; binding it grants read access to exactly that object. */
  public readonly modelData: ModelData;

  /** The injecting function. */
  public readonly function: lambda.IFunction;

  /** The key prefix everything this resource writes is under. */
  public readonly outputPrefix: string;

  private readonly functionConnections?: ec2.Connections;

  /** Whether the original (and so the new model data) is uncompressed: the new model data is then an S3 prefix. */
  public readonly uncompressed: boolean;

  constructor(scope: Construct, id: string, props: InferenceCodeInjectionProps) {
    super(scope, id);
    checkPropTypes('', props, INJECTION_PROP_TYPES, this);
    const source = resolveSource(this, props.modelData);
    this.uncompressed = source.prefix !== undefined;
    if (this.uncompressed && props.strategy && props.strategy !== InjectionStrategy.AUTO) {
      throw new ValidationError(
        `strategy ${props.strategy.name} applies to a compressed model.tar.gz, but the model is uncompressed ` +
        '(an S3 prefix), whose objects are copied server side: remove strategy.', this);
    }
    const strategy = props.strategy ?? InjectionStrategy.AUTO;
    // A local archive is read now: what the injection function would refuse at deploy time is refused at synth.
    props.modelData._checkInjection(this, strategy.name);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;
    if (removalPolicy !== RemovalPolicy.DESTROY && removalPolicy !== RemovalPolicy.RETAIN) {
      throw new ValidationError(`removalPolicy must be RemovalPolicy.DESTROY or RemovalPolicy.RETAIN, got ${removalPolicy}.`, this);
    }
    this.outputPrefix = normalizePrefix(this, props.outputPrefix ?? `inference-code-injection/${this.node.addr}/`);
    // The uncompressed copy runs on S3's side: the function only sends requests.
    const memorySize = props.memorySize ?? (this.uncompressed ? 1024 : defaultMemory(strategy));
    if (!Token.isUnresolved(memorySize) && !(Number.isInteger(memorySize) && memorySize >= 128 && memorySize <= 10240)) {
      throw new ValidationError(`memorySize must be an integer from 128 to 10240 MiB, got ${memorySize}.`, this);
    }
    if (props.outputBucket && (props.serverAccessLogsBucket || props.encryptionKey)) {
      throw new ValidationError(
        'serverAccessLogsBucket and encryptionKey apply only to the bucket the construct creates; configure your outputBucket itself instead.', this);
    }

    const network = this.resolveNetwork(props);

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
      statements: [
        ...this.statements(source, code.bucket.arnForObjects(code.objectKey), logGroup),
        ...(network ? networkInterfaceStatements(this, network, FUNCTION_NETWORK_INTERFACE_GRANTS) : []),
      ],
    });
    source.bucket.encryptionKey?.grantDecrypt(role);
    // SSE-KMS writes (PutObject, multipart parts) need a data key; completing a multipart upload, copying parts and
    // reading back the manifest need Decrypt. grantEncryptDecrypt would add ReEncrypt* and GenerateDataKey*: wildcard
    // actions this function never uses.
    this.outputBucket.encryptionKey?.grant(role, 'kms:Decrypt', 'kms:GenerateDataKey');

    const fn = bundledHandlerFunction(this, 'Function', 'inject-code', {
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
      vpc: network?.vpc,
      vpcSubnets: network ? { subnets: network.subnets } : undefined,
      securityGroups: network?.securityGroups,
    });
    // Lambda checks the network interface permissions when it creates the function: the policy must exist first.
    fn.node.addDependency(policy);
    this.function = fn;
    this.functionConnections = network ? fn.connections : undefined;

    const resource = new CustomResource(this, 'Resource', {
      serviceToken: fn.functionArn,
      resourceType: INFERENCE_CODE_INJECTION_RESOURCE_TYPE,
      // Longer than the function's timeout, so a FAILED answer always arrives first.
      serviceTimeout: Duration.minutes(20),
      properties: injectCodeProperties({
        SourceBucket: source.bucket.bucketName,
        ...(source.prefix !== undefined ? { SourcePrefix: source.prefix } : { SourceKey: source.key }),
        CodeBucket: code.bucket.bucketName,
        CodeKey: code.objectKey,
        Strategy: strategy.name,
        OutputBucket: this.outputBucket.bucketName,
        OutputPrefix: this.outputPrefix,
        RemovalPolicy: removalPolicy === RemovalPolicy.RETAIN ? 'retain' : 'destroy',
      }),
    });
    // The policy must exist while the resource is created, updated and deleted (its Delete removes the object).
    resource.node.addDependency(policy);

    this.artifactKey = resource.getAttString(injectCodeAttribute('ArtifactKey'));
    this.artifactS3Uri = resource.getAttString(injectCodeAttribute('ArtifactS3Uri'));
    this.strategyUsed = resource.getAttString(injectCodeAttribute('Strategy'));
    this.strategyReason = resource.getAttString(injectCodeAttribute('Reason'));
    this.modelData = this.uncompressed
      ? ModelData.fromS3Prefix(this.outputBucket, this.artifactKey)
      : ModelData.fromBucket(this.outputBucket, this.artifactKey);
  }

  /**
   * The security groups of the function's network interfaces, to let it reach more of the VPC
   * (`injection.connections.allowTo(proxy, ec2.Port.tcp(443))`). Only for an injection with a `vpc`.
   */
  public get connections(): ec2.Connections {
    if (!this.functionConnections) {
      throw new ValidationError('only an injection whose function is in a VPC has security groups: set vpc.', this);
    }
    return this.functionConnections;
  }

  /** Validates the VPC props and picks the subnets and security groups; undefined without a VPC. */
  private resolveNetwork(props: InferenceCodeInjectionOptions): VpcPlacement | undefined {
    if (!props.vpc) {
      const given = [props.vpcSubnets ? 'vpcSubnets' : undefined, props.securityGroups ? 'securityGroups' : undefined].filter(Boolean);
      if (given.length > 0) {
        throw new ValidationError(`${given.join(' and ')} place the function in a VPC: set vpc as well, or remove ${given.join(' and ')}.`, this);
      }
      return undefined;
    }
    return placeInVpc(this, { vpc: props.vpc, vpcSubnets: props.vpcSubnets, securityGroups: props.securityGroups }, FUNCTION_PLACEMENT);
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

  private statements(source: ResolvedSource, codeObjectArn: string, logGroup: logs.LogGroup): iam.PolicyStatement[] {
    const outputObjects = this.outputBucket.arnForObjects(`${this.outputPrefix}*`);
    acknowledgeWildcardResource(
      this,
      outputObjects,
      'The new artifact key is a content hash known only at deploy time; access is confined to this resource\'s own prefix.',
    );
    return [
      ...readOriginalStatements(this, source),
      new iam.PolicyStatement({ sid: 'ReadInferenceCode', actions: ['s3:GetObject'], resources: [codeObjectArn] }),
      new iam.PolicyStatement({
        sid: 'WriteUnderOutputPrefix',
        actions: ['s3:PutObject', 's3:GetObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
        resources: [outputObjects],
      }),
      // AbortMultipartUpload may have to be repeated while parts remain (S3's advice): ListParts shows whether they do.
      new iam.PolicyStatement({
        sid: 'CheckAbortedUploads',
        actions: ['s3:ListMultipartUploadParts'],
        resources: [outputObjects],
      }),
      new iam.PolicyStatement({
        sid: 'FindExistingArtifact',
        actions: ['s3:ListBucket'],
        resources: [this.outputBucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${this.outputPrefix}*`] } },
      }),
      logWriteStatement(this, logGroup, 'WriteLogs'),
    ];
  }
}

/** The original: an archive (bucket + key) or uncompressed model data (bucket + prefix). */
interface ResolvedSource {
  readonly bucket: s3.IBucket;
  readonly key?: string;
  readonly prefix?: string;
}

function resolveSource(scope: Construct, modelData: ModelData): ResolvedSource {
  const archive = modelData.archiveLocation(scope);
  if (archive) return { bucket: archive.bucket, key: archive.key };
  const prefix = modelData.prefixLocation(scope);
  if (prefix) return { bucket: prefix.bucket, prefix: prefix.keyPrefix };
  throw new ValidationError('the model data is neither a model.tar.gz nor an S3 prefix; give ModelData.fromBucket() or ModelData.fromS3Prefix().', scope);
}

/**
 * Read access to the original: exactly the archive; or every object under the prefix, and the listing of that
 * prefix only (ListBucket with an `s3:prefix` condition).
 */
function readOriginalStatements(scope: Construct, source: ResolvedSource): iam.PolicyStatement[] {
  if (source.key !== undefined) {
    return [new iam.PolicyStatement({ sid: 'ReadOriginalArtifact', actions: ['s3:GetObject'], resources: [source.bucket.arnForObjects(source.key)] })];
  }
  const objects = source.bucket.arnForObjects(`${source.prefix}*`);
  acknowledgeWildcardResource(scope, objects,
    'Uncompressed model data is every object under the model prefix; the copy reads them all and nothing outside it.');
  return [
    new iam.PolicyStatement({ sid: 'ReadOriginalModelData', actions: ['s3:GetObject'], resources: [objects] }),
    new iam.PolicyStatement({
      sid: 'ListOriginalModelData',
      actions: ['s3:ListBucket'],
      resources: [source.bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${source.prefix}*`] } },
    }),
  ];
}

/**
 * Where Lambda may put the function's network interfaces. The default security group has no inbound rule (nothing
 * calls the function through the VPC: CloudFormation invokes it through the Lambda API) and lets out HTTPS only: S3
 * (through the gateway endpoint) is all the function talks to.
 */
const FUNCTION_PLACEMENT: VpcPlacementRules = {
  service: 'Lambda',
  subnetExample: '{ subnetType: ec2.SubnetType.PRIVATE_ISOLATED } (with an S3 gateway endpoint on their route tables)',
  publicSubnetsRefusedBecause: 'a Lambda function gets no public IP address',
  s3AccessNeededBecause: 'the injection function reads and writes the model artifact in S3 and answers CloudFormation through an S3 presigned URL',
  defaultSecurityGroup: {
    description: 'Inference code injection function: HTTPS out only (S3 and the CloudFormation response URL)',
    httpsOnlyEgressDescription: 'HTTPS to S3 and the CloudFormation response URL (an S3 presigned URL)',
  },
};

/**
 * What Lambda needs to attach the function to the VPC: the EC2 actions of AWSLambdaVPCAccessExecutionRole, which
 * is not used because that AWS managed policy grants them on `*`.
 */
const FUNCTION_NETWORK_INTERFACE_GRANTS: NetworkInterfaceGrantOptions = {
  describeActions: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets'],
  placementActions: ['ec2:CreateNetworkInterface'],
  interfaceActions: ['ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
  interfaceWildcardReason: 'Lambda creates and deletes the function\'s network interfaces at run time, so their ids are unknown; confined to this account and region, and creation to the chosen subnets and security groups.',
  describeWildcardReason: 'ec2:DescribeNetworkInterfaces and ec2:DescribeSubnets have no resource type: IAM accepts only "*" for them; Lambda calls them to attach the function to the VPC.',
  namedStatements: true,
};

function defaultMemory(strategy: InjectionStrategy): number {
  switch (strategy.name) {
    case 'scan':
      return 3538;
    default:
      return 10240;
  }
}

function normalizePrefix(scope: Construct, prefix: string): string {
  if (Token.isUnresolved(prefix)) {
    throw new ValidationError('outputPrefix must be a literal string, not a token: the IAM policy is scoped to it.', scope);
  }
  const withSlash = prefix.endsWith('/') ? prefix : `${prefix}/`;
  if (withSlash === '/' || withSlash.startsWith('/') || withSlash.split('/').some((part) => part === '..' || part === '.') || withSlash.includes('//') || withSlash.includes('*')) {
    throw new ValidationError(
      `outputPrefix '${prefix}' is not a usable key prefix: use a non-empty relative path such as 'artifacts/my-model/', without '..', '//' or '*'.`, scope);
  }
  // The artifact's s3:// URI (prefix + 64-character hash + /model.tar.gz) is the resource's physical id, which
  // CloudFormation caps at 1 KB, and it is repeated in the response, capped at 4 KB: keep the prefix well inside.
  if (Buffer.byteLength(withSlash) > MAX_OUTPUT_PREFIX_BYTES) {
    throw new ValidationError(
      `outputPrefix is ${Buffer.byteLength(withSlash)} bytes long; use at most ${MAX_OUTPUT_PREFIX_BYTES} ` +
      '(the artifact URI becomes the custom resource\'s physical id, which CloudFormation limits to 1 KB).', scope);
  }
  return withSlash;
}

const MAX_OUTPUT_PREFIX_BYTES = 512;

/** The resource's properties, typed by the interface the handler reads them with. */
function injectCodeProperties(properties: InjectCodeProperties): { [key: string]: string } {
  return { ...properties };
}
