import { CfnParameter, Duration, Size } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { InstanceType } from '../../lib';
import { Hyperparameter, HyperparameterType, TrainingDistribution, TrainingInput, TrainingInputMode } from '../../lib/training';
import { CREATE_TRAINING_JOB_INPUT } from '../../lib/training/runtime/api-shape';
import { fromCloudFormation } from '../../lib/training/runtime/cloudformation-types';
import { CustomResourceEvent } from '../../lib/common/runtime/custom-resource';
import { buildCreateTrainingJobRequest, handleLifecycleEvent } from '../../lib/training/runtime/lifecycle';
import { trainingJobName } from '../../lib/training/runtime/job-name';
import { FakeSageMaker } from './fake-sagemaker';
import { checkRequest, validateRequest } from '../helpers/api-models';
import { deliveredProperties } from '../helpers/cfn-eval';
import { VENDORED_SOURCE, synthJob } from './helpers';

const JOB = 'Custom::SageMakerTrainingJob';
const NAME = 'train-0123456789abcdef-0123456789ab';

describe('the offline API model check is effective', () => {
  const minimal = {
    TrainingJobName: NAME,
    AlgorithmSpecification: { TrainingImage: 'img', TrainingInputMode: 'File' },
    RoleArn: 'arn:aws:iam::123456789012:role/r',
    OutputDataConfig: { S3OutputPath: 's3://b/p' },
    ResourceConfig: { InstanceType: 'ml.g5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30 },
    StoppingCondition: { MaxRuntimeInSeconds: 60 },
  };
  test('a minimal request passes', () => {
    expect(checkRequest('sagemaker', 'CreateTrainingJob', minimal)).toEqual([]);
  });
  test('a missing member, an unknown member, a wrong type and a broken constraint are rejected', () => {
    const { RoleArn: _omit, ...missing } = minimal;
    expect(checkRequest('sagemaker', 'CreateTrainingJob', missing)).toEqual(['RoleArn: required member missing']);
    expect(checkRequest('sagemaker', 'CreateTrainingJob', { ...minimal, Bogus: 1 })).toEqual([expect.stringMatching(/^Bogus: unknown member/)]);
    // Numbers and booleans CloudFormation delivered as strings are caught: the check is strict, it never casts.
    expect(checkRequest('sagemaker', 'CreateTrainingJob', { ...minimal, ResourceConfig: { ...minimal.ResourceConfig, InstanceCount: '1' } }))
      .toEqual(['ResourceConfig.InstanceCount: \'1\' is a string, expected an integer']);
    expect(checkRequest('sagemaker', 'CreateTrainingJob', { ...minimal, EnableNetworkIsolation: 'false' }))
      .toEqual(['EnableNetworkIsolation: \'false\' is a string, expected a boolean']);
    expect(checkRequest('sagemaker', 'CreateTrainingJob', { ...minimal, TrainingJobName: 'train_1', StoppingCondition: { MaxRuntimeInSeconds: 0 } })).toEqual([
      expect.stringMatching(/^TrainingJobName: 'train_1' does not match the pattern/),
      'StoppingCondition.MaxRuntimeInSeconds: 0 is below the minimum of 1',
    ]);
  });
});

describe('CreateTrainingJob requests built from synthesized templates are valid against the API model', () => {
  const cases: Array<[string, Parameters<typeof synthJob>[0], { [name: string]: string | string[] }?]> = [
    ['defaults', {}, undefined],
    ['every option', (stack) => {
      const data = s3.Bucket.fromBucketName(stack, 'Data', 'my-data');
      return {
        hyperparameters: {
          epochs: Hyperparameter.integer(3), lr: Hyperparameter.float(0.01), amp: Hyperparameter.boolean(true),
          opt: Hyperparameter.string('adam'), layers: Hyperparameter.integerList([4, 2]), sched: Hyperparameter.map({ a: Hyperparameter.integer(1) }),
        },
        instanceType: InstanceType.ML_M5_XLARGE, instanceCount: 2, distribution: TrainingDistribution.NONE,
        inputs: {
          train: TrainingInput.fromBucket(data, 'train/', { inputMode: TrainingInputMode.FAST_FILE, contentType: 'text/csv' }),
          test: TrainingInput.fromBucket(data, 'test/'),
        },
        volumeSize: Size.gibibytes(100), spotInstances: true, maxRuntime: Duration.hours(1), maxWaitTime: Duration.hours(2),
        vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 }),
        volumeEncryptionKey: new kms.Key(stack, 'Vk'), outputEncryptionKey: new kms.Key(stack, 'Ok'),
        interContainerTrafficEncryption: true, environment: { A: '1' }, tags: { team: 'ml' },
      };
    }, undefined],
    ['network isolation', { sourceDirectory: VENDORED_SOURCE, enableNetworkIsolation: true }, undefined],
    ['deploy-time parameters', (stack) => ({
      hyperparameters: {
        epochs: Hyperparameter.fromParameter(new CfnParameter(stack, 'Epochs', { type: 'Number', default: 3 }), HyperparameterType.INTEGER),
        lr: Hyperparameter.fromParameter(new CfnParameter(stack, 'Lr', { type: 'Number', default: 1 }), HyperparameterType.FLOAT),
        amp: Hyperparameter.fromParameter(new CfnParameter(stack, 'Amp', { type: 'String', allowedValues: ['true', 'false'], default: 'false' }), HyperparameterType.BOOLEAN),
        tags: Hyperparameter.fromParameter(new CfnParameter(stack, 'Tags', { type: 'CommaDelimitedList', default: 'a,b' }), HyperparameterType.LIST),
      },
    }), { Epochs: '12' }],
  ];

  test.each(cases)('%s', (_name, props, parameters) => {
    const synthesized = synthJob(props);
    const delivered = deliveredProperties(synthesized.json, JOB, parameters);
    // CloudFormation really delivers strings: the raw properties fail the model...
    const raw: any = { TrainingJobName: NAME, ...withoutHandlerOnly(delivered) };
    expect(checkRequest('sagemaker', 'CreateTrainingJob', raw))
      .toContain(`ResourceConfig.InstanceCount: '${raw.ResourceConfig.InstanceCount}' is a string, expected an integer`);
    // ...and the handler's request passes it.
    const request = buildCreateTrainingJobRequest(delivered, NAME);
    expect(() => validateRequest('sagemaker', 'CreateTrainingJob', request)).not.toThrow();
    expect(request.TrainingJobName).toBe(NAME);
    expect((request.HyperParameters as any).sagemaker_job_name).toBe(JSON.stringify(NAME));
    if (parameters) {
      expect(request.HyperParameters).toMatchObject({ epochs: '12', lr: '1.0', amp: 'false', tags: '["a","b"]' });
    }
    if (_name === 'every option') {
      expect(request).toMatchObject({
        ResourceConfig: { InstanceCount: 2, VolumeSizeInGB: 100 },
        StoppingCondition: { MaxRuntimeInSeconds: 3600, MaxWaitTimeInSeconds: 7200 },
        EnableManagedSpotTraining: true,
        HyperParameters: { epochs: '3', lr: '0.01', amp: 'true', opt: '"adam"', layers: '[4,2]', sched: '{"a":1}' },
      });
    }
  });
});

