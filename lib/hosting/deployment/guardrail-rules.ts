// SageMaker's rules for deployment guardrails, as pure functions of plain values: each returns the problems it finds
// (empty when the combination is valid), with messages that say what to change. Sources are named in
// docs/operations.md ("Deployment guardrails") and docs/serving-modes.md ("Deployment guardrails in each mode").

/** A capacity size as the API spells it. */
export interface CapacityValue {
  /** `CAPACITY_PERCENT`, `INSTANCE_COUNT` (endpoints) or `COPY_COUNT` (inference components). */
  readonly type: string;
  readonly value: number;
}

/** The plain values of a guardrailed deployment and of what it updates. */
export interface GuardrailFacts {
  /** `ALL_AT_ONCE`, `CANARY`, `LINEAR` or `ROLLING`. */
  readonly kind: string;
  readonly size?: CapacityValue;
  readonly rollbackSize?: CapacityValue;
  readonly waitIntervalSeconds?: number;
  readonly terminationWaitSeconds?: number;
  readonly maximumExecutionTimeoutSeconds: number;
  readonly instanceTypeName: string;
  /**
   * What the deployment replaces in batches: the variant's instances (an endpoint's `DeploymentConfig`) or the
   * inference component's copies (the component's `DeploymentConfig`).
   *
   * @default 'instance'
   */
  readonly unit?: 'instance' | 'copy';
  /** Instances: the variant's instance count in the endpoint config. Copies: the most copies (maxCopyCount). */
  readonly instanceCount: number;
  /** Instances: the smallest count the variant can have when the update runs (a scaling minimum), else `instanceCount`. */
  readonly minInstanceCount: number;
  /**
   * The option that sets `minInstanceCount` (instances) or `instanceCount` (copies), as an error message names it.
   *
   * @default 'instanceCount' (instances), 'maxCopyCount' (copies)
   */
  readonly countSetting?: string;
  readonly alarmCount: number;
}

/** The range of a size, as a share of what is replaced, for each kind (API reference). */
const SHARE_RANGES: { [kind: string]: { name: string; min: number; max: number } } = {
  // TrafficRoutingConfig.CanarySize: "must be less than or equal to 50% of the variant's total instance count".
  CANARY: { name: 'canarySize', min: 0, max: 50 },
  // TrafficRoutingConfig.LinearStepSize: "must be 10-50% of the variant's total instance count".
  LINEAR: { name: 'stepSize', min: 10, max: 50 },
  // RollingUpdatePolicy.MaximumBatchSize: "must be between 5% to 50% of the variant's total instance count";
  // InferenceComponentRollingUpdatePolicy.MaximumBatchSize: "must be between 5% to 50% of the copy count of the
  // inference component".
  ROLLING: { name: 'maximumBatchSize', min: 5, max: 50 },
};

/** The size types each unit takes: CapacitySizeType (endpoints) and InferenceComponentCapacitySizeType (botocore). */
const SIZE_TYPES = { instance: ['INSTANCE_COUNT', 'CAPACITY_PERCENT'], copy: ['COPY_COUNT', 'CAPACITY_PERCENT'] };

/** Bounds of the API's integer fields (API reference of BlueGreenUpdatePolicy, TrafficRoutingConfig, RollingUpdatePolicy). */
export const WAIT_INTERVAL_MAX_SECONDS = 3600;
export const TERMINATION_WAIT_MAX_SECONDS = 3600;
export const MAXIMUM_EXECUTION_TIMEOUT_MIN_SECONDS = 600;
export const MAXIMUM_EXECUTION_TIMEOUT_MAX_SECONDS = 28800;
/** AutoRollbackConfig.Alarms: 1 to 10 items. */
export const MAX_ROLLBACK_ALARMS = 10;

/** Every rule that depends only on the deployment and the endpoint's (or the component's) own settings. */
export function checkGuardrails(f: GuardrailFacts): string[] {
  const problems: string[] = [];
  problems.push(...checkCapacityValue(f.size, sizeName(f.kind), unitOf(f)));
  problems.push(...checkCapacityValue(f.rollbackSize, 'rollbackMaximumBatchSize', unitOf(f)));
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
  problems.push(...checkInf1(f));
  return problems;
}

/**
 * Exclusions page (https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-exclusions.html): an
 * endpoint on Inf1 instances "cannot use deployment guardrails" and falls back to "a blue/green deployment with all at
 * once traffic shifting and no final baking period". So a canary, linear or rolling deployment cannot be honoured,
 * and neither can what all at once adds to that fallback: the final baking period (terminationWait) and the rollback
 * alarms watched during it.
 */
function checkInf1(f: GuardrailFacts): string[] {
  if (!/^ml\.inf1\./.test(f.instanceTypeName)) return [];
  if (f.kind !== 'ALL_AT_ONCE') {
    return [
      `${f.instanceTypeName} is an Inf1 instance type: SageMaker does not apply deployment guardrails to Inf1 ` +
      'endpoints (it shifts all traffic at once), so a canary, linear or rolling deployment cannot be honoured. ' +
      'Use DeploymentGuardrails.allAtOnce() or another instance type.',
    ];
  }
  const ignored: string[] = [];
  if (f.alarmCount > 0) ignored.push(`${f.alarmCount} rollback alarm(s)`);
  if ((f.terminationWaitSeconds ?? 0) > 0) ignored.push(`terminationWait (${f.terminationWaitSeconds} s)`);
  if (ignored.length === 0) return [];
  return [
    `${f.instanceTypeName} is an Inf1 instance type: SageMaker does not apply deployment guardrails to Inf1 endpoints ` +
    'and deploys all at once with no final baking period, so the ' + ignored.join(' and ') + ' of allAtOnce() would ' +
    'do nothing. Remove deployment (the update is all at once anyway), or pick an instance type other than Inf1 to ' +
    'keep them.',
  ];
}

