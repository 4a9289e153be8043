// The run-time types of TrainingJob's props, checked for JavaScript callers by lib/common/validation.ts
// (`hyperparameters: { epochs: 10 }` is refused with "hyperparameters.epochs: expected a Hyperparameter (e.g.
// Hyperparameter.integer(10)), got the number 10"). PytorchCustomEndpoint checks its `training` group with the same
// table. Internal: not exported from lib/index.ts.
import { DURATION, instanceOf, mapOf, primitive, PropTypes, required, SIZE } from '../common/validation';
import { INSTANCE_TYPE, TRAINING_IMAGE } from '../core/expected-types';
import { hyperparameterFor } from './hyperparameter-examples';
import { Hyperparameter } from './hyperparameters';
import { ModelOutputCompression } from './model-output-compression';
import { TrainingDistribution } from './training-distribution';
import { TrainingInput } from './training-input';

/** `TrainingJobProps`: what `PytorchCustomEndpoint` takes as `training`. */
export const TRAINING_JOB_PROP_TYPES: PropTypes = {
  sourceDirectory: required(primitive('string', "'training' (the folder holding train.py)")),
  hyperparameters: mapOf(instanceOf(Hyperparameter, hyperparameterFor)),
  instanceType: INSTANCE_TYPE,
  distribution: instanceOf(TrainingDistribution, 'TrainingDistribution.TORCH_DISTRIBUTED'),
  image: TRAINING_IMAGE,
  inputs: mapOf(instanceOf(TrainingInput, "TrainingInput.fromBucket(bucket, 'datasets/train/')")),
  volumeSize: SIZE,
  maxRuntime: DURATION,
  completionTimeout: DURATION,
  maxWaitTime: DURATION,
  modelOutputCompression: instanceOf(ModelOutputCompression, 'ModelOutputCompression.NONE'),
};
