/**
 * Lambda shell of the code-injection custom resource: builds the S3 client and the deadline, runs the pure
 * logic (runtime/inject-code-event.ts) with the engine, and PUTs the answer to CloudFormation's presigned URL.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { injectCode } from '../engine';
import { respondToEvent } from '../runtime/inject-code-event';
import { CustomResourceEvent } from '../runtime/cfn-response';
import { sdkS3Operations } from '../runtime/s3-operations';

/** Time kept back from the Lambda timeout to abort the upload and answer FAILED. */
const SAFETY_MARGIN_MS = 30_000;

const client = new S3Client({
  // Checksums of buffered parts are sent as Content-MD5 by the runtime; streamed copy-through parts rely on TLS.
  // (The default, CRC32 with aws-chunked encoding for streams, is not understood by every S3-compatible store.)
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
  maxAttempts: 5,
});

interface LambdaContext {
  getRemainingTimeInMillis(): number;
  readonly logGroupName?: string;
  readonly logStreamName?: string;
}

export async function handler(event: CustomResourceEvent, context: LambdaContext): Promise<void> {
  console.log(JSON.stringify({ RequestType: event.RequestType, LogicalResourceId: event.LogicalResourceId, PhysicalResourceId: event.PhysicalResourceId, ResourceProperties: event.ResourceProperties }));
  await respondToEvent(event, {
    ops: sdkS3Operations(client),
    injectCode,
    timeoutMs: Math.max(1_000, context.getRemainingTimeInMillis() - SAFETY_MARGIN_MS),
    logHint: context.logStreamName ? `${context.logGroupName} ${context.logStreamName}` : undefined,
    log: (message) => console.log(message),
  });
}
