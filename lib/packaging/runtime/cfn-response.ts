import { oneLine, putOnce } from '../../common/runtime/presigned-put';

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

export interface SendOptions {
  /** Waits between attempts; one attempt more than delays. @default [1000, 3000] */
  readonly retryDelaysMs?: readonly number[];
}

/** PUTs the response to the presigned URL, retrying any failure after each of the delays. */
export async function sendResponse(url: string, response: CustomResourceResponse, options: SendOptions = {}): Promise<void> {
  const body = Buffer.from(JSON.stringify(response));
  const delays = options.retryDelaysMs ?? [1000, 3000];
  for (let attempt = 0; ; attempt++) {
    try {
      const status = await putOnce(url, body, 30_000);
      if (status < 200 || status >= 300) throw new Error(`the CloudFormation response URL answered HTTP ${status}`);
      return;
    } catch (error) {
      if (attempt >= delays.length) throw error;
      await new Promise((resolve) => setTimeout(resolve, delays[attempt]));
    }
  }
}
