// Public API of lib/hosting: each module of the area is exported here.
export * from './data-capture';
export * from './realtime-endpoint';
export * from './scaling';
export * from './monitoring';
