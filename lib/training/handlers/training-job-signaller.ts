// Lambda shell that signals a training job's wait condition: EventBridge invokes it with the wait condition
// handle's URL and the detail of a "SageMaker Training Job State Change" event (see ../runtime/signal.ts).
import { PresignedPutError, putToPresignedUrl } from '../../common/runtime/presigned-put';
import { TrainingJobStateDetail, signalForStateChange } from '../runtime/signal';

/**
 * Short in-function retries: EventBridge retries a failed invocation itself (20 attempts over two hours, set by the
 * construct), so the function need not wait long.
 */
const SIGNAL_RETRY = { attempts: 4, baseDelayMs: 200 };

export interface SignalEvent {
  readonly waitHandleUrl: string;
  readonly detail: TrainingJobStateDetail;
}

export async function handler(event: SignalEvent): Promise<void> {
  const signal = signalForStateChange(event.detail);
  console.log(JSON.stringify({ job: event.detail.TrainingJobName, status: event.detail.TrainingJobStatus, signal: signal?.Status ?? 'none' }));
  if (!signal) return;
  try {
    await putToPresignedUrl(event.waitHandleUrl, JSON.stringify(signal), SIGNAL_RETRY);
  } catch (error) {
    if (error instanceof PresignedPutError && error.statusCode < 500) {
      // The handle is gone or expired (e.g. a job stopped by a rollback that already deleted its wait condition):
      // retrying cannot help, so do not make EventBridge retry for two hours.
      console.warn(`wait condition handle refused the signal (HTTP ${error.statusCode}); nothing waits for job ${event.detail.TrainingJobName}`);
      return;
    }
    throw error; // network errors and 5xx: EventBridge retries the invocation
  }
}
