import { ChildProcess, spawn } from 'child_process';
import * as net from 'net';
import {
  CreateBucketCommand, GetObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, PutObjectCommand, S3Client,
} from '@aws-sdk/client-s3';
import { S3Operations, sdkS3Operations } from '../../../lib/packaging/runtime/s3-operations';
import { localS3Client } from './local-s3-client';

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

const PYTHON = process.env.MOTO_PYTHON ?? 'python3';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once the server prints that it listens; rejects, with how to install moto, if it exits first. */
function whenListening(child: ChildProcess, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(`127.0.0.1:${port}`)) {
        child.stderr?.off('data', onData);
        child.stdout?.off('data', onData);
        resolve();
      }
    };
    child.stderr?.on('data', onData);
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(
      `moto's S3 server did not start (\`${PYTHON} -m moto.server\` exited with ${code}): install it with pip install "moto[server]". Output: ${output.slice(-500)}`,
    )));
    child.once('error', (error) => reject(new Error(`moto's S3 server could not be run (${error.message}): install Python 3 and pip install "moto[server]"`)));
  });
}

export async function startMotoS3(): Promise<MotoS3> {
  const port = await freePort();
  const child = spawn(PYTHON, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
  });
  await whenListening(child, port);
  const endpoint = `http://127.0.0.1:${port}`;
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
    async reset() {
      const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!response.ok) throw new Error(`moto reset answered ${response.status}`);
    },
    async close() {
      client.destroy();
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
