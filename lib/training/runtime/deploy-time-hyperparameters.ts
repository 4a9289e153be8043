import {
  DeployTimeEncoding, formatFloat, hyperparameterNameProblem, hyperparameterValueProblem,
} from '../hyperparameter-wire';

/**
 * Encodes the hyperparameters whose values CloudFormation resolved at deploy time (it cannot JSON-encode a
 * parameter), then re-checks every user hyperparameter: it must decode, the way the SageMaker training toolkit
 * decodes it, to its declared Python type. Throws with the reason otherwise, which fails the deploy.
 *
 * @param values `HyperParameters` as CloudFormation delivered them
 * @param types declared type of each user hyperparameter
 * @param deployTime encoding of each deploy-time hyperparameter
 * @param jobName the training job's name, added as `sagemaker_job_name` as the SageMaker SDK does
 */
export function finalizeHyperparameters(
  values: { [name: string]: string },
  types: { [name: string]: string },
  deployTime: { [name: string]: string },
  jobName: string,
): { [name: string]: string } {
  const out: { [name: string]: string } = { ...values };
  for (const [name, encoding] of Object.entries(deployTime)) {
    if (!(name in values)) throw new Error(`deploy-time hyperparameter '${name}' has no value.`);
    out[name] = encodeDeployTimeValue(name, String(values[name]), encoding, types[name]);
  }
  out.sagemaker_job_name = JSON.stringify(jobName);
  const userNames = Object.keys(types);
  const libraryNames = Object.keys(out).filter((n) => !(n in types));
  const nameProblem = hyperparameterNameProblem(userNames, libraryNames);
  if (nameProblem) throw new Error(nameProblem);
  for (const name of userNames) {
    if (!(name in out)) throw new Error(`hyperparameter '${name}' has a declared type but no value.`);
    const problem = hyperparameterValueProblem(name, out[name], types[name]);
    if (problem) throw new Error(problem);
  }
  return out;
}

/** The JSON text of one deploy-time value, from its CloudFormation form. */
export function encodeDeployTimeValue(name: string, raw: string, encoding: string, declared: string): string {
  const what = `deploy-time hyperparameter '${name}' (declared ${declared})`;
  switch (encoding) {
    case DeployTimeEncoding.NUMBER:
      return encodeNumber(what, raw, declared);
    case DeployTimeEncoding.BOOLEAN:
      if (raw === 'true' || raw === 'false') return raw;
      throw new Error(`${what}: CloudFormation passed ${JSON.stringify(raw)}, which is neither true nor false.`);
    case DeployTimeEncoding.STRING:
      return JSON.stringify(raw);
    case DeployTimeEncoding.COMMA_DELIMITED_STRINGS:
      return JSON.stringify(raw === '' ? [] : raw.split(','));
    case DeployTimeEncoding.COMMA_DELIMITED_NUMBERS:
      return `[${(raw.trim() === '' ? [] : raw.split(',')).map((item, i) => encodeNumber(`${what}, element ${i}`, item, 'number')).join(',')}]`;
    default:
      throw new Error(`${what}: unknown deploy-time encoding '${encoding}'.`);
  }
}

const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

function encodeNumber(what: string, raw: string, declared: string): string {
  const text = raw.trim();
  const value = Number(text);
  if (!JSON_NUMBER.test(text) || !Number.isFinite(value)) {
    throw new Error(`${what}: CloudFormation passed ${JSON.stringify(raw)}, which is not a finite number.`);
  }
  if (declared === 'integer') {
    if (!Number.isSafeInteger(value)) {
      throw new Error(`${what}: CloudFormation passed ${JSON.stringify(raw)}, which is not a whole number; declare the hyperparameter FLOAT or pass a whole number.`);
    }
    return JSON.stringify(value);
  }
  if (declared === 'float') return formatFloat(value);
  return JSON.stringify(value);
}
