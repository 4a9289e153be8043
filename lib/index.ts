export * from './hosting';
export * from './packaging';
export * from './training';
