// The SageMaker wire format of hyperparameters, shared by the construct (synth time) and the custom resource
// handler (deploy time). No aws-cdk-lib import here: the handler bundle includes this file.

/** CreateTrainingJob accepts at most 100 hyperparameters, the library's `sagemaker_*` keys included. */
export const MAX_HYPERPARAMETERS = 100;
/** Longest hyperparameter name the API accepts. */
export const MAX_HYPERPARAMETER_NAME_LENGTH = 256;
/** Longest hyperparameter value the API accepts (the `HyperParameterValue` shape; the doc text's 256 is stale). */
export const MAX_HYPERPARAMETER_VALUE_LENGTH = 2500;
/**
 * The names the SageMaker training toolkit can deliver intact: it passes each hyperparameter as `--<name> <value>`
 * on a command line that it joins with spaces and runs through `/bin/sh` (sagemaker-training-toolkit `process.py`,
 * `run_async`: `" ".join(cmd)` then `asyncio.create_subprocess_shell`), and as the environment variable
 * `SM_HP_<NAME>` (`mapping.to_env_vars`). A space, `=`, a quote or a shell metacharacter breaks the command line; a
 * leading `-` makes `---name`. `-` and `.` are accepted (`--learning-rate` is common): such a name arrives on the
 * command line and in `SM_HPS`, but a POSIX shell such as dash drops `SM_HP_LEARNING-RATE` from the environment.
 */
export const HYPERPARAMETER_NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** Keys with this prefix configure the SageMaker training toolkit and never reach the script as hyperparameters. */
export const RESERVED_PREFIX = 'sagemaker_';

/**
 * What the SageMaker training toolkit does to each value (`environment.read_hyperparameters`): `json.loads`,
 * keeping the raw string when that fails. JSON.parse accepts the same documents as Python's json.loads for the
 * values we write (Python also takes NaN/Infinity, which we never write).
 */
export function toolkitDecode(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/**
 * The Python type the training script receives for an encoded value: Python's json.loads gives an `int` for a
 * number without fraction or exponent and a `float` otherwise, which JSON.parse cannot tell apart, so numbers
 * are classified from their text.
 */
export function pythonTypeOf(encoded: string): string {
  const decoded = toolkitDecode(encoded);
  if (decoded === null) return 'NoneType';
  if (Array.isArray(decoded)) return 'list';
  switch (typeof decoded) {
    case 'boolean': return 'bool';
    case 'number': return /[.eE]/.test(encoded) ? 'float' : 'int';
    case 'string': return 'str';
    default: return 'dict';
  }
}

/** The Python type each declared hyperparameter type must arrive as. */
export const PYTHON_TYPE_OF_DECLARED: { readonly [type: string]: string } = {
  integer: 'int',
  float: 'float',
  boolean: 'bool',
  string: 'str',
  list: 'list',
  map: 'dict',
};

/**
 * The JSON text of a float that Python decodes as a `float`: `5` is written `5.0`, like Python's json.dumps(5.0).
 * JavaScript's exponent form (`1e-7`, `1e+21`) is valid JSON and already decodes to a float.
 */
export function formatFloat(value: number): string {
  const text = JSON.stringify(value);
  return /[.eE]/.test(text) ? text : `${text}.0`;
}

/** A problem with the set of names, or undefined. Checked at synth and again by the handler. */
export function hyperparameterNameProblem(userNames: string[], libraryNames: string[]): string | undefined {
  const total = userNames.length + libraryNames.length;
  if (total > MAX_HYPERPARAMETERS) {
    return `${total} hyperparameters (${userNames.length} declared + ${libraryNames.length} sagemaker_* keys the library adds) exceed SageMaker's limit of ${MAX_HYPERPARAMETERS}: declare at most ${MAX_HYPERPARAMETERS - libraryNames.length}, or group related values in a Hyperparameter.map().`;
  }
  // The toolkit exposes each value as SM_HP_<NAME.upper()>: names that differ only by case would collide there.
  const seen = new Map<string, string>();
  for (const name of userNames) {
    if (name.length === 0) return 'a hyperparameter name is empty: give every hyperparameter a name.';
    if (name.length > MAX_HYPERPARAMETER_NAME_LENGTH) {
      return `hyperparameter name '${name.slice(0, 40)}...' has ${name.length} characters: SageMaker accepts at most ${MAX_HYPERPARAMETER_NAME_LENGTH}.`;
    }
    if (!HYPERPARAMETER_NAME_PATTERN.test(name)) {
      const suggestion = name.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^[.-]+/, '');
      return `hyperparameter name ${JSON.stringify(name)} cannot reach the training script intact: the SageMaker training toolkit ` +
        `passes it as '--${name}' on a command line that it runs through /bin/sh, and as the environment variable SM_HP_${name.toUpperCase()}. ` +
        `Use letters, digits, '_', '-' and '.' only, not starting with '-' or '.'${suggestion ? ` (e.g. '${suggestion}')` : ''}.`;
    }
    if (name.startsWith(RESERVED_PREFIX)) {
      return `hyperparameter '${name}' starts with '${RESERVED_PREFIX}', which the SageMaker training toolkit reserves for its own settings (the script would never see it): rename it.`;
    }
    const upper = name.toUpperCase();
    const other = seen.get(upper);
    if (other !== undefined) {
      return `hyperparameters '${other}' and '${name}' differ only by case: both would arrive as the environment variable SM_HP_${upper}; rename one.`;
    }
    seen.set(upper, name);
  }
  return undefined;
}

/** A problem with one encoded value, or undefined. */
export function hyperparameterValueProblem(name: string, encoded: string, type: string): string | undefined {
  if (encoded.length > MAX_HYPERPARAMETER_VALUE_LENGTH) {
    return `hyperparameter '${name}' encodes to ${encoded.length} characters: SageMaker accepts at most ${MAX_HYPERPARAMETER_VALUE_LENGTH}; pass large values as an input channel instead.`;
  }
  const expected = PYTHON_TYPE_OF_DECLARED[type];
  const actual = pythonTypeOf(encoded);
  if (expected === undefined || actual !== expected) {
    return `hyperparameter '${name}' is declared ${type} but its value ${JSON.stringify(encoded.slice(0, 80))} would reach the training script as a Python ${actual}${expected ? `, not ${expected}` : ''}.`;
  }
  return undefined;
}

/**
 * How the custom resource handler turns a value that is only known at deploy time into its JSON encoding.
 *
 * CloudFormation cannot JSON-encode a parameter, so such values travel raw and the handler encodes them.
 * (Not exported from the package: only the construct and the handler use it.)
 */
export enum DeployTimeEncoding {
  /** A CloudFormation `Number` parameter (or a numeric token). */
  NUMBER = 'number',
  /** A `String` parameter restricted to `true` / `false`. */
  BOOLEAN = 'boolean',
  /** Any string: JSON-quoted by the handler. */
  STRING = 'string',
  /** A `CommaDelimitedList` parameter, joined with commas: a list of strings. */
  COMMA_DELIMITED_STRINGS = 'comma-delimited-strings',
  /** A `List<Number>` parameter, joined with commas: a list of numbers. */
  COMMA_DELIMITED_NUMBERS = 'comma-delimited-numbers',
}
