import { Duration, Size, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { SAGEMAKER_MAX_NAME_LENGTH, SAGEMAKER_NAME_PATTERN } from './sagemaker-names';

/**
 * Synth-time checks shared by every construct of the library.
 *
 * One rule for deploy-time values: a check skips a value that is an unresolved token (it is known only at deploy
 * time; CloudFormation or the service checks it then), and checks every literal. `isLiteral` is that rule. A check
 * throws a `ValidationError` whose message names the construct, the offending property, the value and what to
 * change, so `cdk synth` fails before CloudFormation ever sees the template; called by a static factory (no
 * construct yet, no `scope`), it throws an `UnscopedValidationError` whose message names the call instead.
 */

/**
 * An error in what a construct was given, raised at synth time while the construct is built or bound. The message
 * starts with the construct's path (`MyStack/Classifier/Endpoint: instanceCount must be ...`), so that with several
 * endpoints in one stack the user finds which one is meant. The library's small equivalent of aws-cdk-lib's internal
 * `ValidationError(message, scope)`: the scope is required, so a construct cannot raise one that names nothing.
 */
export class ValidationError extends Error {
  constructor(message: string, scope: IConstruct) {
    super(`${scope.node.path}: ${message}`);
    this.name = 'ValidationError';
    Object.setPrototypeOf(this, ValidationError.prototype);
  }
}

/**
 * An error in an argument of a static factory (`InstanceType.of`, `Hyperparameter.integer`, `ModelData.fromS3Uri`,
 * ...), which runs before any construct exists: there is no path to name, so the message names the call instead.
 * The equivalent of aws-cdk-lib's internal `UnscopedValidationError`; like it, it presents itself to users as a
 * `ValidationError` (its `name`). Errors of a construct being built or bound are `ValidationError`s with its scope.
 */
export class UnscopedValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValidationError';
    Object.setPrototypeOf(this, UnscopedValidationError.prototype);
  }
}

/**
 * The error of a check shared by constructs and factories: a `ValidationError` naming `scope` when a construct
 * calls it, an `UnscopedValidationError` when a factory does (no scope).
 */
export function validationError(message: string, scope?: IConstruct): ValidationError | UnscopedValidationError {
  return scope ? new ValidationError(message, scope) : new UnscopedValidationError(message);
}

/** Whether `value` is known at synth time: given, and not an unresolved token. The checks skip everything else. */
export function isLiteral<T>(value: T | undefined): value is T {
  return value !== undefined && !Token.isUnresolved(value);
}

/**
 * Throws unless `name` is a valid SageMaker resource name (`what` says which, e.g. 'endpointName').
 * Tokens pass unchecked.
 */
export function validateSageMakerName(what: string, name: string, pattern: RegExp = SAGEMAKER_NAME_PATTERN, scope?: IConstruct): void {
  if (!isLiteral(name)) {
    return;
  }
  if (name.length < 1 || name.length > SAGEMAKER_MAX_NAME_LENGTH) {
    throw validationError(`${what} '${name}' is ${name.length} characters long; SageMaker accepts 1 to ${SAGEMAKER_MAX_NAME_LENGTH}.`, scope);
  }
  if (!pattern.test(name)) {
    throw validationError(
      `${what} '${name}' is not a valid SageMaker name: use only letters, digits and hyphens, ` +
      'starting and ending with a letter or digit.', scope,
    );
  }
}

/** How `integerRangeProblem` words its message, besides the range. */
export interface IntegerRangeWording {
  /** The unit shown after the numbers, e.g. 'seconds'. */
  readonly unit?: string;
  /** Why the range is what it is, shown in parentheses after it, e.g. 'a copy reserves whole accelerators'. */
  readonly why?: string;
}

/** The options of `validateIntegerInRange` besides the range. */
export interface IntegerRangeOptions extends IntegerRangeWording {
  /** The construct whose prop it is: its path starts the message. */
  readonly scope?: IConstruct;
}

/**
 * What is wrong with `value` as an integer in [min, max] ("<what> must be a whole number from <min> to <max>, got
 * <value>."; "of at least <min>" when `max` is omitted), or undefined when nothing is; tokens pass unchecked. For
 * rules that report through their own callback; `validateIntegerInRange` throws it.
 */
