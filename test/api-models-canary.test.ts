// Canary for test/helpers/api-models.ts: every kind of constraint the full botocore models carry is enforced, with
// the member path, so "passes the API model" elsewhere in the suite cannot mean "checked nothing".
import {
  checkRequest, compilePattern, deployedProperties, javaToJs, untranslatablePatterns, validateRequest, validateResponse,
} from './helpers/api-models';

const MODEL = {
  ModelName: 'classifier',
  ExecutionRoleArn: 'arn:aws:iam::123456789012:role/x',
  PrimaryContainer: { Image: '763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.5-gpu-py311', ModelDataUrl: 's3://bkt/model.tar.gz' },
};
const CONFIG = {
  EndpointConfigName: 'classifier-config',
  ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'classifier', InstanceType: 'ml.g5.xlarge', InitialInstanceCount: 1 }],
};

describe('a valid request passes', () => {
  test.each([
    ['sagemaker', 'CreateModel', MODEL],
    ['sagemaker', 'CreateEndpointConfig', CONFIG],
    ['application-autoscaling', 'RegisterScalableTarget', {
      ServiceNamespace: 'sagemaker', ResourceId: 'endpoint/e/variant/AllTraffic', ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
      MinCapacity: 1, MaxCapacity: 4,
    }],
  ])('%s %s', (service, operation, params) => {
    expect(checkRequest(service, operation, params)).toEqual([]);
  });
});

describe('each kind of violation is rejected with its member path', () => {
  const variant = (change: object) => ({ ...CONFIG, ProductionVariants: [{ ...CONFIG.ProductionVariants[0], ...change }] });
  test.each<[string, string, object, RegExp]>([
    ['a wrong enum value', 'CreateEndpointConfig', variant({ InstanceType: 'ml.foo' }),
      /^ProductionVariants\[0\]\.InstanceType: 'ml\.foo' is not one of ml\./],
    ['an enum in the wrong case', 'CreateModel', { ...MODEL, PrimaryContainer: { ...MODEL.PrimaryContainer, ModelDataSource: {
      S3DataSource: { S3Uri: 's3://bkt/m/', S3DataType: 'S3Prefix', CompressionType: 'NONE' } } } },
    /^PrimaryContainer\.ModelDataSource\.S3DataSource\.CompressionType: 'NONE' is not one of None, Gzip$/],
    ['a pattern violation', 'CreateModel', { ...MODEL, ModelName: 'my_model' },
      /^ModelName: 'my_model' does not match the pattern \[a-zA-Z0-9\]/],
    ['a pattern that only matches a prefix (patterns match the whole value)', 'CreateModel', { ...MODEL, ExecutionRoleArn: 'arn:aws:iam::123456789012:role/x y' },
      /^ExecutionRoleArn: 'arn:aws:iam::123456789012:role\/x y' does not match the pattern/],
    ['an out-of-range integer', 'CreateEndpointConfig', variant({ InitialInstanceCount: 0 }),
      /^ProductionVariants\[0\]\.InitialInstanceCount: 0 is below the minimum of 1$/],
    ['an over-long string', 'CreateModel', { ...MODEL, ModelName: 'm'.repeat(64) },
      /^ModelName: 'm{64}' has 64 characters, more than the maximum of 63$/],
    ['a list over its size', 'CreateModel', { ...MODEL, Tags: Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })) },
      /^Tags has 51 items, more than the maximum of 50$/],
    ['a missing required member', 'CreateModel', { ...MODEL, ModelName: undefined }, /^ModelName: required member missing$/],
    ['an unknown member', 'CreateEndpointConfig', variant({ Bogus: 1 }), /^ProductionVariants\[0\]\.Bogus: unknown member/],
    ['a number sent as a string', 'CreateEndpointConfig', variant({ InitialInstanceCount: '1' }),
      /^ProductionVariants\[0\]\.InitialInstanceCount: '1' is a string, expected an integer$/],
    ['a map key against its pattern', 'CreateModel', { ...MODEL, PrimaryContainer: { ...MODEL.PrimaryContainer, Environment: { 'NOT-A-VAR': 'x' } } },
      /^PrimaryContainer\.Environment\["NOT-A-VAR"\] \(key\): 'NOT-A-VAR' does not match the pattern/],
  ])('%s', (_name, operation, params, message) => {
    const problems = checkRequest('sagemaker', operation, params);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
    expect(() => validateRequest('sagemaker', operation, params)).toThrow(/invalid against the botocore model/);
  });

  test('Application Auto Scaling: a namespace in the wrong case and an over-long resource id', () => {
    expect(checkRequest('application-autoscaling', 'RegisterScalableTarget', {
      ServiceNamespace: 'SageMaker', ResourceId: `endpoint/${'e'.repeat(1600)}/variant/v`, ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
    })).toEqual([
      expect.stringMatching(/^ServiceNamespace: 'SageMaker' is not one of .*sagemaker/),
      expect.stringMatching(/^ResourceId: .* has 1619 characters, more than the maximum of 1600$/),
    ]);
  });

  test('answers are checked too (a fake service stays honest)', () => {
    expect(() => validateResponse('sagemaker', 'CreateTrainingJob', { TrainingJobArn: 'not-an-arn' })).toThrow(/TrainingJobArn: 'not-an-arn' does not match the pattern/);
    expect(() => validateResponse('sagemaker', 'CreateTrainingJob', {
      TrainingJobArn: 'arn:aws:sagemaker:us-east-1:123456789012:training-job/t',
    })).not.toThrow();
  });
});

