/**
 * Messages for callers without a type checker (issue 20, item 5): JavaScript, or a jsii language that passes a value
 * of the wrong kind. TypeScript refuses these inputs, so they are passed through `unknown` here, and the three inputs
 * of the issue also run from a real .js file. Each message says what is wrong and what to write instead.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  CapacitySize, ContainerImage, DeploymentGuardrails, Hyperparameter, InferenceCode, InferenceCodeInjection, InstanceType, ModelData,
  PytorchCustomEndpoint, PytorchVersion, RealtimeEndpoint, ServingMode, TrainingJob,
} from '../../lib';
import { describeValue } from '../../lib/common/validation';

const root = path.join(__dirname, '..', '..');
const trainingDir = path.join(root, 'examples', 'train-and-serve', 'training');
const servingDir = path.join(root, 'examples', 'train-and-serve', 'serving');

/** What a JavaScript caller can write: any value where a typed one is declared. */
function untyped<T>(value: unknown): T {
  return value as T;
}

function stack(): Stack {
  return new Stack(new App(), 'S', { env: { account: '123456789012', region: 'us-east-1' } });
}

function bucketModel(s: Stack): ModelData {
  return ModelData.fromBucket(s3.Bucket.fromBucketName(s, 'B', 'models'), 'm/model.tar.gz');
}

