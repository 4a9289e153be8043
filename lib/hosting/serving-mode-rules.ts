import { Annotations, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { InstanceType } from '../core/instance-type';
import { instanceCapacity } from './instance-capacity';
import { RealtimeEndpointOptions } from './realtime-endpoint-props';
import { ServingMode, ServingModeKind } from './serving-mode';

/** The plain values of `realtimeScaleToZero()`, defaulted and checked. */
export interface ScaleToZeroSettings {
  readonly maxInstanceCount: number;
  readonly maxCopyCount: number;
  readonly initialCopyCount: number;
  readonly invocationsPerCopyTarget: number;
  readonly acceleratorsPerCopy?: number;
  readonly cpuCoresPerCopy: number;
  readonly memoryPerCopyInMb: number;
  readonly copyCountMetrics: boolean;
}

/** The plain scaling values of `asynchronous()`, defaulted and checked. */
export interface AsyncScalingSettings {
  readonly minInstanceCount: number;
  readonly maxInstanceCount: number;
  readonly backlogPerInstanceTarget: number;
  /** Target tracking's scale-in cooldown, in whole seconds. */
  readonly scaleInCooldownSeconds: number;
  readonly maxConcurrentInvocationsPerInstance?: number;
}

const known = (n: number | undefined): n is number => n !== undefined && !Token.isUnresolved(n);

function wholeNumber(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (known(value) && !(Number.isInteger(value) && value >= min && value <= max)) {
    throw new Error(`${name} must be a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}, got ${value}.`);
  }
}

/**
 * The rules every mode shares: props that configure another mode's scaling are contradictions, not silent no-ops.
 */
export function validateServingMode(mode: ServingMode, props: RealtimeEndpointOptions): void {
  if (mode.kind === ServingModeKind.REALTIME) {
    return;
  }
  if (props.autoScaling) {
    throw new Error(`autoScaling configures the always-on real-time variant, but servingMode is ${mode.kind}, which ` +
      'scales itself: remove autoScaling and set the limits in the mode\'s options (ServingMode.' +
      (mode.kind === ServingModeKind.ASYNCHRONOUS ? 'asynchronous({ maxInstanceCount, backlogPerInstanceTarget })' :
        'realtimeScaleToZero({ maxInstanceCount, maxCopyCount, invocationsPerCopyTarget })') + ').');
  }
  if (props.alarms?.noInvocations?.enabled) {
    throw new Error('alarms.noInvocations would fire every time the endpoint is idle, which a scale-to-zero mode is ' +
      'on purpose; remove it.');
  }
}

/**
 * Warns about the options a mode still accepts but no longer uses as their name suggests (deprecated), saying what
 * they did and what decides now.
 */
export function warnDeprecatedModeOptions(scope: IConstruct, mode: ServingMode): void {
  if (mode.scaleToZero?.idleTimeout !== undefined) {
    Annotations.of(scope).addWarningV2('cdk-pytorch-sagemaker:scaleToZeroIdleTimeoutDeprecated',
      'ServingMode.realtimeScaleToZero idleTimeout is deprecated and has no effect: it set an idle alarm whose ' +
      'ExactCapacity-0 step policy could undo a wake-up (issue 17). Target tracking on invocations per copy now ' +
      'removes the last copy after its scale-in alarm\'s idle minutes (about 15; AWS does not document the count), ' +
      'and managed instance scaling then releases the instances. Remove idleTimeout.');
  }
  if (mode.asyncInference?.idleTimeout !== undefined) {
    Annotations.of(scope).addWarningV2('cdk-pytorch-sagemaker:asyncIdleTimeoutDeprecated',
      'ServingMode.asynchronous idleTimeout is deprecated: it sets the target tracking scale-in cooldown, which is ' +
      'now scaleInCooldown; it does not decide when an idle endpoint reaches zero (target tracking\'s scale-in alarm ' +
      'does, after about 15 idle minutes). Rename idleTimeout to scaleInCooldown.');
  }
}

/** Defaults and checks of `realtimeScaleToZero()` for an instance type. */
export function resolveScaleToZero(mode: ServingMode, instanceType: InstanceType, props: RealtimeEndpointOptions): ScaleToZeroSettings {
  const options = mode.scaleToZero ?? {};
  const maxInstanceCount = options.maxInstanceCount ?? 1;
  wholeNumber('realtimeScaleToZero maxInstanceCount', maxInstanceCount, 1);
  const maxCopyCount = options.maxCopyCount ?? maxInstanceCount;
  wholeNumber('realtimeScaleToZero maxCopyCount', maxCopyCount, 1);
  const initialCopyCount = options.initialCopyCount ?? 1;
  wholeNumber('realtimeScaleToZero initialCopyCount', initialCopyCount, 0);
  if (known(initialCopyCount) && known(maxCopyCount) && initialCopyCount > maxCopyCount) {
    throw new Error(`realtimeScaleToZero initialCopyCount (${initialCopyCount}) is above maxCopyCount (${maxCopyCount}): ` +
      'lower the initial count or raise the maximum.');
  }
  if (props.instanceCount !== undefined && known(props.instanceCount) && props.instanceCount > maxInstanceCount) {
    throw new Error(`instanceCount (${props.instanceCount}) is above realtimeScaleToZero maxInstanceCount ` +
      `(${maxInstanceCount}): managed instance scaling would have to remove instances at once. Raise maxInstanceCount ` +
      'or lower instanceCount.');
  }
  const invocationsPerCopyTarget = options.invocationsPerCopyTarget ?? 60;
  if (known(invocationsPerCopyTarget) && !(invocationsPerCopyTarget > 0)) {
    throw new Error(`realtimeScaleToZero invocationsPerCopyTarget must be above 0, got ${invocationsPerCopyTarget}.`);
  }

  const capacity = instanceCapacity(instanceType.name);
  const needExplicit = (what: string) => new Error(`realtimeScaleToZero cannot derive ${what} for ${instanceType.name}, ` +
    'whose capacity this library does not know: set acceleratorsPerCopy (GPU instances), cpuCoresPerCopy and memoryPerCopy.');
  if (options.acceleratorsPerCopy !== undefined && known(options.acceleratorsPerCopy)) {
    if (!instanceType.hasGpu) {
      throw new Error(`realtimeScaleToZero acceleratorsPerCopy is set, but ${instanceType.name} has no accelerator: ` +
        'remove it or pick a GPU instance type.');
    }
    wholeNumber('realtimeScaleToZero acceleratorsPerCopy', options.acceleratorsPerCopy, 1);
  }
  let acceleratorsPerCopy = options.acceleratorsPerCopy;
  if (acceleratorsPerCopy === undefined && instanceType.hasGpu) {
    if (!capacity) throw needExplicit('acceleratorsPerCopy');
    acceleratorsPerCopy = capacity.gpus;
  }
  const cpuCoresPerCopy = options.cpuCoresPerCopy ?? (capacity ? capacity.vcpus / 2 : undefined);
  if (cpuCoresPerCopy === undefined) throw needExplicit('cpuCoresPerCopy');
  if (known(cpuCoresPerCopy) && !(cpuCoresPerCopy >= 0.25)) {
    throw new Error(`realtimeScaleToZero cpuCoresPerCopy must be at least 0.25 (CreateInferenceComponent), got ${cpuCoresPerCopy}.`);
  }
  const memoryPerCopyInMb = options.memoryPerCopy?.toMebibytes() ?? (capacity ? capacity.memoryGib * 1024 / 2 : undefined);
  if (memoryPerCopyInMb === undefined) throw needExplicit('memoryPerCopy');
  if (known(memoryPerCopyInMb) && !(Number.isInteger(memoryPerCopyInMb) && memoryPerCopyInMb >= 128)) {
    throw new Error(`realtimeScaleToZero memoryPerCopy must be whole MiB of at least 128 (CreateInferenceComponent), got ${memoryPerCopyInMb} MiB.`);
  }
  if (capacity) {
    // A copy that asks for more than one instance has can never be placed: the endpoint would never serve.
    const over: string[] = [];
    if (known(acceleratorsPerCopy) && acceleratorsPerCopy > capacity.gpus) over.push(`${acceleratorsPerCopy} accelerators (it has ${capacity.gpus})`);
    if (known(cpuCoresPerCopy) && cpuCoresPerCopy > capacity.vcpus) over.push(`${cpuCoresPerCopy} CPU cores (it has ${capacity.vcpus})`);
    if (known(memoryPerCopyInMb) && memoryPerCopyInMb > capacity.memoryGib * 1024) over.push(`${memoryPerCopyInMb} MiB (it has ${capacity.memoryGib * 1024})`);
    if (over.length > 0) {
      throw new Error(`A copy of the model asks for more than one ${instanceType.name} has: ${over.join(', ')}. ` +
        'SageMaker could never place it; lower the per-copy requirements or pick a larger instance type.');
    }
  }
  return {
    maxInstanceCount, maxCopyCount, initialCopyCount, invocationsPerCopyTarget,
    acceleratorsPerCopy, cpuCoresPerCopy, memoryPerCopyInMb,
    copyCountMetrics: options.copyCountMetrics ?? true,
  };
}

/** Defaults and checks of the scaling of `asynchronous()`. */
export function resolveAsyncScaling(mode: ServingMode, initialInstanceCount: number): AsyncScalingSettings {
  const options = mode.asyncInference ?? {};
  const minInstanceCount = options.minInstanceCount ?? 0;
  const maxInstanceCount = options.maxInstanceCount ?? 1;
  wholeNumber('asynchronous minInstanceCount', minInstanceCount, 0);
  wholeNumber('asynchronous maxInstanceCount', maxInstanceCount, 1);
  if (known(minInstanceCount) && known(maxInstanceCount) && minInstanceCount > maxInstanceCount) {
    throw new Error(`asynchronous minInstanceCount (${minInstanceCount}) is above maxInstanceCount (${maxInstanceCount}): ` +
      'lower the minimum or raise the maximum.');
  }
  if (known(initialInstanceCount) && known(maxInstanceCount) && initialInstanceCount > maxInstanceCount) {
    throw new Error(`instanceCount (${initialInstanceCount}) is above asynchronous maxInstanceCount (${maxInstanceCount}): ` +
      'raise the maximum or lower the initial count.');
  }
  const backlogPerInstanceTarget = options.backlogPerInstanceTarget ?? 5;
  if (known(backlogPerInstanceTarget) && !(backlogPerInstanceTarget > 0)) {
    throw new Error(`asynchronous backlogPerInstanceTarget must be above 0, got ${backlogPerInstanceTarget}.`);
  }
  if (options.maxConcurrentInvocationsPerInstance !== undefined) {
    wholeNumber('asynchronous maxConcurrentInvocationsPerInstance', options.maxConcurrentInvocationsPerInstance, 1, 1000);
  }
  if (options.scaleInCooldown !== undefined && options.idleTimeout !== undefined) {
    throw new Error('asynchronous scaleInCooldown and idleTimeout set the same cooldown: remove idleTimeout (deprecated).');
  }
  const scaleInCooldownSeconds = (options.scaleInCooldown ?? options.idleTimeout)?.toSeconds() ?? 15 * 60;
  if (!known(scaleInCooldownSeconds)) {
    throw new Error('asynchronous scaleInCooldown must be a literal duration.');
  }
  if (!(Number.isInteger(scaleInCooldownSeconds) && scaleInCooldownSeconds >= 0)) {
    throw new Error(`asynchronous scaleInCooldown must be whole seconds (PutScalingPolicy ScaleInCooldown), got ${scaleInCooldownSeconds}.`);
  }
  return {
    minInstanceCount, maxInstanceCount, backlogPerInstanceTarget, scaleInCooldownSeconds,
    maxConcurrentInvocationsPerInstance: options.maxConcurrentInvocationsPerInstance,
  };
}
