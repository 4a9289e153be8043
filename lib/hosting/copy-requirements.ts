import { checkIntegerInRange, isLiteral } from '../common/validation';
import { InstanceType } from '../core/instance-type';
import { CopyRequirementOptions } from './copy-requirement-options';
import { InstanceCapacity, instanceCapacity } from './instance-capacity';

/** Per-copy requirements, defaulted and checked against one instance. */
export interface CopyRequirements {
  /** Undefined on an instance type without accelerators. */
  readonly acceleratorsPerCopy?: number;
  readonly cpuCoresPerCopy: number;
  readonly memoryPerCopyInMb: number;
}

/**
 * How one host of inference components sizes a copy whose requirements are not given, and how it words two of its
 * messages. The defaults differ on purpose: the scale-to-zero serving mode runs one model, so one copy takes all the
 * instance's GPUs and half of the instance (`COPY_TAKES_THE_INSTANCE`); a fleet shares its instances between models,
 * so a copy takes 1 GPU and half of what comes with it (`COPY_TAKES_ONE_GPU`). The wordings are the hosts' own since
 * they shipped (their messages must not change with this shared check).
 */
export interface CopySizing {
  /**
   * The accelerators of a copy on a GPU instance type that sets none; undefined when that needs the instance's
   * capacity and the library does not know it (the user must then set it).
   */
  readonly defaultAccelerators: (capacity: InstanceCapacity | undefined) => number | undefined;
  /** The share of the instance's vCPUs and memory a copy reserves when it sets none (given its accelerators). */
  readonly defaultShare: (capacity: InstanceCapacity, acceleratorsPerCopy: number | undefined) => number;
  /** Throws unless a literal `acceleratorsPerCopy` is a whole number of at least 1. */
  readonly checkWholeAccelerators: (acceleratorsPerCopy: number) => void;
  /** The message for a copy larger than one instance, given the type and what is over ("2 accelerators (it has 1)"). */
  readonly tooLargeMessage: (instanceTypeName: string, over: string) => string;
}

/** The scale-to-zero serving mode's sizing, one model per endpoint: one copy takes all the GPUs and half the instance. */
export function copyTakesTheInstance(checkWholeAccelerators: (acceleratorsPerCopy: number) => void): CopySizing {
  return {
    defaultAccelerators: (capacity) => capacity?.gpus,
    defaultShare: () => 1 / 2,
    checkWholeAccelerators,
    tooLargeMessage: (type, over) => `A copy of the model asks for more than one ${type} has: ${over}. ` +
      'SageMaker could never place it; lower the per-copy requirements or pick a larger instance type.',
  };
}

/**
 * A fleet model's sizing, several models per instance: a copy takes 1 GPU, and half of the vCPUs and memory that come
 * with its GPUs (half the instance on CPU types).
 */
export function copyTakesOneGpu(fail: (message: string) => never): CopySizing {
  return {
    defaultAccelerators: () => 1,
    defaultShare: (c, accelerators) => (c.gpus > 0 && isLiteral(accelerators) ? Math.min(1, accelerators / c.gpus) : 1) / 2,
    checkWholeAccelerators: (accelerators) =>
      checkIntegerInRange(fail, 'acceleratorsPerCopy', accelerators, 1, undefined, { why: 'a copy reserves whole accelerators' }),
    tooLargeMessage: (type, over) => `a copy asks for more than one ${type} has: ${over}. SageMaker places a copy ` +
      'on one instance and could never place it; lower the per-copy requirements or pick a larger instance type.',
  };
}

/**
 * Defaults the per-copy requirements as the host sizes copies (`sizing`, from the instance type's capacity in
 * `instance-capacity.ts`) and checks them: the API's minimums (accelerators >= 1 and whole, CPU cores >= 0.25, memory
 * whole MiB >= 128), no accelerator on a CPU type, and a copy that fits one instance (SageMaker places a copy whole on
 * one instance: one that asks for more could never be placed and the model would never serve). `what` prefixes the
 * messages (the option as the user wrote it, or ''); `fail` throws them (so that the caller's error names its
 * construct). Deploy-time values are skipped (`isLiteral`).
 */
export function resolveCopyRequirements(
  what: string, instanceType: InstanceType, options: CopyRequirementOptions, sizing: CopySizing, fail: (message: string) => never,
): CopyRequirements {
  const capacity = instanceCapacity(instanceType.name);
  const lead = what ? `${what} ` : '';
  const needExplicit = (option: string): never => fail(`${lead}cannot derive ${option} for ${instanceType.name}, whose ` +
    'capacity this library does not know: set acceleratorsPerCopy (GPU instances), cpuCoresPerCopy and memoryPerCopy.');
  let acceleratorsPerCopy = options.acceleratorsPerCopy;
  if (isLiteral(acceleratorsPerCopy)) {
    if (!instanceType.hasGpu) {
      fail(`${lead}acceleratorsPerCopy is set, but ${instanceType.name} has no accelerator: remove it or pick a GPU instance type.`);
    }
    sizing.checkWholeAccelerators(acceleratorsPerCopy);
  }
  if (acceleratorsPerCopy === undefined && instanceType.hasGpu) {
    acceleratorsPerCopy = sizing.defaultAccelerators(capacity) ?? needExplicit('acceleratorsPerCopy');
  }
  const share = (c: InstanceCapacity) => sizing.defaultShare(c, acceleratorsPerCopy);
  const cpuCoresPerCopy = options.cpuCoresPerCopy ?? (capacity ? capacity.vcpus * share(capacity) : needExplicit('cpuCoresPerCopy'));
  if (isLiteral(cpuCoresPerCopy) && !(cpuCoresPerCopy >= 0.25)) {
    fail(`${lead}cpuCoresPerCopy must be at least 0.25 (CreateInferenceComponent), got ${cpuCoresPerCopy}.`);
  }
  const memoryPerCopyInMb = options.memoryPerCopy?.toMebibytes()
    ?? (capacity ? Math.floor(capacity.memoryGib * 1024 * share(capacity)) : needExplicit('memoryPerCopy'));
  checkIntegerInRange(fail, `${lead}memoryPerCopy`, memoryPerCopyInMb, 128, undefined, { unit: 'MiB', why: 'CreateInferenceComponent' });
  if (capacity) {
    const over: string[] = [];
    if (isLiteral(acceleratorsPerCopy) && acceleratorsPerCopy > capacity.gpus) over.push(`${acceleratorsPerCopy} accelerators (it has ${capacity.gpus})`);
    if (isLiteral(cpuCoresPerCopy) && cpuCoresPerCopy > capacity.vcpus) over.push(`${cpuCoresPerCopy} CPU cores (it has ${capacity.vcpus})`);
    if (isLiteral(memoryPerCopyInMb) && memoryPerCopyInMb > capacity.memoryGib * 1024) over.push(`${memoryPerCopyInMb} MiB (it has ${capacity.memoryGib * 1024})`);
    if (over.length > 0) fail(sizing.tooLargeMessage(instanceType.name, over.join(', ')));
  }
  return { acceleratorsPerCopy, cpuCoresPerCopy, memoryPerCopyInMb };
}
