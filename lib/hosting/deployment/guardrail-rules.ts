// SageMaker's rules for deployment guardrails, as pure functions of plain values: each returns the problems it finds
// (empty when the combination is valid), with messages that say what to change. Sources are named in
// docs/operations.md ("Deployment guardrails").

/** A capacity size as the API spells it. */
export interface CapacityValue {
  /** `CAPACITY_PERCENT` or `INSTANCE_COUNT`. */
  readonly type: string;
  readonly value: number;
}

/** The plain values of a guardrailed deployment and of the endpoint it updates. */
export interface GuardrailFacts {
  /** `ALL_AT_ONCE`, `CANARY`, `LINEAR` or `ROLLING`. */
  readonly kind: string;
  readonly size?: CapacityValue;
  readonly rollbackSize?: CapacityValue;
  readonly waitIntervalSeconds?: number;
  readonly terminationWaitSeconds?: number;
  readonly maximumExecutionTimeoutSeconds: number;
  readonly instanceTypeName: string;
  /** The variant's instance count in the endpoint config. */
  readonly instanceCount: number;
  /** The smallest count the variant can have at deploy time (autoscaling's minimum), else `instanceCount`. */
  readonly minInstanceCount: number;
  readonly alarmCount: number;
}

/** The range of a size, as a share of the variant's instance count, for each kind (API reference). */
const SHARE_RANGES: { [kind: string]: { name: string; min: number; max: number } } = {
  // TrafficRoutingConfig.CanarySize: "must be less than or equal to 50% of the variant's total instance count".
  CANARY: { name: 'canarySize', min: 0, max: 50 },
  // TrafficRoutingConfig.LinearStepSize: "must be 10-50% of the variant's total instance count".
  LINEAR: { name: 'stepSize', min: 10, max: 50 },
  // RollingUpdatePolicy.MaximumBatchSize: "must be between 5% to 50% of the variant's total instance count".
  ROLLING: { name: 'maximumBatchSize', min: 5, max: 50 },
};

/** Bounds of the API's integer fields (API reference of BlueGreenUpdatePolicy, TrafficRoutingConfig, RollingUpdatePolicy). */
export const WAIT_INTERVAL_MAX_SECONDS = 3600;
export const TERMINATION_WAIT_MAX_SECONDS = 3600;
export const MAXIMUM_EXECUTION_TIMEOUT_MIN_SECONDS = 600;
export const MAXIMUM_EXECUTION_TIMEOUT_MAX_SECONDS = 28800;
/** AutoRollbackConfig.Alarms: 1 to 10 items. */
export const MAX_ROLLBACK_ALARMS = 10;

