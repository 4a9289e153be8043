import * as fs from 'fs';
import * as path from 'path';
import { TrainingInstanceType } from '@aws-sdk/client-sagemaker';
import { CREATE_TRAINING_JOB_INPUT } from '../../lib/training/runtime/api-shape';
import { TRAINING_INSTANCE_TYPES } from '../../lib/training/training-instance-types';
import { compactShape, inputShape } from './api-model';

test('the handler\'s CreateTrainingJob shape equals the one in the SageMaker API model', () => {
  const derived = compactShape(inputShape('createTrainingJob'));
  if (process.env.UPDATE_API_SHAPE === '1') {
    const file = path.join(__dirname, '..', '..', 'lib', 'training', 'runtime', 'api-shape.ts');
    const text = fs.readFileSync(file, 'utf8').replace(/= \[.*\];\n$/s, `= ${JSON.stringify(derived)};\n`);
    fs.writeFileSync(file, text);
  }
  expect(CREATE_TRAINING_JOB_INPUT).toEqual(derived);
});

test('the synth-time training instance type list equals the SDK\'s TrainingInstanceType enum', () => {
  expect([...TRAINING_INSTANCE_TYPES]).toEqual(Object.values(TrainingInstanceType).sort());
  expect(TRAINING_INSTANCE_TYPES).toContain('ml.g5.xlarge');
  expect(TRAINING_INSTANCE_TYPES).not.toContain('ml.inf2.xlarge');
});
