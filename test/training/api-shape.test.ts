import * as fs from 'fs';
import { TrainingInstanceType } from '@aws-sdk/client-sagemaker';
import { API_SHAPE_FILE, REGENERATE_COMMAND, compactShape, renderApiShapeFile } from '../../scripts/generate-api-shape';
import { CREATE_TRAINING_JOB_INPUT } from '../../lib/training/runtime/api-shape';
import { TRAINING_INSTANCE_TYPES } from '../../lib/training/training-instance-types';
import { inputShape } from '../helpers/api-models';
import * as instanceTypes from '../../scripts/generate-instance-types';

// A pure comparison: this test never writes lib/. When the model changes, regenerate with the command below.
describe(`lib/training/runtime/api-shape.ts matches botocore's SageMaker API model (regenerate: ${REGENERATE_COMMAND})`, () => {
  test('the handler\'s CreateTrainingJob shape equals the one derived from the model', () => {
    expect(CREATE_TRAINING_JOB_INPUT).toEqual(compactShape(inputShape('sagemaker', 'CreateTrainingJob')));
  });

  test('the committed file is exactly what the generator writes', () => {
    expect(fs.readFileSync(API_SHAPE_FILE, 'utf8')).toBe(renderApiShapeFile());
  });
});

test('the synth-time training instance type list equals the SDK\'s TrainingInstanceType enum', () => {
  expect([...TRAINING_INSTANCE_TYPES]).toEqual(Object.values(TrainingInstanceType).sort());
  expect(TRAINING_INSTANCE_TYPES).toContain('ml.g5.xlarge');
  expect(TRAINING_INSTANCE_TYPES).not.toContain('ml.inf2.xlarge');
});

test(`lib/training/training-instance-types.ts is exactly what the generator writes (regenerate: ${instanceTypes.REGENERATE_COMMAND})`, () => {
  expect(fs.readFileSync(instanceTypes.TRAINING_LIST.file, 'utf8')).toBe(instanceTypes.renderInstanceTypeFile(instanceTypes.TRAINING_LIST));
});