/** Every rule that depends only on the deployment and the endpoint's own settings. */
export function checkGuardrails(f: GuardrailFacts): string[] {
  const problems: string[] = [];
  problems.push(...checkCapacityValue(f.size, sizeName(f.kind)));
  problems.push(...checkCapacityValue(f.rollbackSize, 'rollbackMaximumBatchSize'));
  problems.push(...checkShare(f));
  if (f.waitIntervalSeconds !== undefined && !inRange(f.waitIntervalSeconds, 0, WAIT_INTERVAL_MAX_SECONDS)) {
    problems.push(`waitInterval is ${f.waitIntervalSeconds} s: SageMaker takes 0 to ${WAIT_INTERVAL_MAX_SECONDS} s (whole seconds).`);
  }
  if (f.terminationWaitSeconds !== undefined && !inRange(f.terminationWaitSeconds, 0, TERMINATION_WAIT_MAX_SECONDS)) {
    problems.push(`terminationWait is ${f.terminationWaitSeconds} s: SageMaker takes 0 to ${TERMINATION_WAIT_MAX_SECONDS} s (whole seconds).`);
  }
  const timeout = f.maximumExecutionTimeoutSeconds;
  if (!inRange(timeout, MAXIMUM_EXECUTION_TIMEOUT_MIN_SECONDS, MAXIMUM_EXECUTION_TIMEOUT_MAX_SECONDS)) {
    problems.push(
      `maximumExecutionTimeout is ${timeout} s: SageMaker takes ${MAXIMUM_EXECUTION_TIMEOUT_MIN_SECONDS} to ` +
      `${MAXIMUM_EXECUTION_TIMEOUT_MAX_SECONDS} s (10 minutes to 8 hours).`,
    );
  } else if (timeout <= totalWaitSeconds(f)) {
    // BlueGreenUpdatePolicy.MaximumExecutionTimeoutInSeconds: "should be larger than the total waiting time".
    problems.push(
      `maximumExecutionTimeout (${timeout} s) must be longer than the baking periods added up (${totalWaitSeconds(f)} s): ` +
      'raise it or shorten waitInterval / terminationWait.',
    );
  }
  if (f.alarmCount > MAX_ROLLBACK_ALARMS) {
    problems.push(
      `${f.alarmCount} rollback alarms: SageMaker watches at most ${MAX_ROLLBACK_ALARMS} (AutoRollbackConfig.Alarms). ` +
      'Combine them into a composite alarm, or set useDefaultAlarms: false.',
    );
  }
  // Exclusions page: endpoints on Inf1 instances cannot use guardrails and silently fall back to all at once
  // without a final baking period, so a canary, linear or rolling deployment would not do what it says.
  if (f.kind !== 'ALL_AT_ONCE' && /^ml\.inf1\./.test(f.instanceTypeName)) {
    problems.push(
      `${f.instanceTypeName} is an Inf1 instance type: SageMaker does not apply deployment guardrails to Inf1 ` +
      'endpoints (it shifts all traffic at once), so a canary, linear or rolling deployment cannot be honoured. ' +
      'Use DeploymentGuardrails.allAtOnce() or another instance type.',
    );
  }
  return problems;
}

/**
 * The rules that depend on how the endpoint serves (the serving mode), for the lead to wire to `ServingMode`:
 * `modeKind` is `'realtime'`, `'serverless'`, `'async'` or `'inference-components'`; `kind` as in `GuardrailFacts`;
 * `minInstanceCount` the smallest instance count the mode's scaling allows (0 when it scales to zero).
 */
export function checkGuardrailsForMode(modeKind: string, kind: string, minInstanceCount: number): string[] {
  const problems: string[] = [];
  switch (modeKind) {
    case 'realtime':
    case 'async':
      break;
    case 'serverless':
      // Exclusions page: "If you're doing a rolling deployment, there are additional feature-based exclusions:
      // Serverless inference endpoints".
      if (kind === 'ROLLING') {
        problems.push('A serverless endpoint cannot take a rolling deployment (SageMaker\'s exclusions): use a blue/green one (allAtOnce, canary or linear).');
      }
      break;
    case 'inference-components':
      // The model of an endpoint with inference components lives in AWS::SageMaker::InferenceComponent: a new model
      // updates the component, not the endpoint config, so the endpoint's DeploymentConfig never applies to a model
      // change. The component's own DeploymentConfig takes only a RollingUpdatePolicy sized in copies (5 % to 50 %
      // of the copy count, which is 0 while the endpoint is scaled to zero); this library does not render it yet.
      problems.push(
        'An endpoint with inference components (ServingMode.realtimeScaleToZero) deploys a new model by updating the ' +
        'inference component, which the endpoint\'s DeploymentConfig never governs; its own rolling update is not ' +
        'supported by this library yet: remove deployment, or serve with ServingMode.realtime().',
      );
      break;
    default:
      problems.push(`Unknown serving mode '${modeKind}'.`);
  }
  // Every size is a share of the instances that exist when the update runs: an endpoint that may sit at zero
  // instances has nothing to take a canary, a step or a batch of.
  if (minInstanceCount < 1 && kind !== 'ALL_AT_ONCE' && modeKind !== 'inference-components') {
    problems.push(
      `A ${kind.toLowerCase()} deployment is sized as a share of the running instances, but this endpoint can scale ` +
      'to zero: use DeploymentGuardrails.allAtOnce() (with rollback alarms), or keep at least one instance.',
    );
  }
  return problems;
}

