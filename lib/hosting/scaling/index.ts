// Public API of lib/hosting/scaling: Application Auto Scaling for a production variant.
export * from './auto-scaling-options';
export * from './variant-auto-scaling';
export * from './async-auto-scaling';
export * from './inference-component-scaling';
