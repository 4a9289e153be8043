import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { acknowledgeWildcardResource } from '../common/nag-acknowledgements';
import { parseS3Uri } from '../common/s3-uri';
import { injectionProblem, readLocalArchive, servedArchiveProblem } from './local-archive';
import { checkPythonSyntaxAtSynth } from '../common/python-syntax';
import { isGzipFile } from '../common/gzip-file';
import { checkArgumentType, UnscopedValidationError, ValidationError } from '../common/validation';

/**
 * Where a model's artifacts are, in the form `AWS::SageMaker::Model` takes them. Exactly one field is set.
 */
export interface ModelDataConfig {
  /**
   * S3 URI of a compressed `model.tar.gz` (`ContainerDefinition.ModelDataUrl`).
   *
   * @default - the model data is uncompressed, see `modelDataSource`
   */
  readonly modelDataUrl?: string;

  /**
   * An uncompressed S3 prefix (`ContainerDefinition.ModelDataSource`): SageMaker copies every object under it into
   * `/opt/ml/model`, with no archive to download and unpack.
   *
   * @default - the model data is a compressed archive, see `modelDataUrl`
   */
  readonly modelDataSource?: sagemaker.CfnModel.ModelDataSourceProperty;
}

/** Where a compressed model archive (`model.tar.gz`) is stored. */
export interface ModelArchiveLocation {
  /** The bucket holding the archive. */
  readonly bucket: s3.IBucket;
  /** The archive's object key; may be a token. */
  readonly key: string;
}

/** Where uncompressed model data (the objects under an S3 prefix) is stored. */
export interface ModelPrefixLocation {
  /** The bucket holding the model's objects. */
  readonly bucket: s3.IBucket;
  /** The key prefix, ending with `/` (or a token that resolves to one). */
  readonly keyPrefix: string;
}

/**
 * The artifacts of a model: a `model.tar.gz` (weights at the root, inference code under `code/`) or an uncompressed
 * S3 prefix with the same layout.
 */
export abstract class ModelData {
  /**
   * A compressed `model.tar.gz` in a bucket. The execution role may read exactly that object (and decrypt it with
   * the bucket's KMS key, if it has one).
   *
   * @param bucket the bucket holding the archive
   * @param key the object key, e.g. `models/v1/model.tar.gz`; may be a token
   */
  public static fromBucket(bucket: s3.IBucket, key: string): ModelData {
    checkArgumentType('ModelData.fromBucket: key', key, 'string');
    if (!Token.isUnresolved(key)) {
      if (key.length === 0 || key.endsWith('/')) {
        throw new UnscopedValidationError(
          `Model data key '${key}' names a prefix, not an archive: give the key of a model.tar.gz, or use ` +
          'ModelData.fromS3Prefix() for uncompressed model data.',
        );
      }
    }
    return new BucketObjectModelData(bucket, key);
  }

  /**
   * A compressed `model.tar.gz` by its S3 URI, e.g. `s3://my-bucket/models/model.tar.gz` (a literal string).
   *
   * @param uri the `s3://bucket/key` URI of the archive
   */
  public static fromS3Uri(uri: string): ModelData {
    checkArgumentType('ModelData.fromS3Uri', uri, 'string');
    if (Token.isUnresolved(uri)) {
      throw new UnscopedValidationError('ModelData.fromS3Uri() needs a literal URI; for a deploy-time value use ModelData.fromBucket(bucket, key).');
    }
    const location = parseS3Uri(uri);
    if (!location) {
      throw new UnscopedValidationError(`Model data URI '${uri}' is not of the form 's3://<bucket>/<key>'.`);
    }
    checkBucketName(`ModelData.fromS3Uri('${uri}')`, location.bucket);
    return new BucketObjectModelData(undefined, location.key, location.bucket);
  }

