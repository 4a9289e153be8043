// Offline validation of AWS requests against the FULL service models botocore ships
// (<botocore>/data/<service>/<version>/service-2.json.gz): required and unknown members, types, string lengths,
// numeric ranges, list and map sizes, enums, unions and patterns, recursively, each problem named by its member path.
// (aws-sdk v2's .min.json models, used before, carry no lengths, ranges, enums or patterns, so a request with
// `CompressionType: 'NONE'` passed here and failed at deploy time.)
//
// Patterns: botocore stores them without anchors, in the Java dialect the services compile them in. The services
// match the WHOLE value (SageMaker rejects 'my_endpoint' for `[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}`), so a pattern is
// applied as `^(?:pattern)$`. The Java-only syntax the models use is translated to a JS `u`-flag RegExp; a pattern
// that cannot be translated is never skipped silently: validating a value against it is a problem of its own.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { evaluate } from './cfn-eval';

/** A shape of a botocore service model (the members this validator reads). */
export interface Shape {
  readonly type: string;
  readonly members?: { readonly [name: string]: { readonly shape: string } };
  readonly required?: readonly string[];
  readonly member?: { readonly shape: string };
  readonly key?: { readonly shape: string };
  readonly value?: { readonly shape: string };
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: string;
  readonly enum?: readonly string[];
  readonly union?: boolean;
  readonly document?: boolean;
  readonly sensitive?: boolean;
}

/** A botocore service model: metadata, operations by wire name, shapes by name. */
export interface ServiceModel {
  readonly metadata: { readonly [key: string]: any };
  readonly operations: { readonly [wireName: string]: { readonly name: string; readonly input?: { shape: string }; readonly output?: { shape: string } } };
  readonly shapes: { readonly [name: string]: Shape };
}

/** The services the tests validate, and the model version of each (the directory name under botocore/data). */
const VERSIONS: { readonly [service: string]: string } = {
  'sagemaker': '2017-07-24',
  'application-autoscaling': '2016-02-06',
  'cloudwatch': '2010-08-01',
};

const LOCATE = 'import botocore, os; print(os.path.dirname(botocore.__file__))';
const CACHE_FILE = path.join(__dirname, '..', '..', 'node_modules', '.cache', 'api-models', 'botocore-dir');
let botocoreDir: string | undefined;

/**
 * botocore's data directory. Found by asking python3 once (botocore comes with moto, which the tests already use),
 * then cached in node_modules/.cache so that each test file does not start Python again.
 */
export function botocoreDataDir(): string {
  if (botocoreDir === undefined) {
    const cached = fs.existsSync(CACHE_FILE) ? fs.readFileSync(CACHE_FILE, 'utf8').trim() : '';
    if (cached && fs.existsSync(path.join(cached, 'data'))) {
      botocoreDir = cached;
    } else {
      try {
        botocoreDir = execFileSync('python3', ['-c', LOCATE], { encoding: 'utf8' }).trim();
      } catch (error) {
        throw new Error(`botocore's service models are needed to validate AWS requests offline, and python3 cannot import botocore `
          + `(${(error as Error).message.split('\n')[0]}): install it with \`python3 -m pip install botocore\` (moto installs it too)`);
      }
      fs.mkdirSync(path.dirname(CACHE_FILE), { recursive: true });
      fs.writeFileSync(CACHE_FILE, `${botocoreDir}\n`);
    }
  }
  return path.join(botocoreDir, 'data');
}

const models = new Map<string, ServiceModel>();

/** The full service model, e.g. serviceModel('sagemaker'), parsed once per test file. */
export function serviceModel(service: string): ServiceModel {
  let model = models.get(service);
  if (!model) {
    const version = VERSIONS[service];
    if (!version) throw new Error(`no model version is pinned for '${service}': add it to VERSIONS in test/helpers/api-models.ts`);
    const file = path.join(botocoreDataDir(), service, version, 'service-2.json.gz');
    if (!fs.existsSync(file)) throw new Error(`botocore has no ${service} ${version} model at ${file}`);
    model = JSON.parse(zlib.gunzipSync(fs.readFileSync(file)).toString('utf8')) as ServiceModel;
    models.set(service, model);
  }
  return model;
}

