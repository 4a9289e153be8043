// Lambda shell that signals a training job's wait condition: EventBridge invokes it with the wait condition
// handle's URL and the detail of a "SageMaker Training Job State Change" event (see ../runtime/signal.ts).
import { putToPresignedUrl } from '../runtime/cfn-response';
import { TrainingJobStateDetail, signalForStateChange } from '../runtime/signal';

export interface SignalEvent {
  readonly waitHandleUrl: string;
  readonly detail: TrainingJobStateDetail;
}

export async function handler(event: SignalEvent): Promise<void> {
  const signal = signalForStateChange(event.detail);
  console.log(JSON.stringify({ job: event.detail.TrainingJobName, status: event.detail.TrainingJobStatus, signal: signal?.Status ?? 'none' }));
  if (signal) {
    // A failed PUT throws: EventBridge retries the invocation.
    await putToPresignedUrl(event.waitHandleUrl, JSON.stringify(signal));
  }
}
