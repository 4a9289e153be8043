import { oneLine } from '../../common/runtime/presigned-put';

/** The body of a wait condition signal. */
export interface WaitConditionSignal {
  readonly Status: 'SUCCESS' | 'FAILURE';
  readonly Reason: string;
  readonly UniqueId: string;
  readonly Data: string;
}

/** The fields of a "SageMaker Training Job State Change" event's detail the signaller reads. */
export interface TrainingJobStateDetail {
  readonly TrainingJobName?: string;
  readonly TrainingJobStatus?: string;
  readonly SecondaryStatus?: string;
  readonly FailureReason?: string;
  readonly ModelArtifacts?: { readonly S3ModelArtifacts?: string };
}

/** Wait condition signal data is shown in the stack's outputs of Fn::GetAtt Data: keep it short. */
const MAX_TEXT = 1000;

/**
 * The signal for a training job state change, or undefined while the job is still running (InProgress,
 * Stopping). Completed is a success; Failed and Stopped are failures carrying the job's reason, so the deploy
 * fails at once with it (a stopped job did not produce the model the stack needs).
 */
export function signalForStateChange(detail: TrainingJobStateDetail): WaitConditionSignal | undefined {
  const name = detail.TrainingJobName ?? 'unknown';
  const secondary = detail.SecondaryStatus ? ` (${detail.SecondaryStatus})` : '';
  switch (detail.TrainingJobStatus) {
    case 'Completed':
      return {
        Status: 'SUCCESS',
        Reason: `Training job ${name} completed`,
        UniqueId: name,
        Data: detail.ModelArtifacts?.S3ModelArtifacts ?? '',
      };
    case 'Failed': {
      const reason = oneLine(`Training job ${name} failed${secondary}: ${detail.FailureReason ?? 'SageMaker gave no FailureReason'}`, MAX_TEXT);
      return { Status: 'FAILURE', Reason: reason, UniqueId: name, Data: reason };
    }
    case 'Stopped': {
      const why = detail.FailureReason ? `: ${detail.FailureReason}` : ' before completing (StopTrainingJob, or MaxRuntime/MaxWaitTime reached)';
      const reason = oneLine(`Training job ${name} was stopped${secondary}${why}`, MAX_TEXT);
      return { Status: 'FAILURE', Reason: reason, UniqueId: name, Data: reason };
    }
    default:
      return undefined;
  }
}
