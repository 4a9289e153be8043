// Public API of lib/training: each module of the area is exported here.
export * from './hyperparameters';
export * from './model-output-compression';
export * from './training-distribution';
export * from './training-input';
export * from './training-job';
export * from './training-job-props';
export * from './metric-definitions';
export * from './training-job-metrics';
