import { CfnParameter, Fn, Token } from 'aws-cdk-lib';
import { DeployTimeEncoding, formatFloat } from './hyperparameter-wire';
import {
  checkArgumentType, checkInstance, describeValue, ExpectedClass, instanceOf, quoteArgument, UnscopedValidationError, ValidationError,
} from '../common/validation';
import { hyperparameterFor } from './hyperparameter-examples';

/**
 * The type a hyperparameter is declared with, and so the Python type the training script receives.
 *
 * The SageMaker training toolkit JSON-decodes every hyperparameter value (keeping the raw string when that
 * fails), so each type maps to one Python type: `int`, `float`, `bool`, `str`, `list` and `dict`.
 */
export enum HyperparameterType {
  /** A whole number; the script receives a Python `int`. */
  INTEGER = 'integer',
  /** A finite number; the script receives a Python `float`, a whole value too: `Hyperparameter.float(5)` is sent as `5.0`, not `5` (which Python decodes as an `int`). */
  FLOAT = 'float',
  /** `true` or `false`; the script receives a Python `bool`. */
  BOOLEAN = 'boolean',
  /** Any text; the script receives a Python `str`, even when the text looks like a number or `true`. */
  STRING = 'string',
  /** A JSON array; the script receives a Python `list`. */
  LIST = 'list',
  /** A JSON object; the script receives a Python `dict`. */
  MAP = 'map',
}

/** A synth-time value, with floats kept apart from integers so that `5.0` stays a Python float. */
type TypedJson =
  | { readonly kind: 'integer' | 'boolean' | 'string'; readonly value: number | boolean | string }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'list'; readonly items: TypedJson[] }
  | { readonly kind: 'map'; readonly entries: Array<[string, TypedJson]> };

/**
 * Compact JSON text of a typed value. Not byte-for-byte Python's json.dumps (no spaces; JavaScript's `1e-7` where
 * Python writes `1e-07`), but json.loads decodes it to the same value of the same type.
 */
function toJsonText(node: TypedJson): string {
  switch (node.kind) {
    case 'float': return formatFloat(node.value);
    case 'list': return `[${node.items.map(toJsonText).join(',')}]`;
    case 'map': return `{${node.entries.map(([k, v]) => `${JSON.stringify(k)}:${toJsonText(v)}`).join(',')}}`;
    default: return JSON.stringify(node.value);
  }
}

/**
 * A typed SageMaker hyperparameter.
 *
 * The API takes hyperparameters as a map of strings. Like the SageMaker Python SDK's framework estimators
 * (`PyTorch(...)`), every value is JSON-encoded (`'abc'` -> `"\"abc\""`, `true` -> `"true"`, `[1, 2]` -> `"[1,2]"`; a float is written `5.0`, never `5`),
 * so the training toolkit's `json.loads` gives the script back the declared Python type in `SM_HPS`, `SM_HP_<NAME>`
 * and the command-line arguments alike.
 *
 * Lists and maps are made of `Hyperparameter`s (jsii has no union type, so a list of JSON values could not be
 * typed): `Hyperparameter.list([Hyperparameter.integer(1), Hyperparameter.string('a')])`; the `integerList`,
 * `floatList`, `stringList` and `booleanList` shorthands cover the common homogeneous cases.
 *
 * Values known only at deploy time come from `Hyperparameter.fromParameter(cfnParameter, type)` (or a numeric or
 * string token passed to `integer`, `float` or `string`): the training job's custom resource encodes them when the
 * stack deploys and fails the deploy, with the reason, when one does not decode to its declared type.
 */
export class Hyperparameter {
  /** A whole number (a safe JavaScript integer), or a numeric token resolved at deploy time. */
  public static integer(value: number): Hyperparameter {
    checkArgumentType('Hyperparameter.integer', value, 'number', unquoted('integer', value));
    if (Token.isUnresolved(value)) {
      return new Hyperparameter(HyperparameterType.INTEGER, undefined, Token.asString(value), DeployTimeEncoding.NUMBER);
    }
    if (!Number.isSafeInteger(value)) {
      throw new UnscopedValidationError(`Hyperparameter.integer(${value}): the value must be a whole number between -(2^53-1) and 2^53-1; use Hyperparameter.float() for fractional values.`);
    }
    return new Hyperparameter(HyperparameterType.INTEGER, { kind: 'integer', value });
  }

