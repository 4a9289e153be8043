export * from './capacity-size';
export * from './deployment-guardrails';
