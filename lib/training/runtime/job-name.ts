import * as crypto from 'crypto';

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
  if (!/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/.test(name)) {
    throw new Error(`training job name '${name}' is not a valid SageMaker job name (1-63 letters, digits, inner hyphens).`);
  }
  return name;
}

/** Whether a physical resource id is a job name this library made (a failed create reports something else). */
export function isTrainingJobName(physicalId: string | undefined): physicalId is string {
  return physicalId !== undefined && /^[a-z0-9](-*[a-z0-9])*-[0-9a-f]{16}-[0-9a-f]{12}$/.test(physicalId);
}
