// Offline access to the real SageMaker API model that aws-sdk v2 ships (apis/sagemaker-2017-07-24.min.json).
/* eslint-disable @typescript-eslint/no-require-imports */
const AWS = require('aws-sdk');
const apiJson = require('aws-sdk/apis/sagemaker-2017-07-24.min.json');

const api = new AWS.Model.Api(apiJson);

/** The input shape of an operation (e.g. 'createTrainingJob'). */
export function inputShape(operation: string): any {
  return api.operations[operation].input;
}

/**
 * Validates params against an operation's input shape: throws on a missing or unknown member or a wrong type.
 * (The .min.json model has no length, range, pattern or enum constraints, so those are not checked.)
 */
export function validateRequest(operation: string, params: unknown): void {
  new AWS.ParamValidator(true).validate(inputShape(operation), params);
}

/** The output shape of an operation. */
export function outputShape(operation: string): any {
  return api.operations[operation].output;
}

/** Validates a response against an operation's output shape, with the same checks: keeps a fake service honest. */
export function validateResponse(operation: string, body: unknown): void {
  new AWS.ParamValidator(true).validate(outputShape(operation), body);
}

/** The model's key of an operation from its wire name ('CreateTrainingJob' -> 'createTrainingJob'), or undefined. */
export function operationKey(wireName: string): string | undefined {
  return Object.keys(api.operations).find((key) => api.operations[key].name === wireName);
}

/** The protocol facts of the model: awsJson `jsonVersion`, the `X-Amz-Target` prefix, and the SigV4 signing name. */
export const PROTOCOL: { readonly jsonVersion: string; readonly targetPrefix: string; readonly signingName: string } = {
  jsonVersion: apiJson.metadata.jsonVersion,
  targetPrefix: apiJson.metadata.targetPrefix,
  signingName: apiJson.metadata.signingName,
};

/** The compact shape tree the handler uses (see lib/training/runtime/api-shape.ts), derived from the model. */
export function compactShape(shape: any, seen: string[] = []): unknown {
  switch (shape.type) {
    case 'structure': {
      const members: { [key: string]: unknown } = {};
      for (const name of Object.keys(shape.members).sort()) {
        members[name] = compactShape(shape.members[name], seen);
      }
      return ['S', members];
    }
    case 'list': return ['L', compactShape(shape.member, seen)];
    case 'map': return ['M', compactShape(shape.value, seen)];
    case 'integer': case 'long': return 'i';
    case 'float': case 'double': return 'f';
    case 'boolean': return 'b';
    case 'timestamp': return 't';
    default: return 's';
  }
}

/**
 * aws-sdk v2's validator accepts a numeric string for a number member (it casts): this walk is strict, so a
 * number CloudFormation delivered as a string and left unconverted is caught.
 */
export function strictScalarTypes(shape: any, value: any, where = 'params'): string[] {
  if (value === undefined || value === null) return [];
  switch (shape.type) {
    case 'structure':
      return Object.keys(value).flatMap((k) => (shape.members[k] ? strictScalarTypes(shape.members[k], value[k], `${where}.${k}`) : []));
    case 'list': return (value as any[]).flatMap((v, i) => strictScalarTypes(shape.member, v, `${where}[${i}]`));
    case 'map': return Object.keys(value).flatMap((k) => strictScalarTypes(shape.value, value[k], `${where}.${k}`));
    case 'integer': case 'long': return Number.isInteger(value) ? [] : [`${where} is ${JSON.stringify(value)}, not an integer`];
    case 'float': case 'double': return typeof value === 'number' ? [] : [`${where} is ${JSON.stringify(value)}, not a number`];
    case 'boolean': return typeof value === 'boolean' ? [] : [`${where} is ${JSON.stringify(value)}, not a boolean`];
    default: return typeof value === 'string' ? [] : [`${where} is ${JSON.stringify(value)}, not a string`];
  }
}
