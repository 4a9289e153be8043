// One validation mechanism: errors raised by a construct name its path (ValidationError), and every range check
// skips values known only at deploy time (isLiteral), in hosting and in training alike.
import * as path from 'path';
import * as cdk from 'aws-cdk-lib';
import { ModelData, RealtimeEndpoint, ServingMode, TrainingJob } from '../../lib';
import { isLiteral, validateIntegerInRange, ValidationError } from '../../lib/common/validation';
import { fastApp } from '../helpers/synth-checks';

const MODEL = ModelData.fromS3Uri('s3://bkt/model.tar.gz');
const SOURCE = path.join(__dirname, '..', '..', 'examples', 'train-and-serve', 'training');

describe('ValidationError', () => {
  test('with a scope the message starts with the construct path; it is an Error of its own class', () => {
    const stack = new cdk.Stack(fastApp(), 'S');
    const error = new ValidationError('x must be 1.', new cdk.Stack(stack, 'Inner'));
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.name).toBe('ValidationError');
    expect(error.message).toBe('S/Inner: x must be 1.');
  });

  test('with two endpoints in one stack, "instanceCount must be a whole number" says which', () => {
    const stack = new cdk.Stack(fastApp(), 'Shop');
    new RealtimeEndpoint(stack, 'Classifier', { modelData: MODEL });
    expect(() => new RealtimeEndpoint(stack, 'Reranker', { modelData: MODEL, instanceCount: 1.5 }))
      .toThrow(new ValidationError('instanceCount must be a whole number from 1 to 1000, got 1.5.', stack.node.findChild('Classifier')).message.replace('Classifier', 'Reranker'));
    expect(() => new RealtimeEndpoint(stack, 'Reranker2', { modelData: MODEL, instanceCount: 1.5 }))
      .toThrow(/^Shop\/Reranker2: instanceCount must be a whole number from 1 to 1000, got 1\.5\.$/);
  });

  test('a serving mode\'s rules name the endpoint too', () => {
    const stack = new cdk.Stack(fastApp(), 'Shop');
    expect(() => new RealtimeEndpoint(stack, 'Embedder', {
      modelData: MODEL, servingMode: ServingMode.realtimeScaleToZero({ maxCopyCount: 0 }),
    })).toThrow(/^Shop\/Embedder: realtimeScaleToZero maxCopyCount must be a whole number from 1, got 0\.$/);
    expect(() => new RealtimeEndpoint(stack, 'Batch', {
      modelData: MODEL, servingMode: ServingMode.asynchronous({ maxConcurrentInvocationsPerInstance: 1001 }),
    })).toThrow(/^Shop\/Batch: asynchronous maxConcurrentInvocationsPerInstance must be a whole number from 1 to 1000, got 1001\.$/);
  });

  test('training names its job', () => {
    const stack = new cdk.Stack(fastApp(), 'Shop');
    expect(() => new TrainingJob(stack, 'Train', { sourceDirectory: SOURCE, instanceCount: 0 }))
      .toThrow(/^Shop\/Train: instanceCount must be a whole number of at least 1 \(got 0\)\.$/);
  });
});

describe('one rule for deploy-time values: range checks skip unresolved tokens', () => {
  test('isLiteral', () => {
    expect(isLiteral(3)).toBe(true);
    expect(isLiteral(undefined)).toBe(false);
    expect(isLiteral(cdk.Token.asNumber({ Ref: 'Count' }))).toBe(false);
    expect(() => validateIntegerInRange('n', cdk.Token.asNumber({ Ref: 'Count' }), 1, 10)).not.toThrow();
  });

  test('an instance count from a parameter passes in hosting and in training alike', () => {
    const stack = new cdk.Stack(fastApp(), 'Shop');
    const count = new cdk.CfnParameter(stack, 'Count', { type: 'Number' }).valueAsNumber;
    expect(() => new RealtimeEndpoint(stack, 'Endpoint', { modelData: MODEL, instanceCount: count })).not.toThrow();
    expect(() => new TrainingJob(stack, 'Train', { sourceDirectory: SOURCE, instanceCount: count })).not.toThrow();
  });
});