/** The awsJson protocol facts of a service: `jsonVersion`, the `X-Amz-Target` prefix, the SigV4 signing name. */
export function protocolOf(service: string): { readonly jsonVersion: string; readonly targetPrefix: string; readonly signingName: string } {
  const { jsonVersion, targetPrefix, signingName } = serviceModel(service).metadata;
  return { jsonVersion, targetPrefix, signingName };
}

/** Whether the service has an operation of this wire name ('CreateTrainingJob'). */
export function hasOperation(service: string, operation: string): boolean {
  return Object.prototype.hasOwnProperty.call(serviceModel(service).operations, operation);
}

function operationOf(service: string, operation: string) {
  if (!hasOperation(service, operation)) throw new Error(`${service} has no operation '${operation}' (use the wire name, e.g. 'CreateModel')`);
  return serviceModel(service).operations[operation];
}

/** A shape by name. */
export function shapeNamed(service: string, name: string): Shape {
  const shape = serviceModel(service).shapes[name];
  if (!shape) throw new Error(`${service} has no shape '${name}'`);
  return shape;
}

/** The name of an operation's input shape, e.g. inputShape('sagemaker', 'CreateTrainingJob') -> 'CreateTrainingJobRequest'. */
export function inputShape(service: string, operation: string): string {
  return operationOf(service, operation).input!.shape;
}

/** The name of an operation's output shape. */
export function outputShape(service: string, operation: string): string {
  const output = operationOf(service, operation).output;
  if (!output) throw new Error(`${service} ${operation} has no output shape`);
  return output.shape;
}

/** Every problem a value has against a named shape, each starting with its member path; empty when valid. */
export function shapeProblems(service: string, shapeName: string, value: unknown): string[] {
  const problems: string[] = [];
  check(serviceModel(service), shapeName, value, '', problems);
  return problems;
}

/** Every problem of a request (empty when valid), e.g. checkRequest('sagemaker', 'CreateModel', params). */
export function checkRequest(service: string, operation: string, params: unknown): string[] {
  return shapeProblems(service, inputShape(service, operation), params);
}

/** Throws an error listing every problem of the request, one per line, each with its member path. */
export function validateRequest(service: string, operation: string, params: unknown): void {
  throwIfAny(`${service} ${operation} request`, checkRequest(service, operation, params));
}

/** The same checks for an answer against the operation's output shape: keeps a fake service honest. */
export function validateResponse(service: string, operation: string, body: unknown): void {
  const output = operationOf(service, operation).output;
  const problems = output ? shapeProblems(service, output.shape, body)
    : body === undefined || (isPlainObject(body) && Object.keys(body).length === 0) ? [] : [`(response): ${operation} has no output, got ${JSON.stringify(body)}`];
  throwIfAny(`${service} ${operation} response`, problems);
}

function throwIfAny(what: string, problems: string[]): void {
  if (problems.length > 0) throw new Error(`${what} is invalid against the botocore model:\n  ${problems.join('\n  ')}`);
}

// --- the walk --------------------------------------------------------------------------------------------------

function at(where: string, member: string): string {
  return where ? `${where}.${member}` : member;
}

function show(value: unknown, shape: Shape): string {
  if (shape.sensitive) return '(sensitive value)';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text.replace(/^"(.*)"$/, '\'$1\'');
}

