// Public API of lib/hosting: each module of the area is exported here.
export * from './data-capture';
export * from './realtime-endpoint';
export * from './realtime-endpoint-props';
export * from './scaling';
export * from './monitoring';
export * from './endpoint-base';
export * from './imported-endpoint';
export * from './deployment';
export * from './async-inference-options';
export * from './scale-to-zero-options';
export * from './serving-mode';
export * from './copy-requirement-options';
