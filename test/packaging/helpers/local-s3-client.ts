import { S3Client } from '@aws-sdk/client-s3';

/**
 * An S3 client for an S3 server on 127.0.0.1 (s3rver, moto), configured as the injection Lambda's: path-style
 * addressing, and no aws-chunked streaming checksums (which not every S3 implementation understands).
 */
export function localS3Client(endpoint: string, accessKey: string): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: accessKey, secretAccessKey: accessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
