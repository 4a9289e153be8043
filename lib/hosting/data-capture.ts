import { Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { acknowledgeWildcardResource } from '../common/nag-acknowledgements';
import { ValidationError, validateIntegerInRange } from '../common/validation';

/**
 * Data capture: SageMaker copies a sample of the requests and responses of the endpoint to S3, as JSON Lines
 * files under `<keyPrefix>/<endpoint name>/<variant name>/<yyyy>/<mm>/<dd>/<hh>/`, for auditing, debugging and
 * SageMaker Model Monitor.
 */
export interface DataCaptureOptions {
  /**
   * The bucket SageMaker writes the captured data to. The execution role may write under `keyPrefix` only.
   */
  readonly bucket: s3.IBucket;

  /**
   * The key prefix under which SageMaker writes. A trailing `/` is ignored.
   *
   * @default 'data-capture'
   */
  readonly keyPrefix?: string;

  /**
   * The share of requests captured, a whole percentage from 0 to 100. Captured payloads are stored in full, so
   * a high rate on a busy endpoint stores a lot.
   *
   * @default 20 - as the SageMaker Python SDK
   */
  readonly samplingPercentage?: number;

  /**
   * Capture the requests (what `input_fn` receives).
   *
   * @default true
   */
  readonly captureInput?: boolean;

  /**
   * Capture the responses (what `output_fn` returns).
   *
   * @default true
   */
  readonly captureOutput?: boolean;

  /**
   * The KMS key SageMaker encrypts the captured data with (S3 server-side encryption). The execution role may
   * encrypt with it.
   *
   * @default - the bucket's own KMS key when it has one, otherwise the bucket's default encryption
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * Content types whose payloads are stored as JSON text rather than base64 (1 to 10), e.g. `application/json`.
   *
   * @default - SageMaker's default: payloads are stored base64-encoded
   */
  readonly jsonContentTypes?: string[];

  /**
   * Content types whose payloads are stored as CSV text rather than base64 (1 to 10), e.g. `text/csv`.
   *
   * @default - SageMaker's default: payloads are stored base64-encoded
   */
  readonly csvContentTypes?: string[];
}

/** The longest `DataCaptureConfig.DestinationS3Uri` SageMaker accepts. */
const MAX_DESTINATION_URI_LENGTH = 512;
/** API model `CaptureContentTypeHeader`: a MIME type. */
const CONTENT_TYPE_PATTERN = /^[a-zA-Z0-9](-*[a-zA-Z0-9])*\/[a-zA-Z0-9](-*[a-zA-Z0-9.])*$/;

/**
 * Validates the data capture options, grants `grantee` (the execution role) write access to exactly the capture
 * prefix and use of the encryption key, and returns the endpoint config's `DataCaptureConfig`.
 */
export function bindDataCapture(
  scope: Construct,
  options: DataCaptureOptions,
  grantee: iam.IGrantable,
): sagemaker.CfnEndpointConfig.DataCaptureConfigProperty {
  const samplingPercentage = options.samplingPercentage ?? 20;
  validateIntegerInRange('dataCapture.samplingPercentage', samplingPercentage, 0, 100, { unit: 'percent', scope });
  const captureModes = [
    ...(options.captureInput ?? true ? ['Input'] : []),
    ...(options.captureOutput ?? true ? ['Output'] : []),
  ];
  if (captureModes.length === 0) {
    throw new ValidationError('dataCapture captures nothing: captureInput and captureOutput are both false. Set one of them, ' +
      'or remove dataCapture.', scope);
  }
  const keyPrefix = normalizePrefix(scope, options.keyPrefix ?? 'data-capture');
  const destinationS3Uri = options.bucket.s3UrlForObject(keyPrefix);
  if (!Token.isUnresolved(destinationS3Uri) && destinationS3Uri.length > MAX_DESTINATION_URI_LENGTH) {
    throw new ValidationError(`dataCapture destination '${destinationS3Uri}' is ${destinationS3Uri.length} characters long; ` +
      `SageMaker accepts at most ${MAX_DESTINATION_URI_LENGTH}. Use a shorter keyPrefix.`, scope);
  }
  const contentTypes = {
    jsonContentTypes: contentTypeList(scope, 'jsonContentTypes', options.jsonContentTypes),
    csvContentTypes: contentTypeList(scope, 'csvContentTypes', options.csvContentTypes),
  };

  const objects = options.bucket.arnForObjects(`${keyPrefix}/*`);
  iam.Grant.addToPrincipal({ grantee, actions: ['s3:PutObject'], resourceArns: [objects] });
  acknowledgeWildcardResource(scope, objects,
    'SageMaker names the capture files after the endpoint, variant, hour and a random id at run time; writes are ' +
    'confined to the data capture prefix.');
  const encryptionKey = options.encryptionKey ?? options.bucket.encryptionKey;
  // S3 asks KMS for a data key on SageMaker's behalf when it writes an SSE-KMS object with the role's credentials.
  encryptionKey?.grant(grantee, 'kms:Encrypt', 'kms:GenerateDataKey');

  return {
    enableCapture: true,
    initialSamplingPercentage: samplingPercentage,
    destinationS3Uri,
    kmsKeyId: encryptionKey?.keyArn,
    captureOptions: captureModes.map(captureMode => ({ captureMode })),
    captureContentTypeHeader: contentTypes.jsonContentTypes || contentTypes.csvContentTypes ? contentTypes : undefined,
  };
}

/** A key prefix without leading or trailing slashes; empty or rooted prefixes would open the whole bucket. */
function normalizePrefix(scope: Construct, prefix: string): string {
  if (Token.isUnresolved(prefix)) {
    return prefix;
  }
  if (prefix.startsWith('/')) {
    throw new ValidationError(`dataCapture.keyPrefix '${prefix}' must not start with '/': S3 keys have no leading slash.`, scope);
  }
  const trimmed = prefix.replace(/\/+$/, '');
  if (trimmed.length === 0) {
    throw new ValidationError('dataCapture.keyPrefix must not be empty: give a prefix such as \'data-capture\', so that the ' +
      'execution role may write there and nowhere else in the bucket.', scope);
  }
  return trimmed;
}

function contentTypeList(scope: Construct, what: string, types: string[] | undefined): string[] | undefined {
  if (types === undefined) {
    return undefined;
  }
  if (types.length < 1 || types.length > 10) {
    throw new ValidationError(`dataCapture.${what} has ${types.length} entries; SageMaker accepts 1 to 10 (omit it for none).`, scope);
  }
  for (const type of types) {
    if (!Token.isUnresolved(type) && (type.length > 256 || !CONTENT_TYPE_PATTERN.test(type))) {
      throw new ValidationError(`dataCapture.${what} entry '${type}' is not a content type such as 'application/json'.`, scope);
    }
  }
  return types;
}
