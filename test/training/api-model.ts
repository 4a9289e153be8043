// Offline access to the real SageMaker API model that aws-sdk v2 ships (apis/sagemaker-2017-07-24.min.json).
/* eslint-disable @typescript-eslint/no-require-imports */
const AWS = require('aws-sdk');
const apiJson = require('aws-sdk/apis/sagemaker-2017-07-24.min.json');

const api = new AWS.Model.Api(apiJson);

/** The input shape of an operation (e.g. 'createTrainingJob'). */
export function inputShape(operation: string): any {
  return api.operations[operation].input;
}

/** Validates params against an operation's input shape: throws on a missing or unknown member or a wrong type. */
export function validateRequest(operation: string, params: unknown): void {
  new AWS.ParamValidator(true).validate(inputShape(operation), params);
}

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