function unitOf(f: GuardrailFacts): 'instance' | 'copy' {
  return f.unit ?? 'instance';
}

function checkCapacityValue(size: CapacityValue | undefined, name: string, unit: 'instance' | 'copy'): string[] {
  if (!size) return [];
  if (!SIZE_TYPES[unit].includes(size.type)) {
    return unit === 'copy'
      ? [`${name} is ${size.type === 'INSTANCE_COUNT' ? 'a number of instances' : size.type}: an inference component is updated in batches of copies, so its sizes are CapacitySize.copyCount(n) or CapacitySize.percent(n) (InferenceComponentCapacitySize).`]
      : [`${name} is ${size.type === 'COPY_COUNT' ? 'a number of copies' : size.type}: an endpoint is updated in shares of its instances, so its sizes are CapacitySize.instanceCount(n) or CapacitySize.percent(n); copies size an inference component's update (ServingMode.realtimeScaleToZero).`];
  }
  if (!Number.isInteger(size.value) || size.value < 1) {
    return [`${name} must be a whole number >= 1 (CapacitySize.Value), got ${size.value}.`];
  }
  if (size.type === 'CAPACITY_PERCENT' && size.value > 100) {
    return [`${name} is ${size.value} %: a percentage is at most 100.`];
  }
  return [];
}

/** The canary, step or batch against what it is a share of (the smallest that can be there when the update runs). */
function checkShare(f: GuardrailFacts): string[] {
  const range = SHARE_RANGES[f.kind];
  if (!range || !f.size || !SIZE_TYPES[unitOf(f)].includes(f.size.type) || !Number.isInteger(f.size.value) || f.size.value < 1) return [];
  return unitOf(f) === 'copy' ? checkCopyShare(f, range) : checkInstanceShare(f, range);
}

function checkInstanceShare(f: GuardrailFacts, range: { name: string; min: number; max: number }): string[] {
  const { name, min, max } = range;
  const rangeText = min > 0 ? `${min} to ${max} %` : `at most ${max} %`;
  // A share of a single instance (or of none) is the whole fleet: there is no canary, step or batch of at most half.
  if (f.minInstanceCount < 2) return [needTwoInstances(f)];
  if (f.size!.type === 'CAPACITY_PERCENT') {
    return f.size!.value > max || f.size!.value < min
      ? [`${name} is ${f.size!.value} %: SageMaker takes ${rangeText} of the variant's instances for a ${f.kind.toLowerCase()} deployment.`]
      : [];
  }
  const problems: string[] = [];
  for (const count of new Set([f.minInstanceCount, f.instanceCount])) {
    const percent = (100 * f.size!.value) / count;
    if (percent > max || percent < min) {
      problems.push(
        `${name} is ${f.size!.value} instance(s), ${percent.toFixed(0)} % of ${count} instances${count !== f.instanceCount ? ` (${countSetting(f)})` : ''}: ` +
        `SageMaker takes ${rangeText} of the variant's instances for a ${f.kind.toLowerCase()} deployment.`,
      );
    }
  }
  return problems;
}

/**
 * An inference component's batch against its copies. The copy count when CloudFormation updates the component is
 * whatever Application Auto Scaling has set (0 when the endpoint is idle), so the batch is checked against the most it
 * can be (maxCopyCount): if even then it is over half, no update can satisfy "5% to 50% of the copy count".
 */
function checkCopyShare(f: GuardrailFacts, range: { name: string; min: number; max: number }): string[] {
  const { name, min, max } = range;
  const copies = f.instanceCount;
  if (copies < 2) {
    return [
      `A rolling update of an inference component replaces at most half of its copies at a time (${name}: ${min} to ` +
      `${max} % of the copy count), so the component needs at least 2 copies, but ${countSetting(f)} is ${copies}: ` +
      `raise it to 2 or more, or remove deployment.`,
    ];
  }
  if (f.size!.type === 'CAPACITY_PERCENT') {
    return f.size!.value > max || f.size!.value < min
      ? [`${name} is ${f.size!.value} %: SageMaker takes ${min} to ${max} % of the inference component's copies.`]
      : [];
  }
  const percent = (100 * f.size!.value) / copies;
  return percent > max || percent < min
    ? [`${name} is ${f.size!.value} copies, ${percent.toFixed(0)} % of ${countSetting(f)} (${copies}): SageMaker takes ${min} to ${max} % of the inference component's copies.`]
    : [];
}

function needTwoInstances(f: GuardrailFacts): string {
  return (
    `A ${f.kind.toLowerCase()} deployment needs at least 2 instances (the ${sizeName(f.kind)} is at most half of them), ` +
    `but the variant can have ${f.minInstanceCount}` +
    (f.minInstanceCount === 0 ? ' (it scales to zero, so an update may find no instance at all)' : '') +
    `: raise ${countSetting(f)} to 2 or more, or use DeploymentGuardrails.allAtOnce().`
  );
}

function countSetting(f: GuardrailFacts): string {
  return f.countSetting ?? (unitOf(f) === 'copy' ? 'maxCopyCount' : 'instanceCount');
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