describe('the issue\'s three inputs', () => {
  test('epochs: 10 instead of Hyperparameter.integer(10) (was: TypeError: hp.toWireString is not a function)', () => {
    expect(() => new TrainingJob(stack(), 'T', { sourceDirectory: trainingDir, hyperparameters: untyped({ epochs: 10 }) }))
      .toThrow('hyperparameters.epochs: expected a Hyperparameter (e.g. Hyperparameter.integer(10)), got the number 10.');
    expect(() => new PytorchCustomEndpoint(stack(), 'E', { training: { sourceDirectory: trainingDir, hyperparameters: untyped({ epochs: 10 }) } }))
      .toThrow('training.hyperparameters.epochs: expected a Hyperparameter (e.g. Hyperparameter.integer(10)), got the number 10.');
  });

  test('Hyperparameter.integer(\'10\') (was: "integer(10): the value must be a whole number", the quotes lost)', () => {
    expect(() => Hyperparameter.integer(untyped('10')))
      .toThrow("Hyperparameter.integer('10'): expected a number, got the string '10': write Hyperparameter.integer(10), without quotes.");
  });

  test('instanceType: \'ml.g5.xlarge\' (was: "Instance type undefined is not a SageMaker real-time hosting instance type")', () => {
    expect(() => new PytorchCustomEndpoint(stack(), 'E', { model: ModelData.fromS3Uri('s3://models/model.tar.gz'), endpoint: { instanceType: untyped('ml.g5.xlarge') } }))
      .toThrow("endpoint.instanceType: expected an InstanceType (e.g. InstanceType.of('ml.g5.xlarge')), got the string 'ml.g5.xlarge'.");
    expect(() => new TrainingJob(stack(), 'T', { sourceDirectory: trainingDir, instanceType: untyped('ml.g5.xlarge') }))
      .toThrow("instanceType: expected an InstanceType (e.g. InstanceType.of('ml.g5.xlarge')), got the string 'ml.g5.xlarge'.");
  });

  test('the same three from a real JavaScript file', () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'untyped-'));
    try {
      const script = path.join(work, 'app.js');
      fs.writeFileSync(script, `
const { App, Stack } = require(${JSON.stringify(require.resolve('aws-cdk-lib'))});
const lib = require(${JSON.stringify(path.join(root, 'lib'))});
const attempts = {
  epochs: () => new lib.PytorchCustomEndpoint(new Stack(new App(), 'A'), 'E', { training: { sourceDirectory: ${JSON.stringify(trainingDir)}, hyperparameters: { epochs: 10 } } }),
  integer: () => lib.Hyperparameter.integer('10'),
  instanceType: () => new lib.PytorchCustomEndpoint(new Stack(new App(), 'B'), 'E', { model: lib.ModelData.fromS3Uri('s3://models/model.tar.gz'), endpoint: { instanceType: 'ml.g5.xlarge' } }),
};
const out = {};
for (const [name, attempt] of Object.entries(attempts)) {
  try { attempt(); out[name] = 'no error'; } catch (e) { out[name] = e.message; }
}
process.stdout.write(JSON.stringify(out));
`);
      const r = spawnSync(process.execPath, ['--require', require.resolve('tsx/cjs'), script], { encoding: 'utf8', cwd: root });
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout)).toEqual({
        // Each construct's error starts with its path (stacks A and B); the factory's names the call.
        epochs: 'A/E: training.hyperparameters.epochs: expected a Hyperparameter (e.g. Hyperparameter.integer(10)), got the number 10.',
        integer: "Hyperparameter.integer('10'): expected a number, got the string '10': write Hyperparameter.integer(10), without quotes.",
        instanceType: "B/E: endpoint.instanceType: expected an InstanceType (e.g. InstanceType.of('ml.g5.xlarge')), got the string 'ml.g5.xlarge'.",
      });
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('hyperparameter factories', () => {
  test.each([
    [() => Hyperparameter.float(untyped('0.1')), "Hyperparameter.float('0.1'): expected a number, got the string '0.1': write Hyperparameter.float(0.1), without quotes."],
    [() => Hyperparameter.integer(untyped('ten')), "Hyperparameter.integer('ten'): expected a number, got the string 'ten'."],
    [() => Hyperparameter.boolean(untyped('false')), "Hyperparameter.boolean('false'): expected a boolean, got the string 'false': write Hyperparameter.boolean(false), without quotes."],
    [() => Hyperparameter.boolean(untyped(0)), 'Hyperparameter.boolean(0): expected a boolean, got the number 0: give true or false; use Hyperparameter.fromParameter() for a deploy-time value.'],
    [() => Hyperparameter.string(untyped(5)), "Hyperparameter.string(5): expected a string, got the number 5: write Hyperparameter.string('5') for text, or Hyperparameter.integer(5) for a number."],
    [() => Hyperparameter.list(untyped([1, 2])), 'Hyperparameter.list([...])[0]: expected a Hyperparameter (e.g. Hyperparameter.integer(1)), got the number 1.'],
    [() => Hyperparameter.integerList(untyped(64)), 'Hyperparameter.integerList(64): expected an array, got the number 64.'],
    [() => Hyperparameter.integerList(untyped([64, '32'])), "Hyperparameter.integer('32'): expected a number, got the string '32': write Hyperparameter.integer(32), without quotes."],
    [() => Hyperparameter.map(untyped({ warmup: 100 })), 'Hyperparameter.map({...}).warmup: expected a Hyperparameter (e.g. Hyperparameter.integer(100)), got the number 100.'],
    [() => Hyperparameter.map(untyped('x')), "Hyperparameter.map: expected an object of Hyperparameters by name ({ warmup: Hyperparameter.integer(100) }), got the string 'x'."],
  ])('%#: %s', (make, message) => {
    expect(make).toThrow(message);
  });

  test('each raw value gets the factory of its own type in the message', () => {
    const hp = (value: unknown) => () => new TrainingJob(stack(), 'T', { sourceDirectory: trainingDir, hyperparameters: untyped({ x: value }) });
    expect(hp(3e-4)).toThrow('hyperparameters.x: expected a Hyperparameter (e.g. Hyperparameter.float(0.0003)), got the number 0.0003.');
    expect(hp(false)).toThrow('hyperparameters.x: expected a Hyperparameter (e.g. Hyperparameter.boolean(false)), got the boolean false.');
    expect(hp('adam')).toThrow("hyperparameters.x: expected a Hyperparameter (e.g. Hyperparameter.string('adam')), got the string 'adam'.");
    expect(hp([256, 128])).toThrow('hyperparameters.x: expected a Hyperparameter (e.g. Hyperparameter.integerList([256, 128])), got an array of 2 elements.');
    expect(() => new TrainingJob(stack(), 'T', { sourceDirectory: trainingDir, hyperparameters: untyped([1]) }))
      .toThrow('hyperparameters: expected an object of Hyperparameters by name ({ name: Hyperparameter.integer(10), ... }), got an array of 1 element.');
  });
});