  /** A finite number, or a numeric token resolved at deploy time. */
  public static float(value: number): Hyperparameter {
    checkArgumentType('Hyperparameter.float', value, 'number', unquoted('float', value));
    if (Token.isUnresolved(value)) {
      return new Hyperparameter(HyperparameterType.FLOAT, undefined, Token.asString(value), DeployTimeEncoding.NUMBER);
    }
    if (!Number.isFinite(value)) {
      throw new UnscopedValidationError(`Hyperparameter.float(${value}): the value must be a finite number (JSON has no NaN or Infinity).`);
    }
    return new Hyperparameter(HyperparameterType.FLOAT, { kind: 'float', value });
  }

  /** `true` or `false`: the script receives a Python `bool` (never the truthy string `"False"`). */
  public static boolean(value: boolean): Hyperparameter {
    const given: unknown = value;
    checkArgumentType('Hyperparameter.boolean', given, 'boolean', typeof given === 'string' && /^(true|false)$/i.test(given)
      ? `write Hyperparameter.boolean(${given.toLowerCase()}), without quotes`
      : 'give true or false; use Hyperparameter.fromParameter() for a deploy-time value');
    return new Hyperparameter(HyperparameterType.BOOLEAN, { kind: 'boolean', value });
  }

  /** Any text, or a string token resolved at deploy time. The script receives a `str` even for `"123"`. */
  public static string(value: string): Hyperparameter {
    checkArgumentType('Hyperparameter.string', value, 'string', typeof value === 'number' || typeof value === 'boolean'
      ? `write Hyperparameter.string('${value}') for text, or Hyperparameter.${typeof value === 'boolean' ? 'boolean' : Number.isInteger(value) ? 'integer' : 'float'}(${value}) for a ${typeof value}`
      : undefined);
    if (Token.isUnresolved(value)) {
      return new Hyperparameter(HyperparameterType.STRING, undefined, value, DeployTimeEncoding.STRING);
    }
    return new Hyperparameter(HyperparameterType.STRING, { kind: 'string', value });
  }

  /** A list of hyperparameter values (they may differ in type, and nest); all must be known at synth time. */
  public static list(values: Hyperparameter[]): Hyperparameter {
    checkArray('Hyperparameter.list', values);
    values.forEach((value, i) => checkInstance(`Hyperparameter.list([...])[${i}]`, value, HYPERPARAMETER));
    return new Hyperparameter(HyperparameterType.LIST, { kind: 'list', items: values.map((v, i) => v.nestedJson(`list element ${i}`)) });
  }

  /** A list of whole numbers. */
  public static integerList(values: number[]): Hyperparameter {
    checkArray('Hyperparameter.integerList', values);
    return Hyperparameter.list(values.map((v) => Hyperparameter.integer(v)));
  }

  /** A list of finite numbers. */
  public static floatList(values: number[]): Hyperparameter {
    checkArray('Hyperparameter.floatList', values);
    return Hyperparameter.list(values.map((v) => Hyperparameter.float(v)));
  }

  /** A list of strings. */
  public static stringList(values: string[]): Hyperparameter {
    checkArray('Hyperparameter.stringList', values);
    return Hyperparameter.list(values.map((v) => Hyperparameter.string(v)));
  }

  /** A list of booleans. */
  public static booleanList(values: boolean[]): Hyperparameter {
    checkArray('Hyperparameter.booleanList', values);
    return Hyperparameter.list(values.map((v) => Hyperparameter.boolean(v)));
  }

  /** A JSON object of hyperparameter values; all must be known at synth time. The script receives a `dict`. */
  public static map(entries: { [key: string]: Hyperparameter }): Hyperparameter {
    if (typeof entries !== 'object' || entries === null || Array.isArray(entries)) {
      throw new UnscopedValidationError(`Hyperparameter.map: expected an object of Hyperparameters by name ({ warmup: Hyperparameter.integer(100) }), got ${describeValue(entries)}.`);
    }
    for (const [key, value] of Object.entries(entries)) checkInstance(`Hyperparameter.map({...}).${key}`, value, HYPERPARAMETER);
    const sorted = Object.keys(entries).sort().map((key): [string, TypedJson] => [key, entries[key].nestedJson(`map entry '${key}'`)]);
    return new Hyperparameter(HyperparameterType.MAP, { kind: 'map', entries: sorted });
  }

