import * as http from 'http';
import * as https from 'https';

// What the custom resource handlers of every area share when they answer CloudFormation: the PUT to a presigned URL
// (a custom resource's ResponseURL, a wait condition handle) and the one-line reason CloudFormation shows. Each
// caller keeps its own retry policy around `putOnce`. Runtime code: bundled into the handlers, not compiled by jsii.

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
