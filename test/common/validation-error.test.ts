// One validation mechanism: errors raised by a construct name its path (ValidationError), and every range check
// skips values known only at deploy time (isLiteral), in hosting and in training alike.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as cdk from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  ContainerImage, DeploymentGuardrails, Hyperparameter, HyperparameterType, ImageVariant, InferenceCode, InferenceCodeInjection,
  InstanceType, ModelData, PytorchCustomEndpoint, PytorchVersion, RealtimeEndpoint, ServingMode, TrainingDistribution, TrainingInput,
  TrainingJob, TrainingJobMetrics,
} from '../../lib';
import { isLiteral, UnscopedValidationError, validateIntegerInRange, ValidationError } from '../../lib/common/validation';
import { fastApp } from '../helpers/synth-checks';
import { threeTierVpc } from '../helpers/vpcs';

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
    })).toThrow(/^Shop\/Embedder: realtimeScaleToZero maxCopyCount must be a whole number of at least 1, got 0\.$/);
    expect(() => new RealtimeEndpoint(stack, 'Batch', {
      modelData: MODEL, servingMode: ServingMode.asynchronous({ maxConcurrentInvocationsPerInstance: 1001 }),
    })).toThrow(/^Shop\/Batch: asynchronous maxConcurrentInvocationsPerInstance must be a whole number from 1 to 1000, got 1001\.$/);
  });

  test('training names its job', () => {
    const stack = new cdk.Stack(fastApp(), 'Shop');
    expect(() => new TrainingJob(stack, 'Train', { sourceDirectory: SOURCE, instanceCount: 0 }))
      .toThrow(/^Shop\/Train: instanceCount must be a whole number of at least 1, got 0\.$/);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Every construct-raised error names its path: for each file that raises one, a representative bad input given to
// the second of two constructs of the same kind in one stack. The message must start with that construct's path
// (or a child's: a bound image or a placement may raise under the construct's own child), never the first one's,
// and go on with the words users and tests already know.
// ---------------------------------------------------------------------------------------------------------------

/** The thing the error is about: built once well (`bad` false) and once with the bad input, under `id`. */
type Build = (stack: cdk.Stack, id: string, bad: boolean) => unknown;

const SERVING = path.join(__dirname, '..', '..', 'examples', 'common', 'classifier', 'serving');
/** A model.tar.gz without code/inference.py: an endpoint refuses to serve it as it is. */
const WEIGHTS_ONLY = path.join(__dirname, '..', 'fixtures', 'archives', 'bsdtar-biglast.tar.gz');

/** A training source directory with a symbolic link in it (the archive refuses links), made once. */
function sourceWithLink(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'validation-error-'));
  fs.writeFileSync(path.join(dir, 'train.py'), 'print("train")\n');
  fs.symlinkSync('train.py', path.join(dir, 'again.py'));
  return dir;
}
let linked: string | undefined;
afterAll(() => { if (linked) fs.rmSync(linked, { recursive: true, force: true }); });

const endpoint = (props: Partial<ConstructorParameters<typeof RealtimeEndpoint>[2]>): Build => (stack, id, bad) =>
  new RealtimeEndpoint(stack, id, { modelData: MODEL, ...(bad ? props : {}) });
const training = (props: Partial<ConstructorParameters<typeof TrainingJob>[2]>): Build => (stack, id, bad) =>
  new TrainingJob(stack, id, { sourceDirectory: SOURCE, ...(bad ? props : {}) });