export function integerRangeProblem(what: string, value: number, min: number, max?: number, wording: IntegerRangeWording = {}): string | undefined {
  if (!isLiteral(value) || (Number.isInteger(value) && value >= min && (max === undefined || value <= max))) {
    return undefined;
  }
  const suffix = wording.unit ? ` ${wording.unit}` : '';
  // A JavaScript caller may pass '2': say it is a string, not "got 2".
  const given = typeof value === 'number' ? `${value}${suffix}` : describeValue(value);
  const range = max !== undefined ? `from ${min} to ${max}${suffix}` : `of at least ${min}${suffix}`;
  return `${what} must be a whole number ${range}${wording.why ? ` (${wording.why})` : ''}, got ${given}.`;
}

/**
 * Hands `integerRangeProblem`'s message, if any, to `fail`: for rules that report through their own callback (whose
 * caller's error then names its construct).
 */
export function checkIntegerInRange(
  fail: (message: string) => never, what: string, value: number, min: number, max?: number, wording: IntegerRangeWording = {},
): void {
  const problem = integerRangeProblem(what, value, min, max, wording);
  if (problem !== undefined) {
    fail(problem);
  }
}

/** Throws `integerRangeProblem`'s message, if any, naming `options.scope`. */
export function validateIntegerInRange(what: string, value: number, min: number, max?: number, options: IntegerRangeOptions = {}): void {
  checkIntegerInRange((problem) => {
    throw validationError(problem, options.scope);
  }, what, value, min, max, options);
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
export function validateContainerEnvironment(what: string, environment: { [key: string]: string }, scope?: IConstruct): void {
  const keys = Object.keys(environment);
  if (keys.length > 100) {
    throw validationError(`${what} has ${keys.length} variables; SageMaker accepts at most 100 per container.`, scope);
  }
  for (const key of keys) {
    if (Token.isUnresolved(key)) {
      continue;
    }
    if (!ENVIRONMENT_KEY_PATTERN.test(key) || key.length > 1024) {
      throw validationError(
        `${what} variable name '${key}' is invalid: use letters, digits and underscores, not starting with a digit, ` +
        'up to 1024 characters.', scope,
      );
    }
    const value = environment[key];
    if (!Token.isUnresolved(value) && value.length > 1024) {
      throw validationError(`${what} variable '${key}' is ${value.length} characters long; SageMaker accepts at most 1024.`, scope);
    }
  }
  const literalBytes = keys
    .filter((key) => !Token.isUnresolved(key) && !Token.isUnresolved(environment[key]))
    .reduce((total, key) => total + Buffer.byteLength(key) + Buffer.byteLength(environment[key]), 0);
  if (literalBytes > MAX_CONTAINER_ENVIRONMENT_BYTES) {
    throw validationError(
      `${what} holds ${literalBytes} bytes of names and values; SageMaker accepts at most ${MAX_CONTAINER_ENVIRONMENT_BYTES} ` +
      'in all. Move large settings into a file in code/ (read by inference.py) instead of the environment.', scope,
    );
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Run-time type checks for callers without a type checker: JavaScript, or any jsii language that passes a value of
// the wrong kind. TypeScript refuses `epochs: 10` where a Hyperparameter is expected; JavaScript passes it on, and
// the failure would surface deep inside as `hp.toWireString is not a function`. Every such check is here, so that
// every message has one shape: `<what>: expected <kind> (e.g. <how to make one>), got <what was given>.`
// ---------------------------------------------------------------------------------------------------------------

/** How a value reads in a message: `the number 10`, `the string '10'`, `an array of 2 elements`, `an InstanceType`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'undefined': return 'undefined';
    case 'number': return `the number ${value}`;
    case 'string': return `the string ${quoteArgument(value)}`;
    case 'boolean': return `the boolean ${value}`;
    case 'bigint': return `the bigint ${value}`;
    case 'symbol': return 'a symbol';
    case 'function': return `a function${value.name ? ` (${value.name})` : ''}: call it, or pass its result`;
    default: break;
  }
  if (Array.isArray(value)) return `an array of ${value.length} element${value.length === 1 ? '' : 's'}`;
  const constructorName = (value as object).constructor?.name;
  if (constructorName && constructorName !== 'Object') return withArticle(constructorName);
  const keys = Object.keys(value as object);
  return keys.length === 0 ? 'an empty object {}' : `an object with ${keys.slice(0, 4).join(', ')}${keys.length > 4 ? ', ...' : ''}`;
}

/** A value as it would be written as an argument: strings quoted ('10'), numbers and booleans as they are. */
export function quoteArgument(value: unknown): string {
  if (typeof value === 'string') {
    // Long enough for an image URI or an S3 URI, which the message suggests writing inside a factory call.
    const shown = value.length > 300 ? `${value.slice(0, 297)}...` : value;
    return `'${shown.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  return describeValue(value);
}

function withArticle(name: string): string {
  return `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name}`;
}

/** A class, as the checks see it: its name and prototype (a private constructor does not matter). */
export interface ClassLike {
  readonly name: string;
  readonly prototype: unknown;
}

/** A class a prop or argument takes, checked at run time. */
export interface ExpectedClass {
  readonly kind: 'class';
  /** The class (an instance of a class of the same name from another copy of the package also passes). */
  readonly type: ClassLike;
  /** How to make one, for the message; a function gets the wrong value, to suggest its typed form. */
  readonly example: string | ((given: unknown) => string);
  /** The prop must be given (checked by checkPropTypes). */
  readonly required?: boolean;
}

/** A prop that takes a plain JavaScript value, e.g. a path. */
export interface ExpectedPrimitive {
  readonly kind: 'primitive';
  readonly type: 'string' | 'number' | 'boolean';
  /** A value to show in the message, e.g. "'training'". */
  readonly example: string;
  readonly required?: boolean;
}

/** A map of string keys to instances of one class (e.g. hyperparameters, training inputs). */
export interface ExpectedMap {
  readonly kind: 'map';
  readonly of: ExpectedClass;
}

/** A nested group of options, e.g. `endpoint` or `autoScaling`. */
export interface ExpectedOptions {
  readonly kind: 'options';
  readonly props: PropTypes;
}

/** The run-time types of an interface's props that a wrong value would break: only the ones worth checking. */
export interface PropTypes {
  readonly [prop: string]: ExpectedClass | ExpectedPrimitive | ExpectedMap | ExpectedOptions;
}

/** A prop or argument that takes an instance of `type`; `example` shows how to make one. */
export function instanceOf(type: ClassLike, example: string | ((given: unknown) => string)): ExpectedClass {
  return { kind: 'class', type, example };
}

/** A prop that takes a plain value of JavaScript type `type`; `example` shows one. */
export function primitive(type: 'string' | 'number' | 'boolean', example: string): ExpectedPrimitive {
  return { kind: 'primitive', type, example };
}

/** The same expectation, for a prop that must be given. */
export function required<T extends ExpectedClass | ExpectedPrimitive>(expected: T): T {
  return { ...expected, required: true };
}

/** A prop that takes a map whose values are instances of one class. */
export function mapOf(of: ExpectedClass): ExpectedMap {
  return { kind: 'map', of };
}

/** A prop that takes a group of options, checked with `props`. */
export function optionsOf(props: PropTypes): ExpectedOptions {
  return { kind: 'options', props };
}

/** Whether `value` is an instance of `type`, or of a class of that name (another copy of the same package). */
function isInstance(value: unknown, type: ClassLike): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (Object.prototype.isPrototypeOf.call(type.prototype, value)) return true;
  for (let proto = Object.getPrototypeOf(value); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    if (proto.constructor?.name === type.name) return true;
  }
  return false;
}

/**
 * Throws unless `value` is an instance of the expected class; `what` names it, e.g. `endpoint.instanceType`.
 *
 * @param scope the construct whose prop it is (its path starts the message); none for a factory's argument
 */
export function checkInstance(what: string, value: unknown, expected: ExpectedClass, scope?: IConstruct): void {
  if (isInstance(value, expected.type)) return;
  const example = typeof expected.example === 'function' ? expected.example(value) : expected.example;
  throw validationError(`${what}: expected ${withArticle(expected.type.name)} (e.g. ${example}), got ${describeValue(value)}.`, scope);
}

/**
 * Throws unless every prop named in `types` that `props` sets has the expected run-time type; nested groups are
 * checked with their names joined by dots (`endpoint.autoScaling.scaleInCooldown`). Undefined props pass: the
 * constructors apply their defaults and their own checks of required props.
 *
 * @param prefix what to put before each prop name in messages, e.g. `endpoint.` (empty for a construct's own props)
 * @param scope the construct whose props they are (its path starts the message); none for a factory's options
 */
export function checkPropTypes(prefix: string, props: unknown, types: PropTypes, scope?: IConstruct): void {
  const requiredNames = Object.entries(types).filter(([, e]) => (e.kind === 'class' || e.kind === 'primitive') && e.required).map(([n]) => n);
  if (props === undefined && requiredNames.length === 0) return;
  if (typeof props !== 'object' || props === null || Array.isArray(props)) {
    const what = prefix ? prefix.replace(/(\.|: )$/, '') : 'props';
    const needs = requiredNames.length > 0 ? ` with ${requiredNames.join(' and ')}` : '';
    throw validationError(`${what}: expected an object of options ({ name: value, ... })${needs}, got ${describeValue(props)}.`, scope);
  }
  for (const [name, expected] of Object.entries(types)) {
    const value = (props as { [name: string]: unknown })[name];
    const what = `${prefix}${name}`;
    if (value === undefined) {
      if ((expected.kind === 'class' || expected.kind === 'primitive') && expected.required) {
        throw validationError(`${what} is required: give ${expected.kind === 'class' ? exampleOf(expected, undefined) : expected.example}.`, scope);
      }
      continue;
    }
    if (expected.kind === 'class') {
      checkInstance(what, value, expected, scope);
    } else if (expected.kind === 'primitive') {
      if (typeof value !== expected.type) throw validationError(`${what}: expected a ${expected.type} (e.g. ${expected.example}), got ${describeValue(value)}.`, scope);
    } else if (expected.kind === 'options') {
      checkPropTypes(`${what}.`, value, expected.props, scope);
    } else {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw validationError(`${what}: expected an object of ${expected.of.type.name}s by name ({ name: ${exampleOf(expected.of, undefined)}, ... }), got ${describeValue(value)}.`, scope);
      }
      for (const [key, item] of Object.entries(value)) checkInstance(`${what}.${key}`, item, expected.of, scope);
    }
  }
}

function exampleOf(expected: ExpectedClass, given: unknown): string {
  return typeof expected.example === 'function' ? expected.example(given) : expected.example;
}

/**
 * Throws unless the argument of a factory method has the JavaScript type it declares, e.g.
 * `Hyperparameter.integer('10'): expected a number, got the string '10': write Hyperparameter.integer(10).`
 *
 * @param call the method, e.g. 'Hyperparameter.integer', or the method and the argument ('ModelData.fromBucket: key')
 * @param fix what to write instead, when it can be said (e.g. the value without quotes)
 */
export function checkArgumentType(call: string, value: unknown, type: 'number' | 'string' | 'boolean', fix?: string): void {
  if (typeof value === type) return;
  // 'ModelData.fromBucket: key' names one of several arguments; a one-argument call is shown with what was given.
  const where = call.includes(': ') ? call : `${call}(${quoteArgument(value)})`;
  throw new UnscopedValidationError(`${where}: expected a ${type}, got ${describeValue(value)}${fix ? `: ${fix}` : ''}.`);
}

/** A prop that takes an aws-cdk-lib `Duration`; a bare number is shown in seconds, the unit of SageMaker's API. */
export const DURATION: ExpectedClass = instanceOf(Duration, (given) =>
  typeof given === 'number' ? `Duration.seconds(${given}) if you meant seconds` : 'Duration.minutes(10)');

/** A prop that takes an aws-cdk-lib `Size`; a bare number is shown in GiB, the unit of SageMaker's volume sizes. */
export const SIZE: ExpectedClass = instanceOf(Size, (given) =>
  typeof given === 'number' ? `Size.gibibytes(${given}) if you meant GiB` : 'Size.gibibytes(50)');