function withoutHandlerOnly(props: { [key: string]: any }) {
  const { ServiceToken: _a, ServiceTimeout: _t, TrainingJobNamePrefix: _b, HyperParameterTypes: _c, DeployTimeHyperParameters: _d, WaitConditionHandle: _w, ...rest } = props;
  return rest;
}

describe('deploy-time re-check fails the deploy with the reason', () => {
  const base = (hp: { [k: string]: string }, types: { [k: string]: string }, deploy: { [k: string]: string }) => ({
    AlgorithmSpecification: { TrainingImage: 'img', TrainingInputMode: 'File' },
    RoleArn: 'arn:aws:iam::123456789012:role/r',
    OutputDataConfig: { S3OutputPath: 's3://b/p' },
    ResourceConfig: { InstanceType: 'ml.g5.xlarge', InstanceCount: '1', VolumeSizeInGB: '30' },
    StoppingCondition: { MaxRuntimeInSeconds: '60' },
    HyperParameters: hp, HyperParameterTypes: types, DeployTimeHyperParameters: deploy,
    TrainingJobNamePrefix: 'train-0123456789abcdef-',
  });
  test.each([
    ['a fractional number for an integer', { e: '1.5' }, { e: 'integer' }, { e: 'number' }, /'e' \(declared integer\).*"1.5", which is not a whole number/],
    ['text for a number', { e: 'ten' }, { e: 'integer' }, { e: 'number' }, /not a finite number/],
    ['neither true nor false', { b: 'yes' }, { b: 'boolean' }, { b: 'boolean' }, /neither true nor false/],
    ['a non-number in a number list', { l: '1,x' }, { l: 'list' }, { l: 'comma-delimited-numbers' }, /element 1/],
    ['a synth-time value tampered into another type', { s: '123' }, { s: 'string' }, {}, /declared string .* Python int, not str/],
    ['a value over 2500 characters', { s: 'x'.repeat(2600) }, { s: 'string' }, { s: 'string' }, /2602 characters/],
  ])('%s', (_name, hp, types, deploy, message) => {
    expect(() => buildCreateTrainingJobRequest(base(hp, types, deploy), NAME)).toThrow(message);
  });

  test('an unknown member or a malformed scalar is rejected before any call', () => {
    expect(() => fromCloudFormation({ Bogus: 'x' }, CREATE_TRAINING_JOB_INPUT, 'CreateTrainingJob')).toThrow(/CreateTrainingJob.Bogus is not a field/);
    expect(() => fromCloudFormation({ ResourceConfig: { InstanceCount: '1.5' } }, CREATE_TRAINING_JOB_INPUT, 'CreateTrainingJob')).toThrow(/InstanceCount must be a whole number/);
    expect(() => fromCloudFormation({ EnableNetworkIsolation: 'yes' }, CREATE_TRAINING_JOB_INPUT, 'CreateTrainingJob')).toThrow(/true or false/);
  });
});