  /**
   * A local `model.tar.gz`, uploaded as a CDK file asset (content-addressed, so a changed archive gets a new key
   * and reaches the endpoint). The execution role may read exactly that object. Served without `inferenceCode`, the
   * archive is read at synth and must hold `code/inference.py` (the endpoint's `entryPoint`) that passes
   * `InferenceCode`'s checks.
   *
   * @param archivePath path to the archive; must end in `.tar.gz`
   */
  public static fromAsset(archivePath: string): ModelData {
    checkArgumentType('ModelData.fromAsset', archivePath, 'string', "give the archive's path, e.g. ModelData.fromAsset('model.tar.gz')");
    if (!archivePath.endsWith('.tar.gz')) {
      throw new UnscopedValidationError(
        `Model data asset '${archivePath}' must be a .tar.gz file: SageMaker only reads model archives as gzip-compressed tar.`,
      );
    }
    if (!fs.existsSync(archivePath) || !fs.statSync(archivePath).isFile()) {
      throw new UnscopedValidationError(`Model data asset '${archivePath}' does not exist or is not a file (resolved to ${path.resolve(archivePath)}).`);
    }
    if (!isGzipFile(archivePath)) {
      throw new UnscopedValidationError(
        `Model data asset '${archivePath}' is not gzip-compressed (no gzip magic bytes): SageMaker reads ModelDataUrl ` +
        'as a tar.gz. Build it with `tar czf model.tar.gz -C <model dir> .` (weights at the root, code/inference.py).',
      );
    }
    return new AssetModelData(path.resolve(archivePath));
  }

  /**
   * Uncompressed model data: every object under `keyPrefix` becomes a file under `/opt/ml/model`
   * (`ModelDataSource` with `S3DataType: S3Prefix`, `CompressionType: None`). The execution role may list and read
   * exactly that prefix.
   *
   * @param bucket the bucket holding the model files
   * @param keyPrefix the prefix, e.g. `models/v1/`; a trailing `/` is added when missing, as SageMaker requires
   */
  public static fromS3Prefix(bucket: s3.IBucket, keyPrefix: string): ModelData {
    checkArgumentType('ModelData.fromS3Prefix: keyPrefix', keyPrefix, 'string');
    if (!Token.isUnresolved(keyPrefix)) {
      if (keyPrefix.length === 0 || keyPrefix === '/') {
        throw new UnscopedValidationError('Model data prefix must not be empty: SageMaker would copy the whole bucket into the container.');
      }
      if (keyPrefix.endsWith('.tar.gz')) {
        throw new UnscopedValidationError(
          `Model data prefix '${keyPrefix}' looks like an archive: use ModelData.fromBucket() for a compressed model.tar.gz.`,
        );
      }
      if (keyPrefix.startsWith('/')) {
        throw new UnscopedValidationError(`Model data prefix '${keyPrefix}' must not start with '/': S3 keys have no leading slash.`);
      }
    }
    return new PrefixModelData(bucket, keyPrefix);
  }

  /**
   * Resolves the model data, granting `grantee` read access to exactly these artifacts.
   */
  public abstract bind(scope: Construct, grantee: iam.IGrantable): ModelDataConfig;

  /**
   * The S3 object holding the compressed archive, for constructs that read or rewrite it (code injection), or
   * `undefined` for uncompressed model data. Grants nothing: the reader grants itself what it needs.
   */
  public archiveLocation(_scope: Construct): ModelArchiveLocation | undefined {
    return undefined;
  }

  /**
   * The S3 prefix holding uncompressed model data, for constructs that copy it (code injection), or `undefined` for
   * a compressed archive. Grants nothing: the reader grants itself what it needs.
   */
  public prefixLocation(_scope: Construct): ModelPrefixLocation | undefined {
    return undefined;
  }

  /**
   * Checks at synth that the artifact can be served as it is, with `code/<entryPoint>` as the handler module (and
   * its syntax, when the app synthesizes): only a local archive can be read now; the others pass.
   *
   * @internal
   */
  public _checkServedAsIs(_scope: Construct, _entryPoint: string): void {
    return;
  }

  /**
   * Checks at synth that code can be injected into the artifact with `strategy` (the engine's name, e.g. `scan`):
   * only a local archive can be read now; the others pass.
   *
   * @internal
   */
  public _checkInjection(_scope: Construct, _strategy: string): void {
    return;
  }
}


/** Read access to one object: `s3:GetObject` on its ARN, plus decrypt with the bucket key if any. */
function grantReadObject(grantee: iam.IGrantable, bucket: s3.IBucket, key: string): void {
  iam.Grant.addToPrincipal({ grantee, actions: ['s3:GetObject'], resourceArns: [bucket.arnForObjects(key)] });
  bucket.encryptionKey?.grantDecrypt(grantee);
}

class BucketObjectModelData extends ModelData {
  constructor(private readonly bucket: s3.IBucket | undefined, private readonly key: string, private readonly bucketName?: string) {
    super();
  }

  public bind(scope: Construct, grantee: iam.IGrantable): ModelDataConfig {
    const { bucket, key } = this.archiveLocation(scope);
    grantReadObject(grantee, bucket, key);
    return { modelDataUrl: bucket.s3UrlForObject(key) };
  }

