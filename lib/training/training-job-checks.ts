import { IConstruct } from 'constructs';
import * as fs from 'fs';
import * as path from 'path';
import { Duration, Token } from 'aws-cdk-lib';
import { requirementsFileNamesPackages } from '../common/requirements-file';
import { ValidationError } from '../common/validation';
import { TrainingJobProps } from './training-job-props';

// Synth-time checks of TrainingJob props, each with a message that says what to change.

/** Longest wait a CloudFormation wait condition allows. */
const MAX_COMPLETION_TIMEOUT = Duration.hours(12);
/** SageMaker's ceiling for MaxRuntimeInSeconds and MaxWaitTimeInSeconds. */
const MAX_JOB_RUNTIME = Duration.days(28);
/** Time left between the end of the job's allowed runtime and the wait condition's timeout (start-up, upload). */
export const COMPLETION_MARGIN = Duration.minutes(30);
/** The channel that carries the source archive under network isolation (the SDK's name). */
export const CODE_CHANNEL = 'code';
/** Longest user prefix of a job name `<prefix>-<16-character hash>-<12-character attempt>` (SageMaker allows 63). */
export const MAX_PREFIX_LENGTH = 30;

/** The job's timing: how long the deploy waits, how long the job may run (and wait for spot capacity). */
export interface JobTiming {
  readonly completionTimeout: Duration;
  readonly maxRuntime: Duration;
  readonly maxWaitTime?: Duration;
}

export function resolveTiming(scope: IConstruct, props: TrainingJobProps): JobTiming {
  const completionTimeout = props.completionTimeout ?? Duration.hours(4);
  if (completionTimeout.toSeconds() > MAX_COMPLETION_TIMEOUT.toSeconds() || completionTimeout.toSeconds() <= COMPLETION_MARGIN.toSeconds()) {
    throw new ValidationError(`completionTimeout must be more than 30 minutes and at most 12 hours (a CloudFormation wait condition's limit); got ${completionTimeout.toHumanString()}.`, scope);
  }
  const room = Duration.seconds(completionTimeout.toSeconds() - COMPLETION_MARGIN.toSeconds());
  if (props.maxWaitTime && !props.spotInstances) {
    throw new ValidationError('maxWaitTime applies to spot instances only: set spotInstances: true, or remove maxWaitTime.', scope);
  }
  const maxRuntime = props.maxRuntime ?? (props.spotInstances ? (props.maxWaitTime ?? room) : room);
  const maxWaitTime = props.spotInstances ? (props.maxWaitTime ?? (maxRuntime.toSeconds() > room.toSeconds() ? maxRuntime : room)) : undefined;
  if (maxRuntime.toSeconds() < 1 || maxRuntime.toSeconds() > MAX_JOB_RUNTIME.toSeconds()) {
    throw new ValidationError(`maxRuntime must be between 1 second and 28 days; got ${maxRuntime.toHumanString()}.`, scope);
  }
  if (maxWaitTime && maxWaitTime.toSeconds() < maxRuntime.toSeconds()) {
    throw new ValidationError(`maxWaitTime (${maxWaitTime.toHumanString()}) must be at least maxRuntime (${maxRuntime.toHumanString()}): it counts the wait for spot capacity plus the run.`, scope);
  }
  const longest = maxWaitTime ?? maxRuntime;
  if (longest.toSeconds() > completionTimeout.toSeconds()) {
    throw new ValidationError(`The job may run for ${longest.toHumanString()} (${maxWaitTime ? 'maxWaitTime' : 'maxRuntime'}) but the deploy waits only ${completionTimeout.toHumanString()} (completionTimeout): lower the first or raise completionTimeout (at most 12 hours).`, scope);
  }
  return { completionTimeout, maxRuntime, maxWaitTime };
}

export function checkSourceDirectory(scope: IConstruct, directory: string, entryPoint: string): void {
  if (!fs.existsSync(directory) || !fs.statSync(directory).isDirectory()) {
    throw new ValidationError(`sourceDirectory '${directory}' is not a directory: give the local folder that holds the training script.`, scope);
  }
  if (path.isAbsolute(entryPoint) || entryPoint.split(/[\\/]/).includes('..')) {
    throw new ValidationError(`entryPoint '${entryPoint}' must be a path relative to sourceDirectory, inside it.`, scope);
  }
  const script = path.join(directory, entryPoint);
  if (!fs.existsSync(script) || !fs.statSync(script).isFile()) {
    throw new ValidationError(`entryPoint '${entryPoint}' does not exist in sourceDirectory '${directory}': add the script or set entryPoint to the right file.`, scope);
  }
}

