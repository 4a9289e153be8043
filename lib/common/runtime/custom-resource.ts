import { DeadlineOptions, runWithDeadline } from './deadline';
import { oneLine, putToPresignedUrl, PutRetryOptions } from './presigned-put';

// The one custom-resource runtime of the library: the request CloudFormation sends, the answer it expects, the
// physical id of a failed Create, and the flow every handler follows (do the work under a deadline, turn any failure
// into FAILED with a one-line reason, PUT the answer). Runtime code: bundled into the handlers, not compiled by jsii.

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
  /** CloudFormation delivers every scalar as a string. */
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

/** What a handler's work reports for a request that succeeded. */
export interface CustomResourceOutcome {
  readonly physicalResourceId: string;
  readonly data?: Record<string, string>;
}

const FAILED_CREATE_PREFIX = 'failed-create:';

/**
 * The physical id of a Create that failed before it made anything: a marker that is neither an S3 URI nor a
 * SageMaker name, so the Delete CloudFormation sends next (on rollback) recognizes it and removes nothing.
 */
export function failedCreateMarker(event: Pick<CustomResourceEvent, 'RequestId'>): string {
  return `${FAILED_CREATE_PREFIX}${event.RequestId}`;
}

/** Whether a physical id is the marker of a failed Create. */
export function isFailedCreateMarker(physicalResourceId: string | undefined): boolean {
  return physicalResourceId?.startsWith(FAILED_CREATE_PREFIX) ?? false;
}

export function successResponse(event: CustomResourceEvent, outcome: CustomResourceOutcome): CustomResourceResponse {
  return {
    Status: 'SUCCESS',
    PhysicalResourceId: outcome.physicalResourceId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    NoEcho: false,
    Data: outcome.data ?? {},
  };
}

/** How a FAILED answer is made. */
export interface FailureOptions {
  /** Where to read the details (e.g. the log group and stream), appended to the reason. */
  readonly logHint?: string;
  /**
   * The physical id of a failed Create, when the resource may have made something that the rollback's Delete must
   * find (a training job started by a call that then failed).
   * @default failedCreateMarker
   */
  readonly failedCreatePhysicalId?: (event: CustomResourceEvent) => string;
}

/**
 * A FAILED answer with a one-line reason. The physical id stays what CloudFormation knows (for Update and Delete);
 * for a failed Create it is the marker, or what `failedCreatePhysicalId` says.
 */
export function failedResponse(event: CustomResourceEvent, error: unknown, options: FailureOptions = {}): CustomResourceResponse {
  const message = error instanceof Error ? error.message : String(error);
  return {
    Status: 'FAILED',
    Reason: oneLine(options.logHint ? `${message} (log: ${options.logHint})` : message),
    PhysicalResourceId: event.PhysicalResourceId ?? (options.failedCreatePhysicalId ?? failedCreateMarker)(event),
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    NoEcho: false,
  };
}

/** Where a Lambda invocation logs (`<group> <stream>`), for the FAILED reason; undefined when unknown. */
export function lambdaLogHint(context: { readonly logGroupName?: string; readonly logStreamName?: string }): string | undefined {
  const hint = [context.logGroupName, context.logStreamName].filter(Boolean).join(' ');
  return hint || undefined;
}

/** PUTs an answer to the request's presigned ResponseURL (with the shared retry policy). */
export async function sendResponse(url: string, response: CustomResourceResponse, retry: PutRetryOptions = {}): Promise<void> {
  await putToPresignedUrl(url, JSON.stringify(response), retry);
}

/** How `answerCustomResource` runs a handler's work. */
export interface AnswerOptions extends FailureOptions, Omit<DeadlineOptions, 'timeoutError'> {
  /** The error of work that runs past `timeoutMs`, from the budget in whole seconds. */
  readonly timeoutError?: (seconds: number) => Error;
  readonly log?: (message: string) => void;
}

/**
 * Runs a handler's work for one request under the deadline and makes CloudFormation's answer. Never throws: every
 * failure, the deadline included, becomes FAILED with a one-line reason.
 */
export async function answerCustomResource(
  event: CustomResourceEvent,
  work: (signal: AbortSignal) => Promise<CustomResourceOutcome>,
  options: AnswerOptions = {},
): Promise<CustomResourceResponse> {
  try {
    const outcome = await runWithDeadline(work, {
      timeoutMs: options.timeoutMs,
      graceMs: options.graceMs,
      timeoutError: options.timeoutError ?? ((seconds) => new Error(`the custom resource did not finish within ${seconds} s, its time budget`)),
    });
    return successResponse(event, outcome);
  } catch (error) {
    options.log?.(`FAILED: ${(error as Error)?.stack ?? String(error)}`);
    return failedResponse(event, error, options);
  }
}

/**
 * `answerCustomResource`, then the answer PUT to the ResponseURL. Rejects only when the answer cannot be delivered
 * (Lambda's retry of the asynchronous invocation then runs the request again; handlers are idempotent).
 */
export async function respondToCustomResource(
  event: CustomResourceEvent,
  work: (signal: AbortSignal) => Promise<CustomResourceOutcome>,
  options: AnswerOptions & { readonly retry?: PutRetryOptions } = {},
): Promise<CustomResourceResponse> {
  const response = await answerCustomResource(event, work, options);
  options.log?.(`answering ${response.Status}${response.Reason ? `: ${response.Reason}` : ''} (${response.PhysicalResourceId})`);
  await sendResponse(event.ResponseURL, response, options.retry);
  return response;
}