  public archiveLocation(scope: Construct): ModelArchiveLocation {
    return { bucket: this.bucket ?? importedBucket(scope, this.bucketName!), key: this.key };
  }
}

/** A bucket named by a URI, imported once per scope. */
function importedBucket(scope: Construct, bucketName: string): s3.IBucket {
  const id = `ModelDataBucket-${bucketName}`;
  return (scope.node.tryFindChild(id) as s3.IBucket | undefined) ?? s3.Bucket.fromBucketName(scope, id, bucketName);
}

class AssetModelData extends ModelData {
  constructor(private readonly archivePath: string) {
    super();
  }

  public _checkServedAsIs(scope: Construct, entryPoint: string): void {
    const problem = servedArchiveProblem(this.archivePath, entryPoint);
    if (problem) throw new ValidationError(`ModelData.fromAsset: ${problem}`, scope);
    const script = readLocalArchive(this.archivePath).codeModules.get(`code/${entryPoint}`)!;
    checkPythonSyntaxAtSynth(scope, [{ label: `code/${entryPoint} in ${this.archivePath}`, data: script }]);
  }

  public _checkInjection(scope: Construct, strategy: string): void {
    const problem = injectionProblem(this.archivePath, strategy);
    if (problem) throw new ValidationError(`ModelData.fromAsset: ${problem}`, scope);
  }

  public bind(scope: Construct, grantee: iam.IGrantable): ModelDataConfig {
    const asset = this.asset(scope);
    grantReadObject(grantee, asset.bucket, asset.s3ObjectKey);
    return { modelDataUrl: asset.s3ObjectUrl };
  }

  public archiveLocation(scope: Construct): ModelArchiveLocation {
    const asset = this.asset(scope);
    return { bucket: asset.bucket, key: asset.s3ObjectKey };
  }

  /** One asset per archive path and scope, so binding the same archive twice reuses it. */
  private asset(scope: Construct): s3assets.Asset {
    const id = `ModelDataAsset${crypto.createHash('sha256').update(this.archivePath).digest('hex').slice(0, 8)}`;
    return (scope.node.tryFindChild(id) as s3assets.Asset | undefined) ?? new s3assets.Asset(scope, id, { path: this.archivePath });
  }
}

class PrefixModelData extends ModelData {
  private readonly keyPrefix: string;

  constructor(private readonly bucket: s3.IBucket, keyPrefix: string) {
    super();
    this.keyPrefix = Token.isUnresolved(keyPrefix) || keyPrefix.endsWith('/') ? keyPrefix : `${keyPrefix}/`;
  }

  public prefixLocation(_scope: Construct): ModelPrefixLocation {
    return { bucket: this.bucket, keyPrefix: this.keyPrefix };
  }

  public bind(scope: Construct, grantee: iam.IGrantable): ModelDataConfig {
    const objectsArn = this.bucket.arnForObjects(`${this.keyPrefix}*`);
    iam.Grant.addToPrincipal({ grantee, actions: ['s3:GetObject'], resourceArns: [objectsArn] });
    acknowledgeWildcardResource(scope, objectsArn,
      'Uncompressed model data is every object under the model prefix; SageMaker reads them all and nothing outside it.');
    // SageMaker lists the prefix to find the files; the condition keeps the listing to that prefix.
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:ListBucket'],
      resourceArns: [this.bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${this.keyPrefix}*`] } },
    });
    this.bucket.encryptionKey?.grantDecrypt(grantee);
    return {
      modelDataSource: {
        s3DataSource: {
          s3Uri: this.bucket.s3UrlForObject(this.keyPrefix),
          s3DataType: 'S3Prefix',
          compressionType: 'None',
        },
      },
    };
  }
}

/**
 * Refuses a bucket name S3 cannot have, when the factory is called: the same rules as the `Bucket.fromBucketName` the
 * model is bound through later (legacy names, with capitals or underscores, allowed), which would otherwise fail
 * in the middle of the synth with aws-cdk-lib's message and no mention of the call.
 */
function checkBucketName(call: string, bucket: string): void {
  try {
    s3.Bucket.validateBucketName(bucket, true);
  } catch (error) {
    throw new UnscopedValidationError(`${call}: bucket name '${bucket}' is not one S3 allows (${(error as Error).message.split('\n').slice(1).join('; ')}).`);
  }
}