describe('lifecycle: create, update, delete', () => {
  const { json } = synthJob({ hyperparameters: { lr: Hyperparameter.float(0.1) } });
  const props = deliveredProperties(json, JOB);
  const changed = deliveredProperties(synthJob({ hyperparameters: { lr: Hyperparameter.float(0.2) } }).json, JOB);
  const event = (overrides: Partial<CustomResourceEvent>): CustomResourceEvent => ({
    RequestType: 'Create', ResourceType: JOB, RequestId: 'req-1', StackId: 'stack', LogicalResourceId: 'Train',
    ResponseURL: 'http://127.0.0.1/unused', ResourceProperties: props, ...overrides,
  });

  test('create starts one job named <prefix>-<inputs hash>-<attempt>', async () => {
    const api = new FakeSageMaker();
    const outcome = await handleLifecycleEvent(event({}), api);
    const expected = trainingJobName(props.TrainingJobNamePrefix, 'req-1');
    expect(expected).toMatch(new RegExp(`^${props.TrainingJobNamePrefix}[0-9a-f]{12}$`));
    expect(expected.length).toBeLessThanOrEqual(63);
    expect(outcome).toEqual({ physicalResourceId: expected, data: { TrainingJobName: expected } });
    expect(api.calls).toEqual([`list ${props.TrainingJobNamePrefix}`, `create ${expected}`]);
    expect(api.signals).toEqual([]);
  });

  test('a retried delivery of the same request finds its job instead of starting a second', async () => {
    const api = new FakeSageMaker();
    const first = await handleLifecycleEvent(event({}), api);
    const again = await handleLifecycleEvent(event({}), api);
    expect(again).toEqual(first);
    expect([...api.jobs.keys()]).toHaveLength(1);
  });

  test('a new attempt (new request) gets a new name: SageMaker never reuses one', async () => {
    const api = new FakeSageMaker();
    const a = await handleLifecycleEvent(event({ RequestId: 'req-1' }), api);
    const b = await handleLifecycleEvent(event({ RequestId: 'req-2' }), api);
    expect(a.physicalResourceId).not.toBe(b.physicalResourceId);
  });

  test('a SageMaker error fails the request', async () => {
    const api = new FakeSageMaker();
    api.createError = Object.assign(new Error('ResourceLimitExceeded: quota of ml.g5.xlarge is 0'), { name: 'ResourceLimitExceeded' });
    await expect(handleLifecycleEvent(event({}), api)).rejects.toThrow(/quota/);
  });

  test('an update that changes no training input starts no job', async () => {
    const api = new FakeSageMaker();
    const outcome = await handleLifecycleEvent(event({
      RequestType: 'Update', PhysicalResourceId: NAME, OldResourceProperties: { ...props, ServiceToken: 'arn:old', ServiceTimeout: '3600' },
    }), api);
    expect(outcome).toEqual({ physicalResourceId: NAME, data: { TrainingJobName: NAME } });
    expect(api.calls).toEqual([]);
  });

  test('an update that changes a training input starts a new job under a new name', async () => {
    const api = new FakeSageMaker();
    const outcome = await handleLifecycleEvent(event({
      RequestType: 'Update', RequestId: 'req-9', PhysicalResourceId: NAME, OldResourceProperties: props, ResourceProperties: changed,
    }), api);
    expect(changed.TrainingJobNamePrefix).not.toBe(props.TrainingJobNamePrefix);
    expect(outcome.physicalResourceId).toBe(trainingJobName(changed.TrainingJobNamePrefix, 'req-9'));
    expect(api.calls).toEqual([`list ${changed.TrainingJobNamePrefix}`, `create ${outcome.physicalResourceId}`]);
  });

  test('an update of deploy-time values only is refused with the reason (the wait condition cannot wait twice)', async () => {
    const api = new FakeSageMaker();
    const tweaked = { ...props, HyperParameters: { ...props.HyperParameters, lr: '0.5' } };
    await expect(handleLifecycleEvent(event({
      RequestType: 'Update', PhysicalResourceId: NAME, OldResourceProperties: props, ResourceProperties: tweaked,
    }), api)).rejects.toThrow(/only deploy-time values .* changed/);
    expect(api.calls).toEqual([`list ${props.TrainingJobNamePrefix}`]);
  });

  test('the rollback of a refused deploy-time-only update succeeds: the current job matches the restored values', async () => {
    const api = new FakeSageMaker();
    const created = await handleLifecycleEvent(event({}), api);
    api.complete(created.physicalResourceId);
    const tweaked = { ...props, HyperParameters: { ...props.HyperParameters, lr: '0.5' } };
    // CloudFormation rolls back with old and new swapped.
    const rollback = await handleLifecycleEvent(event({
      RequestType: 'Update', RequestId: 'req-rollback', PhysicalResourceId: created.physicalResourceId,
      OldResourceProperties: tweaked, ResourceProperties: props,
    }), api);
    expect(rollback.physicalResourceId).toBe(created.physicalResourceId);
    expect(api.calls.filter((c) => c.startsWith('create'))).toHaveLength(1);
  });

  test('a rollback to earlier inputs reuses their completed job and signals the wait condition, starting nothing', async () => {
    const api = new FakeSageMaker();
    const original = await handleLifecycleEvent(event({}), api);
    api.complete(original.physicalResourceId);
    const updated = await handleLifecycleEvent(event({
      RequestType: 'Update', RequestId: 'req-2', PhysicalResourceId: original.physicalResourceId, OldResourceProperties: props, ResourceProperties: changed,
    }), api);
    expect(updated.physicalResourceId).not.toBe(original.physicalResourceId);
    // The deploy fails later; CloudFormation rolls the resource back to the original properties.
    const rolledBack = await handleLifecycleEvent(event({
      RequestType: 'Update', RequestId: 'req-3', PhysicalResourceId: updated.physicalResourceId, OldResourceProperties: changed, ResourceProperties: props,
    }), api);
    expect(rolledBack.physicalResourceId).toBe(original.physicalResourceId);
    expect(api.calls.filter((c) => c.startsWith('create'))).toHaveLength(2);
    expect(api.signals).toEqual([{
      url: props.WaitConditionHandle,
      body: { Status: 'SUCCESS', Reason: `Reused completed training job ${original.physicalResourceId} of the same inputs`, UniqueId: original.physicalResourceId, Data: '' },
    }]);
    // ...and its cleanup Delete stops the job of the failed update, if it still runs.
    await handleLifecycleEvent(event({ RequestType: 'Delete', PhysicalResourceId: updated.physicalResourceId }), api);
    expect(api.jobs.get(updated.physicalResourceId)!.status).toBe('Stopping');
  });

  test('a completed job is not reused when a value the hash cannot see differs (output bucket of a new stack)', async () => {
    const api = new FakeSageMaker();
    const first = await handleLifecycleEvent(event({}), api);
    api.complete(first.physicalResourceId);
    const elsewhere = { ...props, OutputDataConfig: { S3OutputPath: 's3://another-bucket/training' } };
    const second = await handleLifecycleEvent(event({ RequestId: 'req-new-stack', ResourceProperties: elsewhere }), api);
    expect(second.physicalResourceId).not.toBe(first.physicalResourceId);
    expect(api.signals).toEqual([]);
  });

  test('delete stops a job still running, leaves a finished one, ignores a failed create', async () => {
    const api = new FakeSageMaker();
    api.jobs.set(NAME, { status: 'InProgress' });
    await handleLifecycleEvent(event({ RequestType: 'Delete', PhysicalResourceId: NAME }), api);
    expect(api.calls).toEqual([`describe ${NAME}`, `stop ${NAME}`]);

    const done = new FakeSageMaker();
    done.jobs.set(NAME, { status: 'Completed' });
    await handleLifecycleEvent(event({ RequestType: 'Delete', PhysicalResourceId: NAME }), done);
    expect(done.calls).toEqual([`describe ${NAME}`]);

    const gone = new FakeSageMaker();
    await handleLifecycleEvent(event({ RequestType: 'Delete', PhysicalResourceId: NAME }), gone);
    expect(gone.calls).toEqual([`describe ${NAME}`]);

    const failed = new FakeSageMaker();
    const outcome = await handleLifecycleEvent(event({ RequestType: 'Delete', PhysicalResourceId: 'failed-create:req-1' }), failed);
    expect(outcome.physicalResourceId).toBe('failed-create:req-1');
    expect(failed.calls).toEqual([]);
  });
});

