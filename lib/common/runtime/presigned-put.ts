import * as http from 'http';
import * as https from 'https';

// What the custom resource handlers of every area share when they talk to CloudFormation: the PUT to a presigned
// URL (a custom resource's ResponseURL, a wait condition handle) with one retry policy, and the one-line reason
// CloudFormation shows. Runtime code: bundled into the handlers, not compiled by jsii.

/** CloudFormation rejects response bodies over 4,096 bytes; a reason is the only unbounded part. */
const MAX_REASON_LENGTH = 1000;

/** Whitespace collapsed to single spaces, cut to `maxLength` characters: CloudFormation shows it in its event list. */
export function oneLine(message: string, maxLength = MAX_REASON_LENGTH): string {
  const line = message.replace(/\s+/g, ' ').trim() || 'unknown error';
  return line.length <= maxLength ? line : `${line.slice(0, maxLength - 3)}...`;
}

/**
 * One PUT of `body` to a presigned URL (https in AWS; any http(s) URL works, which the tests use), resolving with
 * the HTTP status; rejects on a network error or when no answer comes within `timeoutMs`. The content type must be
 * empty: the URL is signed without one.
 */
export function putOnce(url: string, body: string | Buffer, timeoutMs: number): Promise<number> {
  const target = new URL(url);
  const request = target.protocol === 'http:' ? http.request : https.request;
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      { method: 'PUT', headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) }, timeout: timeoutMs },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`the presigned URL did not answer within ${timeoutMs / 1000} s`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** A presigned URL answered with an HTTP error status. */
export class PresignedPutError extends Error {
  constructor(public readonly statusCode: number) {
    super(`the presigned URL answered HTTP ${statusCode}`);
    this.name = 'PresignedPutError';
  }
}

/** How `putToPresignedUrl` retries. */
export interface PutRetryOptions {
  /** Attempts in all. @default 5 */
  readonly attempts?: number;
  /** The first backoff; each later one doubles, up to `maxDelayMs`. @default 1000 */
  readonly baseDelayMs?: number;
  /** @default 8000 */
  readonly maxDelayMs?: number;
  /** Per attempt. @default 20000 */
  readonly timeoutMs?: number;
  /** Source of jitter in [0, 1). @default Math.random */
  readonly random?: () => number;
}

/**
 * The wait before retry number `attempt` (1-based): exponential backoff with "equal jitter" (half the capped
 * exponential delay, plus a random part of the other half), so that many handlers failing together do not retry in
 * step, and every retry still waits.
 */
export function backoffDelayMs(attempt: number, options: PutRetryOptions = {}): number {
  const capped = Math.min(options.maxDelayMs ?? 8000, (options.baseDelayMs ?? 1000) * 2 ** (attempt - 1));
  return capped / 2 + (options.random ?? Math.random)() * (capped / 2);
}

/**
 * PUTs a body to a presigned URL, retrying network errors, timeouts and 5xx answers with backoff and jitter. A 4xx
 * answer is final (an expired or already-used URL does not get better): it rejects at once with a
 * `PresignedPutError` carrying the status.
 */
export async function putToPresignedUrl(url: string, body: string | Buffer, options: PutRetryOptions = {}): Promise<void> {
  const attempts = options.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    let failure: Error;
    try {
      const status = await putOnce(url, body, options.timeoutMs ?? 20_000);
      if (status >= 200 && status < 300) return;
      failure = new PresignedPutError(status);
      if (status < 500) throw failure;
    } catch (error) {
      if (error instanceof PresignedPutError && error.statusCode < 500) throw error;
      failure = error as Error;
    }
    if (attempt >= attempts) throw failure;
    await new Promise((resolve) => setTimeout(resolve, backoffDelayMs(attempt, options)));
  }
}
