import {
  CreateBucketCommand, GetObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, PutObjectCommand, S3Client,
} from '@aws-sdk/client-s3';
import { S3Operations, sdkS3Operations } from '../../../lib/packaging/runtime/s3-operations';
import { localS3Client } from './local-s3-client';
import { startMotoServer } from '../../helpers/moto-server';

/**
 * moto's standalone S3 server (`python3 -m moto.server`) on 127.0.0.1: unlike s3rver it implements UploadPartCopy,
 * CopyObject with ranges, ListParts and ListMultipartUploads. Unlike S3 it ignores x-amz-copy-source-if-match and
 * clamps an out-of-range CopySourceRange: the plan tests cover those rules.
 */
export interface MotoS3 {
  readonly client: S3Client;
  readonly ops: S3Operations;
  readonly endpoint: string;
  createBucket(name: string): Promise<void>;
  put(bucket: string, key: string, body: Uint8Array): Promise<string>;
  get(bucket: string, key: string): Promise<Buffer>;
  /** Every object under a prefix: key -> { size, etag }. */
  list(bucket: string, prefix?: string): Promise<Map<string, { size: number; etag: string }>>;
  /** Multipart uploads neither completed nor aborted (ListMultipartUploads). */
  openUploads(bucket: string): Promise<string[]>;
  /** Clears every bucket (`POST /moto-api/reset`). */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export async function startMotoS3(): Promise<MotoS3> {
  const server = await startMotoServer();
  const endpoint = server.endpoint;
  const client = localS3Client(endpoint, 'testing');
  return {
    client,
    ops: sdkS3Operations(client),
    endpoint,
    async createBucket(name) {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    },
    async put(bucket, key, body) {
      return (await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }))).ETag!;
    },
    async get(bucket, key) {
      return Buffer.from(await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray());
    },
    async list(bucket, prefix) {
      const found = new Map<string, { size: number; etag: string }>();
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        for (const item of page.Contents ?? []) found.set(item.Key!, { size: item.Size!, etag: item.ETag! });
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return found;
    },
    async openUploads(bucket) {
      const page = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
      return (page.Uploads ?? []).map((upload) => `${upload.Key} ${upload.UploadId}`);
    },
    reset: () => server.reset(),
    async close() {
      client.destroy();
      await server.close();
    },
  };
}