function check(model: ServiceModel, shapeName: string, value: unknown, where: string, problems: string[]): void {
  const shape = model.shapes[shapeName];
  const label = where || '(request)';
  const wrongType = (expected: string) => problems.push(`${label}: ${show(value, shape)} is ${kindOf(value)}, expected ${expected}`);
  switch (shape.type) {
    case 'structure': {
      if (shape.document) return;
      if (!isPlainObject(value)) return void wrongType(`a structure (${shapeName})`);
      const members = shape.members ?? {};
      for (const name of shape.required ?? []) {
        if (value[name] === undefined || value[name] === null) problems.push(`${at(where, name)}: required member missing`);
      }
      for (const name of Object.keys(value)) {
        if (value[name] === undefined || value[name] === null) continue;
        if (!members[name]) {
          problems.push(`${at(where, name)}: unknown member (${shapeName} has ${Object.keys(members).join(', ')})`);
        } else {
          check(model, members[name].shape, value[name], at(where, name), problems);
        }
      }
      if (shape.union) {
        const set = Object.keys(value).filter((name) => value[name] !== undefined && value[name] !== null);
        if (set.length !== 1) problems.push(`${label}: a union (${shapeName}) needs exactly one member, got ${set.length} (${set.join(', ')})`);
      }
      return;
    }
    case 'list': {
      if (!Array.isArray(value)) return void wrongType('a list');
      checkSize(shape, value.length, 'items', label, problems);
      value.forEach((item, i) => check(model, shape.member!.shape, item, `${where}[${i}]`, problems));
      return;
    }
    case 'map': {
      if (!isPlainObject(value)) return void wrongType('a map');
      const keys = Object.keys(value);
      checkSize(shape, keys.length, 'entries', label, problems);
      for (const key of keys) {
        const entry = /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? at(where, key) : `${where}[${JSON.stringify(key)}]`;
        check(model, shape.key!.shape, key, `${entry} (key)`, problems);
        check(model, shape.value!.shape, value[key], entry, problems);
      }
      return;
    }
    case 'string': {
      if (typeof value !== 'string') return void wrongType('a string');
      checkSize(shape, [...value].length, 'characters', `${label}: ${show(value, shape)}`, problems);
      if (shape.enum && !shape.enum.includes(value)) {
        const listed = shape.enum.length > 12 ? `${shape.enum.slice(0, 12).join(', ')}, ... (${shape.enum.length} values)` : shape.enum.join(', ');
        problems.push(`${label}: ${show(value, shape)} is not one of ${listed}`);
      }
      if (shape.pattern !== undefined) {
        const compiled = compilePattern(shape.pattern);
        if (compiled instanceof RegExp) {
          if (!compiled.test(value)) problems.push(`${label}: ${show(value, shape)} does not match the pattern ${shape.pattern} (${shapeName})`);
        } else {
          problems.push(`${label}: unchecked: the pattern ${shape.pattern} (${shapeName}) cannot be translated to JavaScript (${compiled.error})`);
        }
      }
      return;
    }
    case 'integer': case 'long':
      if (!Number.isInteger(value)) return void wrongType(`an ${shape.type === 'long' ? 'integer (long)' : 'integer'}`);
      return void checkRange(shape, value as number, label, problems);
    case 'float': case 'double':
      if (typeof value !== 'number' || !Number.isFinite(value)) return void wrongType('a number');
      return void checkRange(shape, value, label, problems);
    case 'boolean':
      if (typeof value !== 'boolean') wrongType('a boolean');
      return;
    case 'timestamp':
      if (!(value instanceof Date) && !(typeof value === 'number' && Number.isFinite(value))
        && !(typeof value === 'string' && !Number.isNaN(Date.parse(value)))) wrongType('a timestamp (Date, epoch seconds or ISO 8601)');
      return;
    case 'blob':
      if (typeof value !== 'string' && !(value instanceof Uint8Array)) wrongType('a blob (base64 string or bytes)');
      return;
    default:
      problems.push(`${label}: unchecked: the model's type '${shape.type}' (${shapeName}) is unknown to this validator`);
  }
}

function isPlainObject(value: unknown): value is { [key: string]: any } {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date) && !(value instanceof Uint8Array);
}

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a fractional number';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function checkSize(shape: Shape, size: number, unit: string, label: string, problems: string[]): void {
  if (shape.min !== undefined && size < shape.min) problems.push(`${label} has ${size} ${unit}, fewer than the minimum of ${shape.min}`);
  if (shape.max !== undefined && size > shape.max) problems.push(`${label} has ${size} ${unit}, more than the maximum of ${shape.max}`);
}