  /**
   * A value chosen when the stack is deployed, from a typed `CfnParameter` (the CloudFormation counterpart of
   * `sagemaker.workflow.parameters`, but the script still receives the declared type):
   *
   * - `INTEGER`, `FLOAT`: a `Number` parameter;
   * - `BOOLEAN`: a `String` parameter with `allowedValues: ['true', 'false']`;
   * - `STRING`: a `String` parameter;
   * - `LIST`: a `CommaDelimitedList` (list of strings) or `List<Number>` (list of numbers) parameter.
   *
   * `MAP` has no CloudFormation parameter type: declare a `STRING` and decode it in the script, or use a synth-time map.
   */
  public static fromParameter(parameter: CfnParameter, type: HyperparameterType): Hyperparameter {
    // The parameter is a construct: its path starts the message (ValidationError), so the call shows only the type.
    const where = `Hyperparameter.fromParameter(parameter, ${type})`;
    const paramType = parameter.type;
    const expect = (wanted: string[], hint: string) => {
      if (!wanted.includes(paramType)) {
        throw new ValidationError(`${where}: the parameter has type '${paramType}'; ${hint}`, parameter);
      }
    };
    switch (type) {
      case HyperparameterType.INTEGER:
      case HyperparameterType.FLOAT:
        expect(['Number'], "declare it with type: 'Number'.");
        return new Hyperparameter(type, undefined, parameter.valueAsString, DeployTimeEncoding.NUMBER);
      case HyperparameterType.BOOLEAN: {
        expect(['String'], "declare it with type: 'String' and allowedValues: ['true', 'false'].");
        const allowed = parameter.allowedValues ?? [];
        if (allowed.length === 0 || allowed.some((v) => v !== 'true' && v !== 'false')) {
          throw new ValidationError(`${where}: a boolean parameter must declare allowedValues: ['true', 'false'] so that CloudFormation rejects any other value before the deploy starts.`, parameter);
        }
        return new Hyperparameter(type, undefined, parameter.valueAsString, DeployTimeEncoding.BOOLEAN);
      }
      case HyperparameterType.STRING:
        expect(['String'], "declare it with type: 'String'.");
        return new Hyperparameter(type, undefined, parameter.valueAsString, DeployTimeEncoding.STRING);
      case HyperparameterType.LIST:
        expect(['CommaDelimitedList', 'List<Number>'], "declare it with type: 'CommaDelimitedList' (strings) or 'List<Number>' (numbers).");
        return new Hyperparameter(type, undefined, Fn.join(',', parameter.valueAsList),
          paramType === 'CommaDelimitedList' ? DeployTimeEncoding.COMMA_DELIMITED_STRINGS : DeployTimeEncoding.COMMA_DELIMITED_NUMBERS);
      default:
        throw new ValidationError(`${where}: CloudFormation has no parameter type for a ${type}; declare a STRING parameter holding JSON, or use Hyperparameter.map() at synth time.`, parameter);
    }
  }

  /** The declared type: the Python type the script receives. */
  public readonly type: HyperparameterType;

  /** True when the value is only known at deploy time (a CloudFormation parameter or token). */
  public readonly isDeployTime: boolean;

  private readonly json?: TypedJson;
  private readonly raw?: string;
  private readonly rawEncoding?: DeployTimeEncoding;

  private constructor(type: HyperparameterType, json?: TypedJson, raw?: string, rawEncoding?: DeployTimeEncoding) {
    this.type = type;
    this.json = json;
    this.raw = raw;
    this.rawEncoding = rawEncoding;
    this.isDeployTime = raw !== undefined;
  }

  /**
   * The string sent to SageMaker: the JSON encoding for a synth-time value (compact JSON that Python's
   * `json.loads` decodes to the same value as the SageMaker Python SDK's `json.dumps` text), or the raw
   * deploy-time value (a token) that the custom resource handler encodes.
   */
  public toWireString(): string {
    return this.raw !== undefined ? this.raw : toJsonText(this.json as TypedJson);
  }

  /**
   * How the handler encodes the deploy-time value, or undefined for a value encoded at synth.
   * @internal
   */
  public _deployTimeEncoding(): DeployTimeEncoding | undefined {
    return this.rawEncoding;
  }

  private nestedJson(where: string): TypedJson {
    if (this.raw !== undefined) {
      throw new UnscopedValidationError(`A deploy-time value cannot be nested in a list or map (${where}): CloudFormation cannot JSON-encode it inside a larger value. Make it a hyperparameter of its own.`);
    }
    return this.json as TypedJson;
  }
}

/** For a number given as a string ('10'): how to write it as a number. */
function unquoted(factory: string, value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))
    ? `write Hyperparameter.${factory}(${Number(value)}), without quotes`
    : undefined;
}

/** Throws unless a list factory got an array. */
function checkArray(call: string, values: unknown): void {
  if (!Array.isArray(values)) throw new UnscopedValidationError(`${call}(${quoteArgument(values)}): expected an array, got ${describeValue(values)}.`);
}

/** What every argument that takes a Hyperparameter expects (checked at run time for JavaScript callers). */
const HYPERPARAMETER: ExpectedClass = instanceOf(Hyperparameter, hyperparameterFor);
