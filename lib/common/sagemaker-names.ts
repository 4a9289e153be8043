// SageMaker's name grammar, without imports: the construct checks (validation.ts) and the bundled training
// handler (which names the jobs it starts) use the same rule.

/**
 * SageMaker's pattern for endpoint, endpoint-config, variant and training-job names (API model
 * `EndpointName`/`TrainingJobName`): alphanumerics and hyphens, not starting or ending with a hyphen.
 */
export const SAGEMAKER_NAME_PATTERN = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

/** SageMaker's pattern for model names (`ModelName`): like the others, and never a trailing hyphen. */
export const SAGEMAKER_MODEL_NAME_PATTERN = /^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/;

/** The longest name SageMaker accepts for a job, model, endpoint config or endpoint. */
export const SAGEMAKER_MAX_NAME_LENGTH = 63;
