import * as cdk from 'aws-cdk-lib';
import { flattenCfnReference } from '../../lib/common/nag-acknowledgements';
import { SAGEMAKER_MODEL_NAME_PATTERN } from '../../lib/common/sagemaker-names';
import { checkIntegerInRange, integerRangeProblem, UnscopedValidationError, validateContainerEnvironment, validateIntegerInRange, validateSageMakerName } from '../../lib/common/validation';

describe('validateSageMakerName', () => {
  test.each(['a', 'my-endpoint', 'A1--b2', 'x'.repeat(63)])('accepts %s', name => {
    expect(() => validateSageMakerName('endpointName', name)).not.toThrow();
  });

  test.each([
    ['', /1 to 63/],
    ['x'.repeat(64), /64 characters long; SageMaker accepts 1 to 63/],
    ['-lead', /not a valid SageMaker name/],
    ['trail-', /not a valid SageMaker name/],
    ['has_underscore', /not a valid SageMaker name/],
    ['dot.name', /not a valid SageMaker name/],
  ])('rejects %s', (name, message) => {
    expect(() => validateSageMakerName('endpointName', name)).toThrow(message);
  });

  test('tokens pass: their value is known only at deploy time', () => {
    const stack = new cdk.Stack();
    const param = new cdk.CfnParameter(stack, 'P');
    expect(() => validateSageMakerName('endpointName', param.valueAsString)).not.toThrow();
  });

  test('model names may not end in a hyphen either', () => {
    expect(() => validateSageMakerName('modelName', 'model-1', SAGEMAKER_MODEL_NAME_PATTERN)).not.toThrow();
    expect(() => validateSageMakerName('modelName', 'model-', SAGEMAKER_MODEL_NAME_PATTERN)).toThrow(/modelName 'model-'/);
  });
});

describe('validateIntegerInRange', () => {
  test('bounds are inclusive; fractions and outside values fail with the range in the message', () => {
    expect(() => validateIntegerInRange('t', 60, 60, 3600, { unit: 'seconds' })).not.toThrow();
    expect(() => validateIntegerInRange('t', 3600, 60, 3600, { unit: 'seconds' })).not.toThrow();
    expect(() => validateIntegerInRange('t', 59, 60, 3600, { unit: 'seconds' })).toThrow('t must be a whole number from 60 to 3600 seconds, got 59 seconds.');
    expect(() => validateIntegerInRange('t', 3601, 60, 3600)).toThrow(/from 60 to 3600, got 3601/);
    expect(() => validateIntegerInRange('t', 1.5, 1, 10)).toThrow(/whole number/);
  });

  test('without a maximum: "of at least", with the unit and the reason; tokens and strings', () => {
    expect(integerRangeProblem('c', 0, 1, undefined, { unit: 'MiB', why: 'an API rule' })).toBe('c must be a whole number of at least 1 MiB (an API rule), got 0 MiB.');
    expect(integerRangeProblem('c', 1, 1)).toBeUndefined();
    expect(integerRangeProblem('c', 2 ** 40, 1)).toBeUndefined();
    expect(integerRangeProblem('c', cdk.Token.asNumber({ Ref: 'P' }), 1)).toBeUndefined();
    expect(integerRangeProblem('c', '2' as any, 1)).toMatch(/^c must be a whole number of at least 1, got the string '2'/);
    // Thrown, it names the construct whose prop it is; a factory's (no scope) is unscoped.
    const scope = new cdk.Stack(new cdk.App(), 'S');
    expect(() => validateIntegerInRange('c', 0, 1, undefined, { scope })).toThrow(/^S: c must be a whole number of at least 1, got 0\.$/);
    expect(() => validateIntegerInRange('c', 0, 1)).toThrow(UnscopedValidationError);
  });

  test('checkIntegerInRange hands the same message to a rule\'s own callback, and calls it only on a problem', () => {
    const failures: string[] = [];
    const fail = (message: string): never => {
      failures.push(message);
      throw new Error(message);
    };
    expect(() => checkIntegerInRange(fail, 'copies', 3, 0, 4)).not.toThrow();
    expect(() => checkIntegerInRange(fail, 'copies', cdk.Token.asNumber({ Ref: 'P' }), 0)).not.toThrow();
    expect(failures).toEqual([]);
    expect(() => checkIntegerInRange(fail, 'copies', -1, 0, undefined, { why: 'CopyCount' })).toThrow();
    expect(failures).toEqual([integerRangeProblem('copies', -1, 0, undefined, { why: 'CopyCount' })]);
    expect(failures[0]).toBe('copies must be a whole number of at least 0 (CopyCount), got -1.');
  });
});

describe('validateContainerEnvironment', () => {
  test('accepts SageMaker-shaped variables', () => {
    expect(() => validateContainerEnvironment('environment', { SAGEMAKER_MODEL_SERVER_WORKERS: '2', _x1: 'y' })).not.toThrow();
  });
  test('rejects bad names, long values and more than 100 variables', () => {
    expect(() => validateContainerEnvironment('environment', { '1ABC': 'x' })).toThrow(/variable name '1ABC' is invalid/);
    expect(() => validateContainerEnvironment('environment', { 'A-B': 'x' })).toThrow(/variable name 'A-B'/);
    expect(() => validateContainerEnvironment('environment', { A: 'x'.repeat(1025) })).toThrow(/1025 characters long/);
    const many: { [k: string]: string } = {};
    for (let i = 0; i < 101; i++) {
      many[`V${i}`] = 'x';
    }
    expect(() => validateContainerEnvironment('environment', many)).toThrow(/101 variables; SageMaker accepts at most 100/);
    // 32 variables of 1 KiB values: each within the per-value limit, together over the 32 KB total.
    const large = Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`V${i}`, 'x'.repeat(1024)]));
    expect(() => validateContainerEnvironment('environment', large)).toThrow(/holds 32\d{3} bytes .* at most 32768 in all/);
    const justUnder = Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`V${i}`, 'x'.repeat(1024)]));
    expect(() => validateContainerEnvironment('environment', justUnder)).not.toThrow();
  });
});

describe('flattenCfnReference (cdk-nag finding ids)', () => {
  test('flattens Ref, GetAtt, Join and Sub the way cdk-nag names IAM5 findings', () => {
    expect(flattenCfnReference({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::', { 'Fn::GetAtt': ['B1', 'Arn'] }, '/x/*']] }))
      .toBe('arn:<AWS::Partition>:s3:::<B1.Arn>/x/*');
    expect(flattenCfnReference({ 'Fn::Sub': 'arn:${AWS::Partition}:logs:*' })).toBe('arn:<AWS::Partition>:logs:*');
    expect(flattenCfnReference('*')).toBe('*');
  });
});
