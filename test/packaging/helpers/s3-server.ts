import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { S3Operations, sdkS3Operations } from '../../../lib/packaging/runtime/s3-operations';
import { localS3Client } from './local-s3-client';

// s3rver ships no type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver');

/**
 * A real S3 server (s3rver) on 127.0.0.1, a client for it, and a look into its store.
 *
 * moto's S3 (helpers/moto-server.ts) is the S3 of the tests: it has UploadPartCopy, ListParts, ListMultipartUploads
 * and conditional writes. s3rver stays only where its one difference is what a test is about: a real store that
 * answers UploadPartCopy with NotImplemented, as some S3-compatible stores do, so that the streamed-copy fallback
 * runs against a real server's answer (artifact-writer, inject-code-event, the bundle's first half).
 */
export interface LocalS3 {
  readonly client: S3Client;
  readonly ops: S3Operations;
  readonly endpoint: string;
  createBucket(name: string): Promise<void>;
  put(bucket: string, key: string, body: Uint8Array, metadata?: Record<string, string>): Promise<string>;
  get(bucket: string, key: string): Promise<Buffer | undefined>;
  head(bucket: string, key: string): Promise<{ etag: string; size: number; metadata: Record<string, string> } | undefined>;
  /** Multipart uploads started and neither completed nor aborted, read from the server's store. */
  openUploads(bucket: string): string[];
  close(): Promise<void>;
}

/**
 * Starts s3rver on a free port. s3rver implements PutObject, ranged GetObject, multipart uploads and
 * CopyObject, but answers UploadPartCopy with NotImplemented (which is what the streamed-copy fallback is for)
 * and has no AbortMultipartUpload. The latter is added here, as S3 documents it (the upload and its parts are
 * removed), so that the tests can check that a failed injection leaves no upload behind.
 */
export async function startLocalS3(): Promise<LocalS3> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 's3rver-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, allowMismatchedSignatures: true });
  const uploadsDirectory = (bucket: string): string => server.store.getResourcePath(bucket, undefined, 'uploads');
  // Before s3rver's router, which would answer MethodNotAllowed.
  server.middleware.unshift(async (ctx: any, next: () => Promise<void>) => {
    const match = /^\/([^/]+)\/.+$/.exec(ctx.path);
    if (ctx.method === 'DELETE' && match && typeof ctx.query.uploadId === 'string') {
      const uploadDir = path.join(uploadsDirectory(match[1]), path.basename(ctx.query.uploadId));
      if (!fs.existsSync(uploadDir)) {
        ctx.status = 404;
        ctx.type = 'application/xml';
        ctx.body = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message></Error>';
        return;
      }
      fs.rmSync(uploadDir, { recursive: true, force: true });
      ctx.status = 204;
      return;
    }
    await next();
  });
  const address = await server.run();
  const endpoint = `http://127.0.0.1:${address.port}`;
  // s3rver would store aws-chunked framing as data: the client sends none, as the Lambda's.
  const client = localS3Client(endpoint, 'S3RVER');
  return {
    client,
    ops: sdkS3Operations(client),
    endpoint,
    async createBucket(name) {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    },
    async put(bucket, key, body, metadata) {
      const response = await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, Metadata: metadata }));
      return response.ETag!;
    },
    async get(bucket, key) {
      try {
        const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return Buffer.from(await response.Body!.transformToByteArray());
      } catch (error) {
        if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
        throw error;
      }
    },
    async head(bucket, key) {
      try {
        const response = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return { etag: response.ETag!, size: response.ContentLength!, metadata: response.Metadata ?? {} };
      } catch (error) {
        if ((error as { name?: string }).name === 'NotFound') return undefined;
        throw error;
      }
    },
    openUploads(bucket) {
      const dir = uploadsDirectory(bucket);
      return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
    },
    async close() {
      client.destroy();
      await server.close();
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}