describe('every prop that takes a factory-made object', () => {
  test.each<[string, () => unknown, string]>([
    ['endpoint.image', () => new PytorchCustomEndpoint(stack(), 'E', { model: ModelData.fromS3Uri('s3://models/m.tar.gz'), endpoint: { image: untyped('763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.6.0-gpu-py312') } }),
      "endpoint.image: expected a ContainerImage (e.g. ContainerImage.fromImageUri('763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.6.0-gpu-py312')), got the string '763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.6.0-gpu-py312'."],
    ['endpoint.volumeSize', () => new PytorchCustomEndpoint(stack(), 'E', { model: ModelData.fromS3Uri('s3://models/m.tar.gz'), endpoint: { volumeSize: untyped(50) } }),
      'endpoint.volumeSize: expected a Size (e.g. Size.gibibytes(50) if you meant GiB), got the number 50.'],
    ['endpoint.containerStartupHealthCheckTimeout', () => new PytorchCustomEndpoint(stack(), 'E', { model: ModelData.fromS3Uri('s3://models/m.tar.gz'), endpoint: { containerStartupHealthCheckTimeout: untyped(600) } }),
      'endpoint.containerStartupHealthCheckTimeout: expected a Duration (e.g. Duration.seconds(600) if you meant seconds), got the number 600.'],
    ['endpoint.servingMode', () => new PytorchCustomEndpoint(stack(), 'E', { model: ModelData.fromS3Uri('s3://models/m.tar.gz'), endpoint: { servingMode: untyped('scale-to-zero') } }),
      "endpoint.servingMode: expected a ServingMode (e.g. ServingMode.realtimeScaleToZero()), got the string 'scale-to-zero'."],
    ['endpoint.deployment', () => new PytorchCustomEndpoint(stack(), 'E', { model: ModelData.fromS3Uri('s3://models/m.tar.gz'), endpoint: { deployment: untyped({ canarySize: 1 }) } }),
      'endpoint.deployment: expected a DeploymentGuardrails (e.g. DeploymentGuardrails.canary()), got an object with canarySize.'],
    ['endpoint.autoScaling.scaleInCooldown', () => new PytorchCustomEndpoint(stack(), 'E', { model: ModelData.fromS3Uri('s3://models/m.tar.gz'), endpoint: { autoScaling: untyped({ maxInstanceCount: 2, scaleInCooldown: 300 }) } }),
      'endpoint.autoScaling.scaleInCooldown: expected a Duration (e.g. Duration.seconds(300) if you meant seconds), got the number 300.'],
    ['endpoint.alarms.modelLatency.threshold', () => new PytorchCustomEndpoint(stack(), 'E', { model: ModelData.fromS3Uri('s3://models/m.tar.gz'), endpoint: { alarms: untyped({ modelLatency: { threshold: 500 } }) } }),
      'endpoint.alarms.modelLatency.threshold: expected a Duration (e.g. Duration.seconds(500) if you meant seconds), got the number 500.'],
    ['endpoint (not an object)', () => new PytorchCustomEndpoint(stack(), 'E', { model: ModelData.fromS3Uri('s3://models/m.tar.gz'), endpoint: untyped('ml.g5.xlarge') }),
      "endpoint: expected an object of options ({ name: value, ... }), got the string 'ml.g5.xlarge'."],
    ['model', () => new PytorchCustomEndpoint(stack(), 'E', { model: untyped('build/model.tar.gz') }),
      "model: expected a ModelData (e.g. ModelData.fromAsset('build/model.tar.gz')), got the string 'build/model.tar.gz'."],
    ['model (an S3 URI)', () => new PytorchCustomEndpoint(stack(), 'E', { model: untyped('s3://models/model.tar.gz') }),
      "model: expected a ModelData (e.g. ModelData.fromS3Uri('s3://models/model.tar.gz')), got the string 's3://models/model.tar.gz'."],
    ['inferenceCode', () => new PytorchCustomEndpoint(stack(), 'E', { model: ModelData.fromS3Uri('s3://models/m.tar.gz'), inferenceCode: untyped('serving') }),
      "inferenceCode: expected an InferenceCode (e.g. InferenceCode.fromDirectory('serving')), got the string 'serving'."],
    ['codeInjection.strategy', () => new PytorchCustomEndpoint(stack(), 'E', { model: ModelData.fromS3Uri('s3://models/m.tar.gz'), inferenceCode: InferenceCode.fromDirectory(servingDir), codeInjection: { strategy: untyped('scan') } }),
      "codeInjection.strategy: expected an InjectionStrategy (e.g. InjectionStrategy.SCAN), got the string 'scan'."],
    // TAIL was removed in 0.2.0: the hint must name a strategy that exists.
    ['codeInjection.strategy (removed)', () => new PytorchCustomEndpoint(stack(), 'E', { model: ModelData.fromS3Uri('s3://models/m.tar.gz'), inferenceCode: InferenceCode.fromDirectory(servingDir), codeInjection: { strategy: untyped('tail') } }),
      "codeInjection.strategy: expected an InjectionStrategy (e.g. InjectionStrategy.AUTO), got the string 'tail'."],
    ['training.maxRuntime', () => new PytorchCustomEndpoint(stack(), 'E', { training: { sourceDirectory: trainingDir, maxRuntime: untyped(Duration.hours(2).toSeconds()) } }),
      'training.maxRuntime: expected a Duration (e.g. Duration.seconds(7200) if you meant seconds), got the number 7200.'],
    ['training.inputs.train', () => new PytorchCustomEndpoint(stack(), 'E', { training: { sourceDirectory: trainingDir, inputs: untyped({ train: 's3://data/train/' }) } }),
      "training.inputs.train: expected a TrainingInput (e.g. TrainingInput.fromBucket(bucket, 'datasets/train/')), got the string 's3://data/train/'."],
    ['training.distribution', () => new PytorchCustomEndpoint(stack(), 'E', { training: { sourceDirectory: trainingDir, distribution: untyped('torch_distributed') } }),
      "training.distribution: expected a TrainingDistribution (e.g. TrainingDistribution.TORCH_DISTRIBUTED), got the string 'torch_distributed'."],
    ['training.modelOutputCompression', () => new PytorchCustomEndpoint(stack(), 'E', { training: { sourceDirectory: trainingDir, modelOutputCompression: untyped('NONE') } }),
      "training.modelOutputCompression: expected a ModelOutputCompression (e.g. ModelOutputCompression.NONE), got the string 'NONE'."],
    ['RealtimeEndpoint modelData', () => new RealtimeEndpoint(stack(), 'R', { modelData: untyped({ bucket: 'b', key: 'k' }) }),
      "modelData: expected a ModelData (e.g. ModelData.fromAsset('model.tar.gz')), got an object with bucket, key."],
    ['InferenceCodeInjection inferenceCode', () => { const s = stack(); return new InferenceCodeInjection(s, 'I', { modelData: bucketModel(s), inferenceCode: untyped(undefined) ?? untyped(42) }); },
      "inferenceCode: expected an InferenceCode (e.g. InferenceCode.fromDirectory('serving')), got the number 42."],
  ])('%s', (_name, make, message) => {
    expect(make).toThrow(message);
  });

  test.each<[string, () => unknown, string]>([
    ['ServingMode.realtimeScaleToZero idleTimeout', () => ServingMode.realtimeScaleToZero(untyped({ idleTimeout: 30 })),
      'ServingMode.realtimeScaleToZero: idleTimeout: expected a Duration (e.g. Duration.seconds(30) if you meant seconds), got the number 30.'],
    ['ServingMode.asynchronous resultRetention', () => ServingMode.asynchronous(untyped({ resultRetention: '30 days' })),
      "ServingMode.asynchronous: resultRetention: expected a Duration (e.g. Duration.minutes(10)), got the string '30 days'."],
    ['DeploymentGuardrails.canary canarySize', () => DeploymentGuardrails.canary(untyped({ canarySize: 1 })),
      'DeploymentGuardrails.canary: canarySize: expected a CapacitySize (e.g. CapacitySize.instanceCount(1) or CapacitySize.percent(1)), got the number 1.'],
    ['DeploymentGuardrails.allAtOnce terminationWait', () => DeploymentGuardrails.allAtOnce(untyped({ terminationWait: 300 })),
      'DeploymentGuardrails.allAtOnce: terminationWait: expected a Duration (e.g. Duration.seconds(300) if you meant seconds), got the number 300.'],
    ['InstanceType.of', () => InstanceType.of(untyped(5)), "InstanceType.of(5): expected a string, got the number 5: give the SageMaker name, e.g. InstanceType.of('ml.g5.xlarge')."],
    ['PytorchVersion.of', () => PytorchVersion.of(untyped(2.6)), "PytorchVersion.of(2.6): expected a string, got the number 2.6: give the version as text, e.g. PytorchVersion.of('2.6.0')."],
    ['ContainerImage.pytorchInference', () => ContainerImage.pytorchInference(untyped('2.6.0')),
      "ContainerImage.pytorchInference: version: expected a PytorchVersion (e.g. PytorchVersion.of('2.6.0')), got the string '2.6.0'."],
    ['ModelData.fromAsset', () => ModelData.fromAsset(untyped(undefined)), "ModelData.fromAsset(undefined): expected a string, got undefined: give the archive's path, e.g. ModelData.fromAsset('model.tar.gz')."],
    ['ModelData.fromBucket key', () => { const s = stack(); return ModelData.fromBucket(s3.Bucket.fromBucketName(s, 'B', 'models'), untyped(7)); }, 'ModelData.fromBucket: key: expected a string, got the number 7.'],
    ['InferenceCode.fromDirectory', () => InferenceCode.fromDirectory(untyped({ path: 'serving' })),
      "InferenceCode.fromDirectory(an object with path): expected a string, got an object with path: give the directory's path, e.g. InferenceCode.fromDirectory('serving')."],
  ])('factory: %s', (_name, make, message) => {
    expect(make).toThrow(message);
  });

  test('no props, or a required prop left out: named, with what to give (was: Cannot read properties of undefined)', () => {
    expect(() => new PytorchCustomEndpoint(stack(), 'E', untyped(undefined)))
      .toThrow("Give the model to serve: model (e.g. ModelData.fromAsset('model.tar.gz')) or training (a training job).");
    expect(() => new RealtimeEndpoint(stack(), 'R', untyped(undefined))).toThrow('props: expected an object of options ({ name: value, ... }) with modelData, got undefined.');
    expect(() => new RealtimeEndpoint(stack(), 'R', untyped({}))).toThrow("modelData is required: give ModelData.fromAsset('model.tar.gz').");
    expect(() => new PytorchCustomEndpoint(stack(), 'E', { training: untyped({}) }))
      .toThrow("training.sourceDirectory is required: give 'training' (the folder holding train.py).");
    expect(() => new TrainingJob(stack(), 'T', { sourceDirectory: untyped(5) }))
      .toThrow("sourceDirectory: expected a string (e.g. 'training' (the folder holding train.py)), got the number 5.");
    const s = stack();
    expect(() => new InferenceCodeInjection(s, 'I', untyped({ modelData: bucketModel(s) })))
      .toThrow("inferenceCode is required: give InferenceCode.fromDirectory('serving').");
  });

  test('a number where a whole number is expected but given as a string says it was a string', () => {
    expect(() => new PytorchCustomEndpoint(stack(), 'E', { model: ModelData.fromS3Uri('s3://models/m.tar.gz'), endpoint: { instanceCount: untyped('2') } }))
      .toThrow("got the string '2'.");
  });

  test('typed values still pass, and instances of the class made by another copy of the package are accepted', () => {
    expect(() => new PytorchCustomEndpoint(stack(), 'E', {
      model: ModelData.fromS3Uri('s3://models/m.tar.gz'),
      endpoint: { instanceType: InstanceType.ML_G5_XLARGE, instanceCount: 2, deployment: DeploymentGuardrails.canary({ canarySize: CapacitySize.instanceCount(1) }) },
    })).not.toThrow();
    // A class of the same name (as another copy of cdk-pytorch-sagemaker in node_modules would define it).
    class InstanceTypeCopy { public readonly name = 'ml.g5.xlarge'; public readonly hasGpu = true; public readonly hasLocalNvmeStorage = true; }
    Object.defineProperty(InstanceTypeCopy, 'name', { value: 'InstanceType' });
    expect(() => new PytorchCustomEndpoint(stack(), 'E', { model: ModelData.fromS3Uri('s3://models/m.tar.gz'), endpoint: { instanceType: untyped(new InstanceTypeCopy()) } }))
      .not.toThrow();
  });

  test('describeValue names what was given', () => {
    expect([describeValue(null), describeValue(undefined), describeValue(true), describeValue([]), describeValue({}), describeValue(() => 1)])
      .toEqual(['null', 'undefined', 'the boolean true', 'an array of 0 elements', 'an empty object {}', 'a function: call it, or pass its result']);
    expect(describeValue(InstanceType.ML_G5_XLARGE)).toBe('an InstanceType');
  });
});
