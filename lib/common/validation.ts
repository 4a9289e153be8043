import { Token } from 'aws-cdk-lib';
import { SAGEMAKER_MAX_NAME_LENGTH, SAGEMAKER_NAME_PATTERN } from './sagemaker-names';

/**
 * Synth-time checks shared by every construct of the library.
 *
 * Each check skips unresolved tokens (their value is known only at deploy time) and throws an `Error` whose
 * message names the offending property, the value, and what to change, so `cdk synth` fails before CloudFormation
 * ever sees the template.
 */

/**
 * Throws unless `name` is a valid SageMaker resource name (`what` says which, e.g. 'endpointName').
 * Tokens pass unchecked.
 */
export function validateSageMakerName(what: string, name: string, pattern: RegExp = SAGEMAKER_NAME_PATTERN): void {
  if (Token.isUnresolved(name)) {
    return;
  }
  if (name.length < 1 || name.length > SAGEMAKER_MAX_NAME_LENGTH) {
    throw new Error(`${what} '${name}' is ${name.length} characters long; SageMaker accepts 1 to ${SAGEMAKER_MAX_NAME_LENGTH}.`);
  }
  if (!pattern.test(name)) {
    throw new Error(
      `${what} '${name}' is not a valid SageMaker name: use only letters, digits and hyphens, ` +
      'starting and ending with a letter or digit.',
    );
  }
}

/** Throws unless `value` is an integer in [min, max]. Tokens pass unchecked. */
export function validateIntegerInRange(what: string, value: number, min: number, max: number, unit = ''): void {
  if (Token.isUnresolved(value)) {
    return;
  }
  const suffix = unit ? ` ${unit}` : '';
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${what} must be a whole number from ${min} to ${max}${suffix}, got ${value}${suffix}.`);
  }
}

/** The pattern of a container environment variable name (API model `EnvironmentKey`). */
export const ENVIRONMENT_KEY_PATTERN = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** `ContainerDefinition.Environment`: "the maximum length of all keys and values in the map, combined, is 32 KB". */
export const MAX_CONTAINER_ENVIRONMENT_BYTES = 32 * 1024;

/**
 * Throws unless `environment` fits SageMaker's `ContainerDefinition.Environment`: at most 100 entries, keys that
 * match `[a-zA-Z_][a-zA-Z0-9_]*`, keys and values up to 1024 characters, all keys and values together at most
 * 32 KB (tokens are counted when they resolve, at deploy time, so only literal entries count here).
 */
export function validateContainerEnvironment(what: string, environment: { [key: string]: string }): void {
  const keys = Object.keys(environment);
  if (keys.length > 100) {
    throw new Error(`${what} has ${keys.length} variables; SageMaker accepts at most 100 per container.`);
  }
  for (const key of keys) {
    if (Token.isUnresolved(key)) {
      continue;
    }
    if (!ENVIRONMENT_KEY_PATTERN.test(key) || key.length > 1024) {
      throw new Error(
        `${what} variable name '${key}' is invalid: use letters, digits and underscores, not starting with a digit, ` +
        'up to 1024 characters.',
      );
    }
    const value = environment[key];
    if (!Token.isUnresolved(value) && value.length > 1024) {
      throw new Error(`${what} variable '${key}' is ${value.length} characters long; SageMaker accepts at most 1024.`);
    }
  }
  const literalBytes = keys
    .filter((key) => !Token.isUnresolved(key) && !Token.isUnresolved(environment[key]))
    .reduce((total, key) => total + Buffer.byteLength(key) + Buffer.byteLength(environment[key]), 0);
  if (literalBytes > MAX_CONTAINER_ENVIRONMENT_BYTES) {
    throw new Error(
      `${what} holds ${literalBytes} bytes of names and values; SageMaker accepts at most ${MAX_CONTAINER_ENVIRONMENT_BYTES} ` +
      'in all. Move large settings into a file in code/ (read by inference.py) instead of the environment.',
    );
  }
}
