// Public API of lib/core: what training, packaging and hosting all build on (the container image, the instance
// type, the model data). It imports only lib/common, so no area depends on another through it.
export * from './instance-type';
export * from './container-image';
export * from './model-data';
