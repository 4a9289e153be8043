// metricDefinitions on the training job: rendered into AlgorithmSpecification.MetricDefinitions (valid against the
// SageMaker API model), checked at synth against SageMaker's limits, and read back with TrainingJob's metric methods.
import { validateRequest } from '../helpers/api-models';
import { jobProperties, synthJob } from './helpers';

const LOSS = { name: 'train:loss', regex: 'loss=([0-9\\.e-]+)' };

test('rendered as AlgorithmSpecification.MetricDefinitions; left out when there are none', () => {
  expect(jobProperties(synthJob({ metricDefinitions: [LOSS] }).json).AlgorithmSpecification.MetricDefinitions)
    .toEqual([{ Name: 'train:loss', Regex: 'loss=([0-9\\.e-]+)' }]);
  expect(jobProperties(synthJob().json).AlgorithmSpecification.MetricDefinitions).toBeUndefined();
});

test('the AlgorithmSpecification with definitions is valid in a CreateTrainingJob request', () => {
  const spec = jobProperties(synthJob({ metricDefinitions: [LOSS] }).json).AlgorithmSpecification;
  validateRequest('sagemaker', 'CreateTrainingJob', {
    TrainingJobName: 'job', AlgorithmSpecification: { ...spec, TrainingImage: 'image' }, RoleArn: 'arn:aws:iam::111111111111:role/r',
    OutputDataConfig: { S3OutputPath: 's3://b/training' }, ResourceConfig: { InstanceType: 'ml.g5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30 },
    StoppingCondition: { MaxRuntimeInSeconds: 3600 },
  });
});

test.each([
  ['too many', Array.from({ length: 41 }, (_, i) => ({ name: `m${i}`, regex: 'x=(\\d+)' })), /41 metricDefinitions: SageMaker takes at most 40/],
  ['a long name', [{ name: 'n'.repeat(256), regex: 'x' }], /must be 1 to 255 characters/],
  ['a long regex', [{ name: 'n', regex: 'r'.repeat(501) }], /regex of 'n' must be 1 to 500 characters/],
  ['a duplicate', [LOSS, LOSS], /'train:loss' is defined twice/],
])('%s is refused at synth', (_n, metricDefinitions, message) => {
  expect(() => synthJob({ metricDefinitions })).toThrow(message);
});

test('metric methods: the definition by name, the instance metrics per host', () => {
  const { stack, job } = synthJob({ metricDefinitions: [LOSS] });
  const loss = job.metric('train:loss');
  expect(loss.namespace).toBe('/aws/sagemaker/TrainingJobs');
  expect(stack.resolve(loss.dimensions!.TrainingJobName)).toEqual(stack.resolve(job.trainingJobName));
  expect(job.metricGpuUtilization(2).metricName).toBe('GPUUtilization');
  expect(stack.resolve(job.metricGpuUtilization(2).dimensions!.Host)).toEqual(stack.resolve(`${job.trainingJobName}/algo-2`));
});
