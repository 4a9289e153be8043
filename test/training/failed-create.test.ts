// A Create of the job resource that fails after CreateTrainingJob may have reached SageMaker (the handler's deadline
// fired while the SDK was still retrying, or the answer was lost) must still let the rollback's Delete stop the job:
// the failed response names the job that request would have started, and the Delete describes that name.
// Runs the real response builder and the real lifecycle functions, with SageMaker replaced by the fake.
import { Hyperparameter } from '../../lib/training';
import { answerCustomResource, CustomResourceEvent, failedResponse } from '../../lib/common/runtime/custom-resource';
import { failedCreatePhysicalId, trainingJobName } from '../../lib/training/runtime/job-name';
import { handleLifecycleEvent } from '../../lib/training/runtime/lifecycle';
import { deliveredProperties } from '../helpers/cfn-eval';
import { FakeSageMaker } from './fake-sagemaker';
import { synthJob } from './helpers';

const JOB = 'Custom::SageMakerTrainingJob';
const RESULT = 'Custom::SageMakerTrainingJobResult';
const DEADLINE = 'the SageMaker calls did not finish in time';

/** SageMaker accepts the CreateTrainingJob call, but the handler fails before it learns so. */
class CreatesThenTimesOut extends FakeSageMaker {
  async createTrainingJob(request: { [key: string]: any }) {
    await super.createTrainingJob(request);
    throw new Error(DEADLINE);
  }
}

const props = deliveredProperties(synthJob({ hyperparameters: { epochs: Hyperparameter.integer(1) } }).json, JOB);
const create: CustomResourceEvent = {
  RequestType: 'Create', ResourceType: JOB, RequestId: 'create-req-7', StackId: 'stack', LogicalResourceId: 'TrainResource',
  ResponseURL: 'http://127.0.0.1/unused', ResourceProperties: props,
};
const expectedName = trainingJobName(props.TrainingJobNamePrefix, 'create-req-7');

/** Runs a request the way the handler does and returns the answer it would PUT to CloudFormation. */
async function respond(event: CustomResourceEvent, api: FakeSageMaker): Promise<any> {
  return answerCustomResource(event, () => handleLifecycleEvent(event, api), { failedCreatePhysicalId });
}

/** The rollback's Delete of the resource CloudFormation recorded with the failed Create's physical id. */
function rollbackDelete(physicalId: string): CustomResourceEvent {
  return { ...create, RequestType: 'Delete', RequestId: 'delete-req-8', PhysicalResourceId: physicalId };
}

describe('a failed Create of the job resource, then the rollback Delete', () => {
  test('the job was created: the failed response names it, and the Delete stops it', async () => {
    const api = new CreatesThenTimesOut();
    const failed = await respond(create, api);
    expect(failed.Status).toBe('FAILED');
    expect(failed.Reason).toContain(DEADLINE);
    expect(failed.PhysicalResourceId).toBe(expectedName);
    expect(api.jobs.get(expectedName)?.status).toBe('InProgress');

    api.calls.length = 0;
    const deleted = await respond(rollbackDelete(failed.PhysicalResourceId), api);
    expect(deleted.Status).toBe('SUCCESS');
    expect(api.calls).toEqual([`describe ${expectedName}`, `stop ${expectedName}`]);
    expect(api.jobs.get(expectedName)?.status).toBe('Stopping');
  });

  test('the job was never created: the Delete finds nothing and succeeds without stopping anything', async () => {
    const api = new FakeSageMaker();
    api.createError = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const failed = await respond(create, api);
    expect(failed.Status).toBe('FAILED');
    expect(failed.PhysicalResourceId).toBe(expectedName);
    expect(api.jobs.size).toBe(0);

    api.calls.length = 0;
    const deleted = await respond(rollbackDelete(failed.PhysicalResourceId), api);
    expect(deleted.Status).toBe('SUCCESS');
    expect(deleted.PhysicalResourceId).toBe(expectedName);
    expect(api.calls).toEqual([`describe ${expectedName}`]);
  });

  test('a create that failed before calling SageMaker (bad request) also rolls back cleanly', async () => {
    const api = new FakeSageMaker();
    const broken = { ...create, ResourceProperties: { ...props, ResourceConfig: { ...props.ResourceConfig, InstanceCount: '1.5' } } };
    const failed = await respond(broken, api);
    expect(failed.Status).toBe('FAILED');
    expect(failed.Reason).toMatch(/InstanceCount must be a whole number/);
    expect(failed.PhysicalResourceId).toBe(expectedName);
    const deleted = await respond({ ...rollbackDelete(failed.PhysicalResourceId), ResourceProperties: broken.ResourceProperties }, api);
    expect(deleted.Status).toBe('SUCCESS');
    expect(api.calls.filter((call) => call.startsWith('stop') || call.startsWith('create'))).toEqual([]);
  });
});

describe('the other failure paths keep their physical ids', () => {
  test('a failed Update keeps the old job name', () => {
    const oldName = trainingJobName(props.TrainingJobNamePrefix, 'earlier-req');
    const body = failedResponse({ ...create, RequestType: 'Update', PhysicalResourceId: oldName }, new Error('x'), { failedCreatePhysicalId });
    expect(body.PhysicalResourceId).toBe(oldName);
  });

  test('a failed Create of the result resource names no job', () => {
    const event: CustomResourceEvent = { ...create, ResourceType: RESULT, ResourceProperties: { TrainingJobName: expectedName } };
    expect(failedResponse(event, new Error('x'), { failedCreatePhysicalId }).PhysicalResourceId).toBe('failed-create:create-req-7');
  });

  test('a job resource without a usable prefix names no job', () => {
    expect(failedCreatePhysicalId({ ResourceType: JOB, RequestId: 'r', ResourceProperties: {} })).toBe('failed-create:r');
    expect(failedCreatePhysicalId({ ResourceType: JOB, RequestId: 'r', ResourceProperties: { TrainingJobNamePrefix: 'Not_Valid-' } })).toBe('failed-create:r');
  });
});