const SCOPED: ReadonlyArray<[file: string, kind: string, build: Build, words: string, stack?: string]> = [
  ['lib/training/metric-definitions.ts', 'Train', training({ metricDefinitions: [{ name: 'loss', regex: 'a=(.*)' }, { name: 'loss', regex: 'b=(.*)' }] }),
    "metricDefinitions: 'loss' is defined twice"],
  ['lib/training/hyperparameter-set.ts', 'Train', training({ hyperparameters: { sagemaker_program: Hyperparameter.string('x') } }),
    'Invalid hyperparameters: '],
  ['lib/training/training-distribution.ts', 'Train', training({ instanceType: InstanceType.ML_M5_XLARGE, distribution: TrainingDistribution.TORCH_DISTRIBUTED }),
    'TrainingDistribution.TORCH_DISTRIBUTED needs GPU or Trainium instances'],
  ['lib/training/library-hyperparameters.ts', 'Train', (stack, id, bad) => {
    // A synthesizer without literal asset keys, in a stack of its own beside the first job's (the same parent).
    const own = bad ? new cdk.Stack(stack.node.scope as cdk.App, `${stack.stackName}Legacy`, { synthesizer: new cdk.LegacyStackSynthesizer() }) : stack;
    return new TrainingJob(own, id, { sourceDirectory: SOURCE, enableNetworkIsolation: true });
  }, 'enableNetworkIsolation needs the source asset key at synth time', 'ShopLegacy'],
  ['lib/training/source-archive.ts', 'Train', (stack, id, bad) =>
    new TrainingJob(stack, id, { sourceDirectory: bad ? (linked ??= sourceWithLink()) : SOURCE }), 'Source directory '],
  ['lib/common/validation.ts (prop types)', 'Train', training({ instanceType: 'ml.g5.xlarge' as unknown as InstanceType }),
    'instanceType: expected an InstanceType'],
  ['lib/common/validation.ts (prop types)', 'Reranker', endpoint({ instanceType: 'ml.g5.xlarge' as unknown as InstanceType }),
    'instanceType: expected an InstanceType'],
  ['lib/common/validation.ts (environment)', 'Reranker', endpoint({ environment: { '1BAD': 'x' } }),
    "environment variable name '1BAD' is invalid"],
  ['lib/core/container-image.ts', 'Reranker', endpoint({ image: ContainerImage.pytorchInference(undefined, ImageVariant.CPU) }),
    'A CPU image was chosen for GPU instance type ml.g5.xlarge'],
  ['lib/core/model-data.ts', 'Reranker', endpoint({ modelData: ModelData.fromAsset(WEIGHTS_ONLY) }),
    `ModelData.fromAsset: ${WEIGHTS_ONLY} has no code/inference.py`],
  ['lib/common/vpc-placement.ts', 'Reranker', (stack, id, bad) => {
    const vpc = (stack.node.tryFindChild('Vpc') as ec2.Vpc | undefined) ?? threeTierVpc(stack, 'Vpc', 2);
    return new RealtimeEndpoint(stack, id, { modelData: MODEL, vpc, vpcSubnets: bad ? { subnets: [] } : undefined });
  }, 'vpcSubnets selects no subnet of the VPC'],
  ['lib/common/vpc-placement.ts', 'Injection', (stack, id, bad) => {
    const vpc = (stack.node.tryFindChild('Vpc') as ec2.Vpc | undefined) ?? threeTierVpc(stack, 'Vpc', 2);
    const bucket = (stack.node.tryFindChild('Models') as s3.Bucket | undefined) ?? new s3.Bucket(stack, 'Models');
    return new InferenceCodeInjection(stack, id, {
      modelData: ModelData.fromBucket(bucket, 'model.tar.gz'), inferenceCode: InferenceCode.fromDirectory(SERVING),
      vpc, vpcSubnets: bad ? { subnets: [] } : undefined,
    });
  }, 'vpcSubnets selects no subnet of the VPC'],
  ['lib/pytorch-custom-endpoint.ts (prop types)', 'Classifier', (stack, id, bad) =>
    new PytorchCustomEndpoint(stack, id, { model: bad ? 's3://bkt/model.tar.gz' as unknown as ModelData : MODEL }),
  'model: expected a ModelData'],
  ['lib/training/hyperparameters.ts (fromParameter: the parameter is the construct)', 'Epochs', (stack, id, bad) =>
    Hyperparameter.fromParameter(new cdk.CfnParameter(stack, id, { type: bad ? 'String' : 'Number' }), HyperparameterType.INTEGER),
  "Hyperparameter.fromParameter(parameter, integer): the parameter has type 'String'"],
];

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