function checkRange(shape: Shape, value: number, label: string, problems: string[]): void {
  if (shape.min !== undefined && value < shape.min) problems.push(`${label}: ${value} is below the minimum of ${shape.min}`);
  if (shape.max !== undefined && value > shape.max) problems.push(`${label}: ${value} is above the maximum of ${shape.max}`);
}

// --- Java patterns as JavaScript RegExps -------------------------------------------------------------------------

/** Java's POSIX classes (US-ASCII only, as in java.util.regex without UNICODE_CHARACTER_CLASS), as class contents. */
const POSIX: { readonly [name: string]: string } = {
  Lower: 'a-z', Upper: 'A-Z', ASCII: '\\x00-\\x7F', Alpha: 'a-zA-Z', Digit: '0-9', Alnum: 'a-zA-Z0-9',
  Punct: '!-\\/:-@\\[-`{-~', Graph: '!-~', Print: ' -~', Blank: ' \\t', Cntrl: '\\x00-\\x1F\\x7F', XDigit: '0-9a-fA-F',
  Space: ' \\t\\n\\x0B\\f\\r',
};
/** Escapes that mean the same in Java and in a JS `u` RegExp. */
const SAME_ESCAPES = new Set('dDwWsSbBnrtfv0123456789xuck'.split(''));
const SYNTAX = new Set('^$\\.*+?()[]{}|/'.split(''));

const compiled = new Map<string, RegExp | { error: string }>();

/** The pattern as an anchored JS RegExp, or why it cannot be translated. */
export function compilePattern(pattern: string): RegExp | { readonly error: string } {
  let result = compiled.get(pattern);
  if (!result) {
    try {
      result = new RegExp(`^(?:${javaToJs(pattern)})$`, 'u');
    } catch (error) {
      result = { error: (error as Error).message };
    }
    compiled.set(pattern, result);
  }
  return result;
}

/** Every pattern of a service's model that cannot be translated, with the reason (the tests expect none). */
export function untranslatablePatterns(service: string): string[] {
  const patterns = new Set(Object.values(serviceModel(service).shapes).map((s) => s.pattern).filter((p): p is string => p !== undefined));
  return [...patterns].flatMap((p) => {
    const result = compilePattern(p);
    return result instanceof RegExp ? [] : [`${p}: ${result.error}`];
  });
}

