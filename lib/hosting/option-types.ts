// The run-time types of the hosting option groups that the factories take (ServingMode, DeploymentGuardrails),
// checked for JavaScript callers by lib/common/validation.ts. Internal: not exported from lib/index.ts.
import { DURATION, instanceOf, PropTypes, SIZE } from '../common/validation';
import { CapacitySize } from './deployment/capacity-size';

/** `ServingMode.realtimeScaleToZero(options)`. */
export const SCALE_TO_ZERO_OPTION_TYPES: PropTypes = { idleTimeout: DURATION, memoryPerCopy: SIZE };

/** `ServingMode.asynchronous(options)`. */
export const ASYNC_OPTION_TYPES: PropTypes = { idleTimeout: DURATION, scaleInCooldown: DURATION, resultRetention: DURATION };

const CAPACITY_SIZE = instanceOf(CapacitySize, (given) =>
  typeof given === 'number' ? `CapacitySize.instanceCount(${given}) or CapacitySize.percent(${given})` : 'CapacitySize.instanceCount(1)');

/** Every `DeploymentGuardrails` factory's options (each kind takes a subset). */
export const GUARDRAIL_OPTION_TYPES: PropTypes = {
  canarySize: CAPACITY_SIZE,
  stepSize: CAPACITY_SIZE,
  maximumBatchSize: CAPACITY_SIZE,
  rollbackMaximumBatchSize: CAPACITY_SIZE,
  waitInterval: DURATION,
  terminationWait: DURATION,
  maximumExecutionTimeout: DURATION,
};
