// Public API of lib/packaging: each module of the area is exported here.
export * from './inference-code';
export * from './injection-strategy';
export * from './inference-code-injection';
