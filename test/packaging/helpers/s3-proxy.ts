import * as http from 'http';
import { AddressInfo } from 'net';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { localS3Client } from './local-s3-client';

/** One request as the proxy saw it. */
export interface SeenRequest {
  readonly method: string;
  /** Path and query, e.g. `/bucket/key?uploadId=...`. */
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
}

/** An S3 error answer the proxy gives instead of forwarding a request. */
export interface InjectedError {
  /** Which requests it answers. */
  readonly when: (request: SeenRequest) => boolean;
  readonly status: number;
  readonly code: string;
  readonly message: string;
  /** How many matching requests it answers (then they are forwarded). @default Infinity */
  times?: number;
}

/**
 * An HTTP proxy on 127.0.0.1 in front of a local S3 server (moto): it forwards every request and records it (the
 * headers as sent on the wire), and adds two things moto 5.2.1 lacks, each as S3 documents it:
 *
 * - `If-None-Match: *` on CopyObject ("Copies the object only if the object key name at the destination does not
 *   already exist ... Otherwise, Amazon S3 returns a 412 Precondition Failed error", CopyObject API reference): moto
 *   implements the header on PutObject and CompleteMultipartUpload, not on CopyObject, where it overwrites. The proxy
 *   asks moto whether the destination exists (a signed HeadObject) and answers 412 PreconditionFailed if it does. (Not
 *   atomic with the copy, as S3 is: tests that use it never race on the same key.)
 * - Injected error answers (a 403 on AbortMultipartUpload, a 409 ConditionalRequestConflict), in S3's XML error format.
 * - Atomic writes of one key. S3 applies a conditional write atomically; moto 5.2.1's threaded server checks
 *   `If-None-Match` and then stores (and sets the metadata after storing), so two concurrent `If-None-Match: *` PUTs
 *   of one key could both succeed, and a HEAD could see an object without its metadata. A full `.ci/run` under load
 *   hit it once: two invocations of the same event both claimed one directory. The proxy therefore runs the requests
 *   on one object key one at a time (PUT, POST, HEAD, GET, DELETE of the key; not the parts of a multipart upload,
 *   whose concurrency the tests measure), until moto has answered.
 */
export interface S3Proxy {
  readonly endpoint: string;
  readonly seen: SeenRequest[];
  readonly errors: InjectedError[];
  close(): Promise<void>;
}

export async function startS3Proxy(target: string): Promise<S3Proxy> {
  const upstream = new URL(target);
  const client = localS3Client(target, 'testing');
  const seen: SeenRequest[] = [];
  const errors: InjectedError[] = [];
  /** The request on each object key that runs now (the next waits for it: see "Atomic writes of one key"). */
  const keyTurns = new Map<string, Promise<void>>();
  const server = http.createServer((req, res) => {
    const request: SeenRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers };
    seen.push(request);
    const [path, query = ''] = request.url.split('?');
    const isPart = /(^|&)partNumber=/.test(query);
    const objectKey = path.split('/').length > 2 && path.split('/')[2] !== '' && !isPart ? path : undefined;
    const run = () => new Promise<void>((resolve) => {
      res.on('close', resolve);
      void answer(req, res, request).catch((error) => {
        res.statusCode = 502;
        res.end(String(error));
      });
    });
    if (objectKey === undefined) {
      void run();
      return;
    }
    const turn = (keyTurns.get(objectKey) ?? Promise.resolve()).then(run);
    keyTurns.set(objectKey, turn);
    void turn.then(() => {
      if (keyTurns.get(objectKey) === turn) keyTurns.delete(objectKey);
    });
  });
  const answer = async (req: http.IncomingMessage, res: http.ServerResponse, request: SeenRequest) => {
    const injected = errors.find((error) => (error.times ?? Infinity) > 0 && error.when(request));
    if (injected) {
      injected.times = (injected.times ?? Infinity) - 1;
      req.resume();
      return sendError(res, injected.status, injected.code, injected.message);
    }
    const isCopy = request.method === 'PUT' && request.headers['x-amz-copy-source'] !== undefined && !request.url.includes('partNumber=');
    if (isCopy && request.headers['if-none-match'] === '*' && (await exists(client, request.url.split('?')[0]))) {
      req.resume();
      return sendError(res, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
    }
    const forwarded = http.request({
      host: upstream.hostname, port: upstream.port, method: request.method, path: request.url,
      headers: { ...req.headers, host: upstream.host },
    }, (response) => {
      res.writeHead(response.statusCode ?? 500, response.headers);
      response.pipe(res);
    });
    forwarded.on('error', (error) => {
      res.statusCode = 502;
      res.end(String(error));
    });
    req.pipe(forwarded);
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    seen,
    errors,
    close: () => new Promise((resolve) => {
      client.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function sendError(res: http.ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/xml' });
  res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message><RequestId>proxy</RequestId></Error>`);
}

/** Whether moto holds an object at `path` (`/bucket/key`, path-style as the tests' clients address it). */
async function exists(client: S3Client, path: string): Promise<boolean> {
  const [, bucket, ...key] = path.split('/');
  try {
    await client.send(new HeadObjectCommand({ Bucket: decodeURIComponent(bucket), Key: key.map(decodeURIComponent).join('/') }));
    return true;
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
    throw error;
  }
}