describe('Java patterns', () => {
  test('every pattern of the SageMaker and Application Auto Scaling models translates to a JavaScript RegExp', () => {
    expect(untranslatablePatterns('sagemaker')).toEqual([]);
    expect(untranslatablePatterns('application-autoscaling')).toEqual([]);
  });

  test('the Java-only syntax the models use is translated, and matched against the whole value', () => {
    expect(javaToJs('arn:[\\p{Alnum}\\-]+:lambda')).toBe('arn:[a-zA-Z0-9\\-]+:lambda');
    expect(javaToJs('\\p{Print}+')).toBe('[ -~]+');
    expect(javaToJs('[a-zA-Z0-9\\ \\_\\.]+')).toBe('[a-zA-Z0-9 _\\.]+');
    expect(javaToJs('([\\p{L}\\p{N}]*)${1,128}')).toBe('([\\p{L}\\p{N}]*)$');
    const tag = compilePattern('([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)') as RegExp;
    expect(tag.test('équipe ML')).toBe(true);
    expect(tag.test('a|b')).toBe(false);
  });

  test('Java syntax with no JavaScript equivalent is reported, not skipped', () => {
    expect(compilePattern('(?i)abc')).toEqual({ error: expect.stringMatching(/inline flag/) });
    expect(compilePattern('[a-z&&[^e]]')).toEqual({ error: expect.stringMatching(/nested character class|intersection/) });
    expect(compilePattern('a*+b')).toEqual({ error: expect.stringMatching(/possessive/) });
  });
});

test('template values become realistic requests: intrinsics are evaluated, not blanked', () => {
  const template = {
    Resources: {
      Role: { Type: 'AWS::IAM::Role' },
      Model: {
        Type: 'AWS::SageMaker::Model',
        Properties: {
          ExecutionRoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] },
          PrimaryContainer: {
            Image: { 'Fn::Sub': '763104351884.dkr.ecr.${AWS::Region}.${AWS::URLSuffix}/pytorch-inference:2.5-gpu-py311' },
            ModelDataUrl: 's3://bkt/model.tar.gz',
          },
        },
      },
    },
  };
  const model = deployedProperties(template, 'AWS::SageMaker::Model');
  expect(model.ExecutionRoleArn).toBe('arn:aws:iam::123456789012:role/Role');
  expect(checkRequest('sagemaker', 'CreateModel', { ModelName: 'm', ...model })).toEqual([]);
  // A property built wrongly is caught through the evaluation (the old 'resolved-at-deploy-time' string passed all).
  template.Resources.Model.Properties.ExecutionRoleArn = { 'Fn::GetAtt': ['Role', 'RoleId'] } as any;
  expect(checkRequest('sagemaker', 'CreateModel', { ModelName: 'm', ...deployedProperties(template, 'AWS::SageMaker::Model') }))
    .toContainEqual(expect.stringMatching(/^ExecutionRoleArn: .* does not match the pattern arn:aws/));
});
