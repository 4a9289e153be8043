export * from './core';
export * from './hosting';
export * from './packaging';
export * from './training';
export * from './pytorch-custom-endpoint';
export * from './fleet';