/** Translates the Java regex syntax the AWS models use; throws on Java syntax with no JS equivalent. */
export function javaToJs(pattern: string): string {
  let out = '';
  let inClass = false;
  let i = 0;
  const unsupported = (what: string) => new Error(`Java syntax ${what} at ${i} has no JavaScript translation`);
  while (i < pattern.length) {
    const c = pattern[i];
    if (c === '\\') {
      const e = pattern[i + 1];
      if (e === undefined) throw unsupported('a trailing \\');
      if (e === 'p' || e === 'P') {
        const name = /^\{(\w+)\}/.exec(pattern.slice(i + 2))?.[1];
        if (!name) throw unsupported(`\\${e} without {name}`);
        const posix = POSIX[name];
        if (posix !== undefined) {
          if (e === 'P' && inClass) throw unsupported(`\\P{${name}} inside a class`);
          out += inClass ? posix : `[${e === 'P' ? '^' : ''}${posix}]`;
        } else {
          // Unicode categories (\p{L}, \p{Lu}) are the same; Java's IsXxx scripts/properties drop the prefix.
          out += `\\${e}{${name.replace(/^Is/, '')}}`;
        }
        i += 4 + name.length;
        continue;
      }
      if (e === 'Q') {
        const end = pattern.indexOf('\\E', i + 2);
        const literal = pattern.slice(i + 2, end < 0 ? undefined : end);
        out += literal.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
        i = end < 0 ? pattern.length : end + 2;
        continue;
      }
      if (!inClass && e === 'A') { out += '^'; i += 2; continue; }
      if (!inClass && e === 'z') { out += '$'; i += 2; continue; }
      if (!inClass && e === 'Z') { out += '(?=\\n?$)'; i += 2; continue; }
      if (SAME_ESCAPES.has(e) || SYNTAX.has(e) || (inClass && e === '-')) {
        out += `\\${e}`;
      } else if (/[A-Za-z]/.test(e)) {
        throw unsupported(`\\${e}`);
      } else {
        out += e; // Java allows escaping any punctuation; a JS `u` RegExp allows only syntax characters.
      }
      i += 2;
      continue;
    }
    if (inClass) {
      if (c === '[') throw unsupported('a nested character class');
      if (c === '&' && pattern[i + 1] === '&') throw unsupported('a class intersection (&&)');
      if (c === ']') inClass = false;
      out += c;
      i += 1;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      i += 1;
      if (pattern[i] === '^') { out += '^'; i += 1; }
      if (pattern[i] === ']') { out += '\\]'; i += 1; } // Java: a ']' first in a class is a literal.
      continue;
    }
    if (c === '(' && pattern[i + 1] === '?' && /[a-zA-Z-]/.test(pattern[i + 2] ?? '') && pattern[i + 2] !== '<') {
      throw unsupported('an inline flag group (?flags)');
    }
    if ((c === '*' || c === '+' || c === '?' || c === '}') && pattern[i + 1] === '+') throw unsupported('a possessive quantifier');
    if (c === '^' || c === '$') {
      // Java accepts a quantified anchor (`${1,128}`); repeating a zero-width assertion at least once is the assertion.
      out += c;
      i += 1;
      const quantifier = /^(?:\{(\d+)(?:,\d*)?\}|[*+?])\??/.exec(pattern.slice(i));
      if (quantifier) {
        const min = quantifier[0][0] === '{' ? Number(quantifier[1]) : quantifier[0][0] === '+' ? 1 : 0;
        if (min === 0) out = out.slice(0, -1);
        i += quantifier[0].length;
      }
      continue;
    }
    out += c;
    i += 1;
  }
  return out;
}

// --- CloudFormation templates as the requests the service receives -----------------------------------------------

/**
 * A resource's properties as the service receives them at deploy time: every intrinsic (`Ref`, `Fn::GetAtt`,
 * `Fn::Join`, `Fn::Sub`, ...) evaluated by test/helpers/cfn-eval.ts with realistic stand-ins (a role ARN, an ECR
 * image URI, an S3 URI, a KMS key ARN, subnet and security-group ids), so patterns are checked, not skipped.
 */
export function deployedProperties(template: any, resourceType: string, parameters?: { [name: string]: string | string[] }): { [key: string]: any } {
  const found = Object.values(template.Resources ?? {}).filter((r: any) => r.Type === resourceType) as any[];
  if (found.length !== 1) throw new Error(`expected one ${resourceType}, found ${found.length}`);
  return evaluate(found[0].Properties ?? {}, { template, parameters });
}

/**
 * The Application Auto Scaling `PutScalingPolicy` request a CloudFormation scaling policy of an inference component
 * implies (the policy's properties evaluated as `deployedProperties` does; the resource is a stand-in).
 */
export function putScalingPolicyRequest(template: any, policyProperties: any): any {
  const p = evaluate(policyProperties, { template });
  return JSON.parse(JSON.stringify({
    PolicyName: p.PolicyName,
    ServiceNamespace: 'sagemaker',
    ResourceId: 'inference-component/x',
    ScalableDimension: 'sagemaker:inference-component:DesiredCopyCount',
    PolicyType: p.PolicyType,
    StepScalingPolicyConfiguration: p.StepScalingPolicyConfiguration,
    TargetTrackingScalingPolicyConfiguration: p.TargetTrackingScalingPolicyConfiguration,
  }));
}
