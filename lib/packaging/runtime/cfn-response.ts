import * as http from 'http';
import * as https from 'https';

/** The request CloudFormation sends to a Lambda-backed custom resource. */
export interface CustomResourceEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly ResourceType: string;
  readonly ServiceToken?: string;
  /** Absent on Create. */
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: Record<string, unknown>;
  /** On Update only. */
  readonly OldResourceProperties?: Record<string, unknown>;
}

/** The answer PUT to the presigned ResponseURL. */
export interface CustomResourceResponse {
  readonly Status: 'SUCCESS' | 'FAILED';
  readonly Reason?: string;
  readonly PhysicalResourceId: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly NoEcho: boolean;
  readonly Data?: Record<string, string>;
}

/** CloudFormation rejects response bodies over 4,096 bytes; the reason is the only unbounded part. */
const MAX_REASON_LENGTH = 1000;

export function successResponse(event: CustomResourceEvent, physicalResourceId: string, data: Record<string, string>): CustomResourceResponse {
  return {
    Status: 'SUCCESS',
    PhysicalResourceId: physicalResourceId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    NoEcho: false,
    Data: data,
  };
}

/**
 * A FAILED answer with a one-line reason. The physical id stays what CloudFormation knows (for Update and
 * Delete), and for a failed Create it is a marker that no Delete will mistake for an object to remove.
 */
export function failedResponse(event: CustomResourceEvent, error: unknown, logHint?: string): CustomResourceResponse {
  const message = error instanceof Error ? error.message : String(error);
  return {
    Status: 'FAILED',
    Reason: oneLine(logHint ? `${message} (log: ${logHint})` : message),
    PhysicalResourceId: event.PhysicalResourceId ?? failedCreatePhysicalId(event),
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    NoEcho: false,
  };
}

/** The physical id of a Create that failed: not an S3 URI, so the Delete that follows removes nothing. */
export function failedCreatePhysicalId(event: CustomResourceEvent): string {
  return `failed-create:${event.RequestId}`;
}

/** Whitespace collapsed to single spaces, cut to a length CloudFormation shows and accepts. */
export function oneLine(message: string, maxLength = MAX_REASON_LENGTH): string {
  const line = message.replace(/\s+/g, ' ').trim() || 'unknown error';
  return line.length <= maxLength ? line : `${line.slice(0, maxLength - 3)}...`;
}

export interface SendOptions {
  /** Waits between attempts; one attempt more than delays. @default [1000, 3000] */
  readonly retryDelaysMs?: readonly number[];
}

/**
 * PUTs the response to the presigned URL (https in AWS; any http(s) URL works, which the tests use). The
 * content type must be empty: the URL is signed without one.
 */
export async function sendResponse(url: string, response: CustomResourceResponse, options: SendOptions = {}): Promise<void> {
  const body = Buffer.from(JSON.stringify(response));
  const delays = options.retryDelaysMs ?? [1000, 3000];
  for (let attempt = 0; ; attempt++) {
    try {
      await put(url, body);
      return;
    } catch (error) {
      if (attempt >= delays.length) throw error;
      await new Promise((resolve) => setTimeout(resolve, delays[attempt]));
    }
  }
}

function put(url: string, body: Buffer): Promise<void> {
  const target = new URL(url);
  const request = target.protocol === 'http:' ? http.request : https.request;
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      { method: 'PUT', headers: { 'content-type': '', 'content-length': body.length }, timeout: 30_000 },
      (res) => {
        res.resume();
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve();
          else reject(new Error(`the CloudFormation response URL answered HTTP ${status}`));
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('the CloudFormation response URL did not answer within 30 s')));
    req.on('error', reject);
    req.end(body);
  });
}