describe('every construct-raised error starts with the path of the construct it is about', () => {
  test.each(SCOPED)('%s: the second %s of a stack', (_file, kind, build, words, stackName = 'Shop') => {
    const stack = new cdk.Stack(fastApp(), 'Shop');
    build(stack, kind, false);
    let error: unknown;
    try {
      build(stack, `${kind}2`, true);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(new RegExp(`^${stackName}/${kind}2(/[^:]+)?: ${escape(words)}`));
    expect((error as Error).name).toBe('ValidationError');
  });
});

// A static factory runs before any construct exists: its error names the call (or the value) instead of a path.
const UNSCOPED: ReadonlyArray<[file: string, call: () => unknown, words: RegExp]> = [
  ['lib/core/instance-type.ts', () => InstanceType.of('g5.xlarge'), /^Instance type 'g5\.xlarge' must start with 'ml\.'/],
  ['lib/common/validation.ts (argument types)', () => InstanceType.of(5 as unknown as string), /^InstanceType\.of\(5\): expected a string/],
  ['lib/core/model-data.ts', () => ModelData.fromS3Uri('https://bkt/model.tar.gz'), /^Model data URI 'https:\/\/bkt\/model\.tar\.gz' is not of the form/],
  // A bucket name S3 refuses failed later, inside aws-cdk-lib's Bucket.fromBucketName, without naming the call.
  ['lib/core/model-data.ts', () => ModelData.fromS3Uri('s3://b/model.tar.gz'), /^ModelData\.fromS3Uri\('s3:\/\/b\/model\.tar\.gz'\): bucket name 'b' is not one S3 allows \(Bucket name must be at least 3/],
  ['lib/core/model-data.ts', () => ModelData.fromAsset('model.zip'), /^Model data asset 'model\.zip' must be a \.tar\.gz file/],
  ['lib/core/container-image.ts', () => PytorchVersion.of('2.6'), /^PyTorch version '2\.6' must be a full/],
  ['lib/core/container-image.ts', () => ContainerImage.fromImageUri('my image'), /^Image URI 'my image' is invalid/],
  ['lib/common/validation.ts (instance types)', () => ContainerImage.pytorchInference('2.6.0' as unknown as PytorchVersion),
    /^ContainerImage\.pytorchInference: version: expected a PytorchVersion/],
  ['lib/training/hyperparameters.ts', () => Hyperparameter.integer(1.5), /^Hyperparameter\.integer\(1\.5\): the value must be a whole number/],
  ['lib/training/hyperparameters.ts', () => Hyperparameter.map(5 as unknown as { [key: string]: Hyperparameter }), /^Hyperparameter\.map: expected an object/],
  ['lib/training/hyperparameters.ts', () => Hyperparameter.integerList('1,2' as unknown as number[]), /^Hyperparameter\.integerList\('1,2'\): expected an array/],
  ['lib/training/training-input.ts', () => TrainingInput.fromBucket(s3.Bucket.fromBucketName(new cdk.Stack(), 'B', 'bkt'), '/data'),
    /^Training input prefix '\/data' must not start with '\/'/],
  ['lib/training/training-job-metrics.ts', () => new TrainingJobMetrics('job').dashboardWidgets({ instanceCount: 0 }),
    /^instanceCount must be a whole number of at least 1, got 0\./],
  ['lib/packaging/inference-code.ts', () => InferenceCode.fromDirectory(path.join(os.tmpdir(), 'no-such-code-directory')), /^InferenceCode: /],
  ['lib/common/validation.ts (factory options)', () => ServingMode.asynchronous('fast' as unknown as object),
    /^ServingMode\.asynchronous: expected an object of options/],
  ['lib/common/validation.ts (factory options)', () => DeploymentGuardrails.rolling({ maximumBatchSize: 5 } as never),
    /^DeploymentGuardrails\.rolling: maximumBatchSize: expected/],
];

describe('factories raise UnscopedValidationError, naming the call', () => {
  test.each(UNSCOPED)('%s', (_file, call, words) => {
    let error: unknown;
    try {
      call();
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UnscopedValidationError);
    expect(error).not.toBeInstanceOf(ValidationError);
    // To a user it is a ValidationError, as aws-cdk-lib's unscoped one presents itself.
    expect((error as Error).name).toBe('ValidationError');
    expect((error as Error).message).toMatch(words);
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