describe('lifecycle: the result resource', () => {
  const event = (requestType: 'Create' | 'Update' | 'Delete'): CustomResourceEvent => ({
    RequestType: requestType, ResourceType: 'Custom::SageMakerTrainingJobResult', RequestId: 'r', StackId: 's',
    LogicalResourceId: 'Result', ResponseURL: 'http://127.0.0.1/unused', ResourceProperties: { TrainingJobName: NAME },
    PhysicalResourceId: requestType === 'Create' ? undefined : NAME,
  });

  test('a completed job gives the model artifact location', async () => {
    const api = new FakeSageMaker();
    api.jobs.set(NAME, { status: 'Completed', modelArtifacts: `s3://out-bucket/training/${NAME}/output/model.tar.gz` });
    expect(await handleLifecycleEvent(event('Create'), api)).toEqual({
      physicalResourceId: NAME,
      data: {
        ModelDataUrl: `s3://out-bucket/training/${NAME}/output/model.tar.gz`,
        ModelArtifactBucket: 'out-bucket',
        ModelArtifactKey: `training/${NAME}/output/model.tar.gz`,
      },
    });
  });

  test('a job that did not complete fails with its reason', async () => {
    const api = new FakeSageMaker();
    api.jobs.set(NAME, { status: 'Failed', secondaryStatus: 'Failed', failureReason: 'AlgorithmError: CUDA out of memory' });
    await expect(handleLifecycleEvent(event('Update'), api)).rejects.toThrow(/is Failed \(Failed\): AlgorithmError: CUDA out of memory/);
  });

  test('delete does nothing', async () => {
    const api = new FakeSageMaker();
    expect(await handleLifecycleEvent(event('Delete'), api)).toEqual({ physicalResourceId: NAME });
    expect(api.calls).toEqual([]);
  });
});
