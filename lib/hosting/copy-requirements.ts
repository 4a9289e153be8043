import { Token } from 'aws-cdk-lib';
import { InstanceType } from '../core/instance-type';
import { CopyRequirementOptions } from './copy-requirement-options';
import { InstanceCapacity, instanceCapacity } from './instance-capacity';

/** Per-copy requirements, defaulted and checked against one instance. */
export interface CopyRequirements {
  readonly acceleratorsPerCopy?: number;
  readonly cpuCoresPerCopy: number;
  readonly memoryPerCopyInMb: number;
}

const known = (n: number | undefined): n is number => n !== undefined && !Token.isUnresolved(n);

/**
 * Defaults the per-copy requirements from the instance type's capacity (`instance-capacity.ts`) and checks them: the
 * API's minimums (accelerators >= 1 and whole, CPU cores >= 0.25, memory whole MiB >= 128), no accelerator on a CPU
 * type, and a copy that fits one instance (SageMaker places a copy whole on one instance: one that asks for more
 * could never be placed and the model would never serve). `what` prefixes the messages (the option as the user
 * wrote it); `fail` throws them (so that the caller's error names its construct).
 */
export function resolveCopyRequirements(
  what: string, instanceType: InstanceType, options: CopyRequirementOptions, fail: (message: string) => never,
): CopyRequirements {
  const capacity = instanceCapacity(instanceType.name);
  const lead = what ? `${what} ` : '';
  const needExplicit = (option: string): never => fail(`${lead}cannot derive ${option} for ${instanceType.name}, whose ` +
    'capacity this library does not know: set acceleratorsPerCopy (GPU instances), cpuCoresPerCopy and memoryPerCopy.');
  let acceleratorsPerCopy = options.acceleratorsPerCopy;
  if (known(acceleratorsPerCopy)) {
    if (!instanceType.hasGpu) {
      fail(`${lead}acceleratorsPerCopy is set, but ${instanceType.name} has no accelerator: remove it or pick a GPU instance type.`);
    }
    if (!(Number.isInteger(acceleratorsPerCopy) && acceleratorsPerCopy >= 1)) {
      fail(`${lead}acceleratorsPerCopy must be a whole number of at least 1 (a copy reserves whole accelerators), got ${acceleratorsPerCopy}.`);
    }
  }
  if (acceleratorsPerCopy === undefined && instanceType.hasGpu) acceleratorsPerCopy = 1;
  // The share of the instance that comes with the reserved GPUs (all of it on a CPU type), halved.
  const share = (c: InstanceCapacity) => (c.gpus > 0 && known(acceleratorsPerCopy) ? Math.min(1, acceleratorsPerCopy / c.gpus) : 1) / 2;
  const cpuCoresPerCopy = options.cpuCoresPerCopy ?? (capacity ? capacity.vcpus * share(capacity) : needExplicit('cpuCoresPerCopy'));
  if (known(cpuCoresPerCopy) && !(cpuCoresPerCopy >= 0.25)) {
    fail(`${lead}cpuCoresPerCopy must be at least 0.25 (CreateInferenceComponent), got ${cpuCoresPerCopy}.`);
  }
  const memoryPerCopyInMb = options.memoryPerCopy?.toMebibytes()
    ?? (capacity ? Math.floor(capacity.memoryGib * 1024 * share(capacity)) : needExplicit('memoryPerCopy'));
  if (known(memoryPerCopyInMb) && !(Number.isInteger(memoryPerCopyInMb) && memoryPerCopyInMb >= 128)) {
    fail(`${lead}memoryPerCopy must be whole MiB of at least 128 (CreateInferenceComponent), got ${memoryPerCopyInMb} MiB.`);
  }
  if (capacity) {
    const over: string[] = [];
    if (known(acceleratorsPerCopy) && acceleratorsPerCopy > capacity.gpus) over.push(`${acceleratorsPerCopy} accelerators (it has ${capacity.gpus})`);
    if (known(cpuCoresPerCopy) && cpuCoresPerCopy > capacity.vcpus) over.push(`${cpuCoresPerCopy} CPU cores (it has ${capacity.vcpus})`);
    if (known(memoryPerCopyInMb) && memoryPerCopyInMb > capacity.memoryGib * 1024) over.push(`${memoryPerCopyInMb} MiB (it has ${capacity.memoryGib * 1024})`);
    if (over.length > 0) {
      fail(`${what ? `${what}: ` : ''}a copy asks for more than one ${instanceType.name} has: ${over.join(', ')}. SageMaker places a copy ` +
        'on one instance and could never place it; lower the per-copy requirements or pick a larger instance type.');
    }
  }
  return { acceleratorsPerCopy, cpuCoresPerCopy, memoryPerCopyInMb };
}
