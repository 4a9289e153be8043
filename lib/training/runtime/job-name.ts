import * as crypto from 'crypto';
import { failedCreateMarker } from '../../common/runtime/custom-resource';
import { SAGEMAKER_NAME_PATTERN } from '../../common/sagemaker-names';
import { TRAINING_JOB_RESOURCE_TYPE } from '../resource-types';

/** Hex characters of the attempt suffix. */
const ATTEMPT_LENGTH = 12;

/**
 * The name of the training job a custom resource request starts: `<prefix>-<inputs hash>-<attempt>`, where the
 * prefix (ending in '-') carries the hash of the training inputs and the attempt is a hash of the CloudFormation
 * request id. SageMaker never reuses a job name, not even a failed job's, so every new request gets a new name,
 * while a retried delivery of the same request gets the same name and cannot start a second job.
 */
export function trainingJobName(prefix: string, requestId: string): string {
  const attempt = crypto.createHash('sha256').update(requestId).digest('hex').slice(0, ATTEMPT_LENGTH);
  const name = `${prefix}${attempt}`;
  if (!SAGEMAKER_NAME_PATTERN.test(name)) {
    throw new Error(`training job name '${name}' is not a valid SageMaker job name (1-63 letters, digits, inner hyphens).`);
  }
  return name;
}

/** Whether a physical resource id is a job name this library made (not the failed-Create marker, which names no job). */
export function isTrainingJobName(physicalId: string | undefined): physicalId is string {
  return physicalId !== undefined && /^[a-z0-9](-*[a-z0-9])*-[0-9a-f]{16}-[0-9a-f]{12}$/.test(physicalId);
}

/**
 * The physical id a failed Create reports. For the job resource it is the name that request's CreateTrainingJob
 * used (`trainingJobName(prefix, RequestId)`), because the call may have created the job although the handler
 * failed (the deadline fired while the SDK was still retrying, or the answer was lost): the rollback's Delete then
 * describes that name and stops the job if it runs, and finds nothing, a no-op, if it was never created. Any other
 * resource, or a request without a usable prefix, reports the shared failed-Create marker, which no Delete acts on.
 */
export function failedCreatePhysicalId(event: { ResourceType: string; RequestId: string; ResourceProperties?: { [key: string]: unknown } }): string {
  const fallback = failedCreateMarker(event);
  const prefix = event.ResourceProperties?.TrainingJobNamePrefix;
  if (event.ResourceType !== TRAINING_JOB_RESOURCE_TYPE || typeof prefix !== 'string') return fallback;
  try {
    const name = trainingJobName(prefix, event.RequestId);
    return isTrainingJobName(name) ? name : fallback;
  } catch {
    return fallback; // not a valid job name: CreateTrainingJob was never called with it
  }
}