export function checkJobNamePrefix(scope: IConstruct, prefix: string): void {
  if (prefix.length < 1 || prefix.length > MAX_PREFIX_LENGTH || !/^[a-z0-9](-*[a-z0-9])*$/.test(prefix)) {
    throw new ValidationError(`jobNamePrefix '${prefix}' must be 1 to ${MAX_PREFIX_LENGTH} lower case letters, digits and inner hyphens: the job name '<prefix>-<16-character hash>-<12-character attempt>' must fit SageMaker's 63 characters.`, scope);
  }
}

export function checkEnvironment(scope: IConstruct, environment: { [name: string]: string }): void {
  const names = Object.keys(environment);
  if (names.length > 100) throw new ValidationError(`A training job takes at most 100 environment variables (got ${names.length}).`, scope);
  for (const name of names) {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]{0,511}$/.test(name)) {
      throw new ValidationError(`Environment variable name '${name}' is invalid: use letters, digits and '_', not starting with a digit, at most 512 characters.`, scope);
    }
    const value = environment[name];
    if (!Token.isUnresolved(value) && value.length > 512) {
      throw new ValidationError(`Environment variable '${name}' has ${value.length} characters: SageMaker accepts at most 512.`, scope);
    }
  }
}

export function checkTags(scope: IConstruct, tags: { [key: string]: string }): void {
  const keys = Object.keys(tags);
  if (keys.length > 50) throw new ValidationError(`A training job takes at most 50 tags (got ${keys.length}).`, scope);
  for (const key of keys) {
    if (key.length < 1 || key.length > 128 || key.startsWith('aws:')) {
      throw new ValidationError(`Tag key '${key}' is invalid: 1 to 128 characters, not starting with 'aws:'.`, scope);
    }
    if (!Token.isUnresolved(tags[key]) && tags[key].length > 256) {
      throw new ValidationError(`Tag '${key}' has a value of ${tags[key].length} characters: at most 256.`, scope);
    }
  }
}

export function checkChannels(scope: IConstruct, names: string[], networkIsolation: boolean): void {
  const total = names.length + (networkIsolation ? 1 : 0);
  if (total > 20) throw new ValidationError(`A training job takes at most 20 input channels (got ${total}).`, scope);
  for (const name of names) {
    if (!/^[A-Za-z0-9.\-_]{1,64}$/.test(name)) {
      throw new ValidationError(`Input channel name '${name}' is invalid: 1 to 64 letters, digits, '.', '-' or '_'.`, scope);
    }
    if (networkIsolation && name === CODE_CHANNEL) {
      throw new ValidationError(`Input channel name '${CODE_CHANNEL}' is reserved under network isolation: the source archive travels in it. Rename the channel.`, scope);
    }
  }
}

/**
 * The S3 key prefix a prop names, without leading or trailing slashes. The construct writes it as
 * `s3://<bucket>/<prefix>` for SageMaker and grants `<prefix>/*`: a prefix that is empty after trimming (`''`, `'/'`)
 * would make the grant `<bucket>//*` while SageMaker writes `<bucket>/<job>/...`, denied only after the training
 * ran; `//` or a `.`/`..` segment gives keys that a grant and a URI spell differently, and `*` or `?` would widen the
 * grant (IAM wildcards). A deploy-time token cannot be checked and is trimmed only.
 */
export function checkKeyPrefix(scope: IConstruct, propName: string, value: string, example: string): string {
  if (Token.isUnresolved(value)) return trimSlashes(value);
  const trimmed = trimSlashes(value);
  const problem = trimmed === '' ? 'is empty once its leading and trailing slashes are removed'
    : trimmed.includes('//') ? "contains '//'"
      : trimmed.includes('..') ? "contains '..'"
        : /[*?]/.test(trimmed) ? "contains '*' or '?', which IAM reads as wildcards in the grant"
          : undefined;
  if (problem) {
    throw new ValidationError(`${propName} '${value}' ${problem}: give an S3 key prefix such as '${example}' (segments separated by single slashes), which the job's S3 URI and its IAM grant both use.`, scope);
  }
  return trimmed;
}

function trimSlashes(value: string): string {
  return value.replace(/^\/+|\/+$/g, '');
}

/**
 * Under network isolation the training toolkit still pip-installs `<sourceDirectory>/requirements.txt` before the
 * script runs (sagemaker-training-toolkit `entry_point.install`), and that install fails without network, after the
 * instances started: refuse it at synth.
 */
export function checkIsolatedRequirements(scope: IConstruct, directory: string, networkIsolation: boolean): void {
  const requirements = path.join(directory, 'requirements.txt');
  if (networkIsolation && requirementsFileNamesPackages(requirements)) {
    throw new ValidationError(`enableNetworkIsolation is on, but ${requirements} names packages: the training toolkit pip-installs them before the script runs, which fails without network access. Vendor the packages into the source directory (pip install --target ${directory} -r requirements.txt) or into a custom image, and empty requirements.txt (or keep only comments); or turn enableNetworkIsolation off.`, scope);
  }
}