function checkCapacityValue(size: CapacityValue | undefined, name: string): string[] {
  if (!size) return [];
  if (!Number.isInteger(size.value) || size.value < 1) {
    return [`${name} must be a whole number >= 1 (CapacitySize.Value), got ${size.value}.`];
  }
  if (size.type === 'CAPACITY_PERCENT' && size.value > 100) {
    return [`${name} is ${size.value} %: a percentage of the instances is at most 100.`];
  }
  return [];
}

/** The canary, step or batch against the variant's instance count (the smallest it can be when the update runs). */
function checkShare(f: GuardrailFacts): string[] {
  const range = SHARE_RANGES[f.kind];
  if (!range || !f.size || !Number.isInteger(f.size.value) || f.size.value < 1) return [];
  const { name, min, max } = range;
  const rangeText = min > 0 ? `${min} to ${max} %` : `at most ${max} %`;
  if (f.size.type === 'CAPACITY_PERCENT') {
    if (f.size.value > max || f.size.value < min) {
      return [`${name} is ${f.size.value} %: SageMaker takes ${rangeText} of the variant's instances for a ${f.kind.toLowerCase()} deployment.`];
    }
    // A share of a single instance is the whole fleet: there is no canary, step or batch smaller than 100 %.
    if (f.minInstanceCount < 2) {
      return [singleInstanceMessage(f)];
    }
    return [];
  }
  const problems: string[] = [];
  for (const count of new Set([f.minInstanceCount, f.instanceCount])) {
    const percent = (100 * f.size.value) / count;
    if (percent > max || percent < min) {
      if (count < 2) return [singleInstanceMessage(f)];
      problems.push(
        `${name} is ${f.size.value} instance(s), ${percent.toFixed(0)} % of ${count} instances${count !== f.instanceCount ? ' (autoScaling.minInstanceCount)' : ''}: ` +
        `SageMaker takes ${rangeText} of the variant's instances for a ${f.kind.toLowerCase()} deployment.`,
      );
    }
  }
  return problems;
}

function singleInstanceMessage(f: GuardrailFacts): string {
  return (
    `A ${f.kind.toLowerCase()} deployment needs at least 2 instances (the ${sizeName(f.kind)} is at most half of them), ` +
    `but the variant can have ${f.minInstanceCount}: raise instanceCount (and autoScaling.minInstanceCount), or use ` +
    'DeploymentGuardrails.allAtOnce().'
  );
}

function sizeName(kind: string): string {
  return SHARE_RANGES[kind]?.name ?? 'size';
}

/** The baking periods of the whole deployment: every step's wait, plus the final one. */
export function totalWaitSeconds(f: Pick<GuardrailFacts, 'kind' | 'size' | 'waitIntervalSeconds' | 'terminationWaitSeconds' | 'instanceCount'>): number {
  const wait = f.waitIntervalSeconds ?? 0;
  return stepCount(f) * wait + (f.terminationWaitSeconds ?? 0);
}

/** How many baking periods between steps a deployment has. */
function stepCount(f: Pick<GuardrailFacts, 'kind' | 'size' | 'instanceCount'>): number {
  if (f.kind === 'ALL_AT_ONCE' || !f.size) return 0;
  if (f.kind === 'CANARY') return 1;
  const share = f.size.type === 'CAPACITY_PERCENT' ? f.size.value / 100 : f.size.value / Math.max(f.instanceCount, 1);
  return Math.max(1, Math.ceil(1 / Math.max(share, 0.01)));
}

function inRange(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}
