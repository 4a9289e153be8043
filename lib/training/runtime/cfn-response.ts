import { oneLine, putOnce } from '../../common/runtime/presigned-put';
import { failedCreatePhysicalId } from './job-name';
import type { CustomResourceEvent, CustomResourceOutcome } from './lifecycle';

/** The body of the response to a custom resource request, for a success (outcome) or a failure (error). */
export function buildResponseBody(event: CustomResourceEvent, result: { outcome: CustomResourceOutcome } | { error: Error }, logStream?: string): string {
  const common = {
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
  };
  if ('outcome' in result) {
    return JSON.stringify({
      ...common,
      Status: 'SUCCESS',
      Reason: 'OK',
      PhysicalResourceId: result.outcome.physicalResourceId,
      Data: result.outcome.data ?? {},
    });
  }
  const where = logStream ? ` (log stream ${logStream})` : '';
  return JSON.stringify({
    ...common,
    Status: 'FAILED',
    Reason: oneLine(`${result.error.message}${where}`),
    // A failed Update or Delete keeps its id. A failed Create of the job resource reports the name its
    // CreateTrainingJob used: the call may have started the job, and the rollback's Delete must stop it.
    PhysicalResourceId: event.PhysicalResourceId ?? failedCreatePhysicalId(event),
  });
}

/**
 * PUTs a body to a presigned URL (a custom resource response URL or a wait condition handle) the way
 * CloudFormation expects it: no content type. Retries network errors and 5xx answers a few times.
 */
export async function putToPresignedUrl(url: string, body: string, attempts = 4): Promise<void> {
  let lastError: Error | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const status = await putOnce(url, body, 20_000);
      if (status >= 200 && status < 300) return;
      lastError = Object.assign(new Error(`PUT to the presigned URL answered HTTP ${status}`), { statusCode: status });
      if (status < 500) break;
    } catch (error) {
      lastError = error as Error;
    }
  }
  throw lastError ?? new Error('PUT to the presigned URL failed');
}
