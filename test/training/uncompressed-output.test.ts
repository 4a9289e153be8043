import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ModelOutputCompression, TrainingJob } from '../../lib/training';
import { CustomResourceEvent } from '../../lib/common/runtime/custom-resource';
import { buildCreateTrainingJobRequest, handleLifecycleEvent } from '../../lib/training/runtime/lifecycle';
import { validateRequest, validateResponse } from '../helpers/api-models';
import { deliveredProperties } from '../helpers/cfn-eval';
import { FakeSageMaker } from './fake-sagemaker';
import { SOURCE, jobProperties, synthJob } from './helpers';

const NAME = 'train-0123456789abcdef-0123456789ab';

describe('ModelOutputCompression.NONE: the job uploads its model uncompressed', () => {
  const { json, job, stack } = synthJob({ modelOutputCompression: ModelOutputCompression.NONE });

  test('the request asks for CompressionType NONE, and the resolved request is valid for the API model', () => {
    expect(jobProperties(json).OutputDataConfig.CompressionType).toBe('NONE');
    const delivered = deliveredProperties(json, 'Custom::SageMakerTrainingJob');
    const request = buildCreateTrainingJobRequest(delivered, NAME);
    expect((request.OutputDataConfig as any).CompressionType).toBe('NONE');
    validateRequest('sagemaker', 'CreateTrainingJob', request);
  });

  test('the default (GZIP) leaves the field out, so existing templates and inputs hashes do not change', () => {
    const gzip = synthJob({ modelOutputCompression: ModelOutputCompression.GZIP });
    expect(jobProperties(gzip.json).OutputDataConfig.CompressionType).toBeUndefined();
    expect(gzip.job.inputsHash).toBe(synthJob({}).job.inputsHash);
    expect(job.inputsHash).not.toBe(gzip.job.inputsHash);
    expect(gzip.job.uncompressedModel).toBe(false);
    expect(job.uncompressedModel).toBe(true);
  });

  test('modelData is the uncompressed prefix from the result resource: ModelDataSource S3Prefix, list scoped to it', () => {
    const fresh = new Stack(new App(), 'Fresh');
    const trained = new TrainingJob(fresh, 'Train', { sourceDirectory: SOURCE, modelOutputCompression: ModelOutputCompression.NONE });
    const hostRole = new iam.Role(fresh, 'HostRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    const bound = trained.modelData.bind(fresh, hostRole);
    expect(bound.modelDataUrl).toBeUndefined();
    const source: any = fresh.resolve(bound.modelDataSource);
    expect(source.s3DataSource.s3DataType).toBe('S3Prefix');
    expect(source.s3DataSource.compressionType).toBe('None');
    expect(JSON.stringify(source.s3DataSource.s3Uri)).toMatch(/"Fn::GetAtt":\["TrainResult[0-9A-F]+","ModelArtifactKey"\]/);
    expect(stack.resolve(job.modelArtifactKey)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^TrainResult/), 'ModelArtifactKey'] });
  });
});

describe('the result resource reads the uncompressed location from DescribeTrainingJob', () => {
  const event: CustomResourceEvent = {
    RequestType: 'Create', ResourceType: 'Custom::SageMakerTrainingJobResult', RequestId: 'r', StackId: 's',
    LogicalResourceId: 'Result', ResponseURL: 'http://127.0.0.1/unused', ResourceProperties: { TrainingJobName: NAME },
  };

  test.each([
    ['without a trailing slash', `s3://out-bucket/training/${NAME}/output/model`],
    ['with a trailing slash', `s3://out-bucket/training/${NAME}/output/model/`],
  ])('a prefix %s gives a prefix ending in /', async (_name, reported) => {
    // The shape of DescribeTrainingJob's answer, checked against the API model, that the shell maps from.
    validateResponse('sagemaker', 'DescribeTrainingJob', {
      TrainingJobName: NAME, TrainingJobArn: 'arn:aws:sagemaker:us-east-1:123456789012:training-job/x', TrainingJobStatus: 'Completed',
      SecondaryStatus: 'Completed', AlgorithmSpecification: { TrainingInputMode: 'File' }, CreationTime: 1,
      ModelArtifacts: { S3ModelArtifacts: reported }, OutputDataConfig: { S3OutputPath: 's3://out-bucket/training', CompressionType: 'NONE' },
      ResourceConfig: { InstanceCount: 1, VolumeSizeInGB: 30 }, StoppingCondition: {},
    });
    const api = new FakeSageMaker();
    api.jobs.set(NAME, { status: 'Completed', modelArtifacts: reported, compressionType: 'NONE' });
    expect(await handleLifecycleEvent(event, api)).toEqual({
      physicalResourceId: NAME,
      data: {
        ModelDataUrl: `s3://out-bucket/training/${NAME}/output/model/`,
        ModelArtifactBucket: 'out-bucket',
        ModelArtifactKey: `training/${NAME}/output/model/`,
      },
    });
  });

  test('a compressed job keeps its archive key as it is', async () => {
    const api = new FakeSageMaker();
    api.jobs.set(NAME, { status: 'Completed', modelArtifacts: `s3://b/t/${NAME}/output/model.tar.gz`, compressionType: 'GZIP' });
    expect((await handleLifecycleEvent(event, api)).data?.ModelArtifactKey).toBe(`t/${NAME}/output/model.tar.gz`);
  });
});
