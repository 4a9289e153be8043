/**
 * Lambda shell of the code-injection custom resource: builds the S3 client and the time budget, and runs the pure
 * logic (runtime/inject-code-event.ts) with the engine; the shared custom-resource runtime answers CloudFormation.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { CustomResourceEvent, lambdaLogHint } from '../../common/runtime/custom-resource';
import { LambdaTimeBudget, workBudgetMs } from '../../common/runtime/deadline';
import { injectCode } from '../engine';
import { respondToEvent } from '../runtime/inject-code-event';
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

interface LambdaContext extends LambdaTimeBudget {
  /** The function's memory setting, which sets its vCPUs (and so how fast scan and stream run). */
  readonly memoryLimitInMB?: string | number;
  readonly logGroupName?: string;
  readonly logStreamName?: string;
}

export async function handler(event: CustomResourceEvent, context: LambdaContext): Promise<void> {
  console.log(JSON.stringify({ RequestType: event.RequestType, LogicalResourceId: event.LogicalResourceId, PhysicalResourceId: event.PhysicalResourceId, ResourceProperties: event.ResourceProperties }));
  await respondToEvent(event, {
    ops: sdkS3Operations(client),
    injectCode,
    timeoutMs: workBudgetMs(context, SAFETY_MARGIN_MS),
    // Room for a failure to wait for the copies S3 is running (15 s at most) and to abort and delete what it wrote.
    cleanupGraceMs: 25_000,
    logHint: lambdaLogHint(context),
    memoryMiB: memoryOf(context),
    log: (message) => console.log(message),
  });
}

/** The memory the construct gave the function: Lambda's context, else the variable the Node.js runtime sets. */
function memoryOf(context: LambdaContext): number | undefined {
  const value = Number(context.memoryLimitInMB ?? process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}
