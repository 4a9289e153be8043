import { IConstruct } from 'constructs';
import { validationError } from '../common/validation';

/**
 * A metric SageMaker extracts from the training job's logs (CreateTrainingJob `AlgorithmSpecification.MetricDefinitions`,
 * the SDK's `metric_definitions`): every log line the regex matches publishes the first group's number as metric
 * `name` in the `/aws/sagemaker/TrainingJobs` namespace (dimension `TrainingJobName`).
 */
export interface MetricDefinition {
  /** The metric's name, 1-255 characters, e.g. `train:loss`. */
  readonly name: string;
  /** A regex (SageMaker's, Python-like syntax) whose first group captures the value, 1-500 characters, e.g. `loss=([0-9.]+)`. */
  readonly regex: string;
}

/** CreateTrainingJob's limits (botocore MetricDefinitionList max 40, MetricName 1-255, MetricRegex 1-500). */
export const MAX_METRIC_DEFINITIONS = 40;
const MAX_NAME = 255;
const MAX_REGEX = 500;

/**
 * Checks the definitions against SageMaker's limits; names must be unique (one metric each).
 *
 * @param scope the training job they belong to: its path starts the message (the package's entry point exports this
 *   function, so the scope comes last and is optional: a caller outside a construct gets an unscoped error)
 */
export function checkMetricDefinitions(definitions: MetricDefinition[], scope?: IConstruct): void {
  if (definitions.length > MAX_METRIC_DEFINITIONS) {
    throw validationError(`${definitions.length} metricDefinitions: SageMaker takes at most ${MAX_METRIC_DEFINITIONS}.`, scope);
  }
  const seen = new Set<string>();
  for (const { name, regex } of definitions) {
    if (name.length < 1 || name.length > MAX_NAME || name.trim() === '') {
      throw validationError(`metricDefinitions: name '${name}' must be 1 to ${MAX_NAME} characters, not blank.`, scope);
    }
    if (regex.length < 1 || regex.length > MAX_REGEX) {
      throw validationError(`metricDefinitions: the regex of '${name}' must be 1 to ${MAX_REGEX} characters (it has ${regex.length}).`, scope);
    }
    if (seen.has(name)) throw validationError(`metricDefinitions: '${name}' is defined twice; give each metric one regex.`, scope);
    seen.add(name);
  }
}
