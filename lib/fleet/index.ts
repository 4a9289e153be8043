// Public API of lib/fleet: several models on one endpoint, each an inference component.
export * from './inference-fleet';
export * from './fleet-model';
