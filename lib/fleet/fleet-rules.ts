// The synth-time rules of a fleet and its models that need no resource: names, counts, and whether the copies the
// models ask for can be placed on the fleet's instances. Each rule cites where it comes from.
import { createHash } from 'crypto';
import { Token } from 'aws-cdk-lib';
import { SAGEMAKER_MAX_NAME_LENGTH, SAGEMAKER_MODEL_NAME_PATTERN } from '../common/sagemaker-names';
import { checkIntegerInRange, isLiteral } from '../common/validation';
import { CopyRequirements } from '../hosting/copy-requirements';
import { InstanceCapacity } from '../hosting/instance-capacity';

type Fail = (message: string) => never;

/**
 * `InferenceComponentName` (CreateInferenceComponent API reference,
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateInferenceComponent.html): at most 63
 * characters, pattern `[a-zA-Z0-9]([\-a-zA-Z0-9]*[a-zA-Z0-9])?` (the same as `ModelName`), "a unique name".
 */
export function checkComponentName(name: string, fail: Fail): void {
  if (Token.isUnresolved(name)) {
    fail('inferenceComponentName must be a literal: alarms, the scalable target and the grants name the component at synth time.');
  }
  if (name.length < 1 || name.length > SAGEMAKER_MAX_NAME_LENGTH) {
    fail(`inferenceComponentName '${name}' is ${name.length} characters long; SageMaker accepts 1 to ${SAGEMAKER_MAX_NAME_LENGTH} ` +
      '(CreateInferenceComponent). Give a shorter name.');
  }
  if (!SAGEMAKER_MODEL_NAME_PATTERN.test(name)) {
    fail(`inferenceComponentName '${name}' is not a valid inference component name: use only letters, digits and hyphens, ` +
      'starting and ending with a letter or digit (CreateInferenceComponent InferenceComponentName).');
  }
}

/**
 * The default name of a model's inference component: `<endpoint name>-<model id>`, in lower case (IAM and metrics
 * then see one spelling: SageMaker writes names in lower case in the ARNs it returns), other characters as hyphens,
 * shortened with a hash of the full name when longer than 63 characters (so two long ids stay distinct).
 */
export function defaultComponentName(endpointName: string, modelId: string): string {
  const full = `${endpointName}-${modelId}`.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  if (full.length <= SAGEMAKER_MAX_NAME_LENGTH) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 8);
  return `${full.slice(0, SAGEMAKER_MAX_NAME_LENGTH - hash.length - 1).replace(/-+$/, '')}-${hash}`;
}

/** A model's copy range, defaulted and checked. */
export interface CopyRange {
  readonly minCopyCount: number;
  readonly initialCopyCount: number;
  readonly maxCopyCount: number;
}

/**
 * Copies: `RuntimeConfig.CopyCount` >= 0 (CreateInferenceComponent); the scalable target's `MinCapacity` <=
 * `MaxCapacity` (RegisterScalableTarget), with at least one copy possible; the initial count within the range, or
 * Application Auto Scaling would move it at once.
 */
export function resolveCopyRange(options: { minCopyCount?: number; initialCopyCount?: number; maxCopyCount?: number }, fail: Fail): CopyRange {
  const minCopyCount = options.minCopyCount ?? 0;
  const maxCopyCount = options.maxCopyCount ?? Math.max(1, minCopyCount);
  const initialCopyCount = options.initialCopyCount ?? Math.max(1, minCopyCount);
  checkIntegerInRange(fail, 'minCopyCount', minCopyCount, 0);
  checkIntegerInRange(fail, 'maxCopyCount', maxCopyCount, 1);
  checkIntegerInRange(fail, 'initialCopyCount', initialCopyCount, 0);
  if (isLiteral(minCopyCount) && isLiteral(maxCopyCount) && minCopyCount > maxCopyCount) {
    fail(`minCopyCount (${minCopyCount}) is above maxCopyCount (${maxCopyCount}): lower the minimum or raise the maximum.`);
  }
  if (isLiteral(initialCopyCount) && isLiteral(maxCopyCount) && initialCopyCount > maxCopyCount) {
    fail(`initialCopyCount (${initialCopyCount}) is above maxCopyCount (${maxCopyCount}): lower the initial count or raise the maximum.`);
  }
  if (isLiteral(initialCopyCount) && isLiteral(minCopyCount) && initialCopyCount < minCopyCount) {
    fail(`initialCopyCount (${initialCopyCount}) is below minCopyCount (${minCopyCount}): raise the initial count or lower the minimum.`);
  }
  return { minCopyCount, initialCopyCount, maxCopyCount };
}

/** The fleet's instance counts, defaulted and checked. */
export interface InstanceRange {
  readonly minInstanceCount: number;
  readonly initialInstanceCount: number;
  readonly maxInstanceCount: number;
}

/**
 * `ProductionVariantManagedInstanceScaling` (API reference): `MinInstanceCount` >= 0, `MaxInstanceCount` >= 1;
 * `ProductionVariant.InitialInstanceCount` >= 1; and min <= initial <= max (managed instance scaling keeps the count
 * within its bounds).
 */
export function resolveInstanceRange(options: { minInstanceCount?: number; initialInstanceCount?: number; maxInstanceCount?: number }, fail: Fail): InstanceRange {
  const minInstanceCount = options.minInstanceCount ?? 0;
  const maxInstanceCount = options.maxInstanceCount ?? 1;
  const initialInstanceCount = options.initialInstanceCount ?? 1;
  checkIntegerInRange(fail, 'minInstanceCount', minInstanceCount, 0);
  checkIntegerInRange(fail, 'maxInstanceCount', maxInstanceCount, 1);
  checkIntegerInRange(fail, 'initialInstanceCount', initialInstanceCount, 1);
  for (const v of [minInstanceCount, maxInstanceCount, initialInstanceCount]) {
    if (!isLiteral(v)) fail('the fleet\'s instance counts must be literals: the placement of the models\' copies is checked at synth time.');
  }
  if (minInstanceCount > maxInstanceCount) {
    fail(`minInstanceCount (${minInstanceCount}) is above maxInstanceCount (${maxInstanceCount}): lower the minimum or raise the maximum.`);
  }
  if (initialInstanceCount > maxInstanceCount) {
    fail(`initialInstanceCount (${initialInstanceCount}) is above maxInstanceCount (${maxInstanceCount}): lower it or raise the maximum.`);
  }
  if (initialInstanceCount < minInstanceCount) {
    fail(`initialInstanceCount (${initialInstanceCount}) is below minInstanceCount (${minInstanceCount}): raise it or lower the minimum.`);
  }
  return { minInstanceCount, initialInstanceCount, maxInstanceCount };
}

/** Copies of one model to place: `count` copies of the same requirements. */
export interface CopiesToPlace {
  readonly model: string;
  readonly count: number;
  readonly requirements: CopyRequirements;
}

/**
 * The fewest instances of `capacity` the copies fit on, each copy whole on one instance (a copy reserves its
 * accelerators, CPU cores and memory on the instance it runs on: "each inference component contains one model and the
 * resource utilization needs for that individual model", CreateInferenceComponent; managed instance scaling starts
 * instances "to ensure we can fit the requested inference component count", AWS's rolling-update sample), or
 * `undefined` when more than `limit` would be needed. An exact search (placement is bin packing in three dimensions,
 * and a greedy order can need an instance more than the best), cut at `limit`; the copies of a fleet are few.
 */
export function instancesNeeded(copies: ReadonlyArray<CopiesToPlace>, capacity: InstanceCapacity, limit: number): number | undefined {
  const items = copies.flatMap((c) => Array.from({ length: c.count }, () => [
    c.requirements.acceleratorsPerCopy ?? 0, c.requirements.memoryPerCopyInMb, c.requirements.cpuCoresPerCopy,
  ]));
  if (items.length === 0) return 0;
  // Largest first: the search finds a packing fast and fails fast.
  items.sort((a, b) => b[0] - a[0] || b[1] - a[1] || b[2] - a[2]);
  const room = [capacity.gpus, capacity.memoryGib * 1024, capacity.vcpus];
  let steps = 0;
  const fits = (bins: number): boolean => {
    const free: number[][] = [];
    const place = (i: number): boolean => {
      if (i === items.length) return true;
      if (++steps > 200_000) throw new Error('placement search too long');
      const item = items[i];
      const tried = new Set<string>();
      for (const bin of free) {
        const key = bin.join(',');
        if (tried.has(key) || !bin.every((v, d) => v >= item[d] - 1e-9)) continue;
        tried.add(key);
        bin.forEach((_, d) => { bin[d] -= item[d]; });
        if (place(i + 1)) return true;
        bin.forEach((_, d) => { bin[d] += item[d]; });
      }
      if (free.length < bins && room.every((v, d) => v >= item[d] - 1e-9)) {
        free.push(room.map((v, d) => v - item[d]));
        if (place(i + 1)) return true;
        free.pop();
      }
      return false;
    };
    return place(0);
  };
  const lowerBound = Math.max(1, ...room.map((r, d) => (r > 0 ? Math.ceil(items.reduce((n, it) => n + it[d], 0) / r - 1e-9) : 0)));
  for (let bins = lowerBound; bins <= limit; bins++) {
    steps = 0;
    try {
      if (fits(bins)) return bins;
    } catch {
      // Too many copies for an exact answer: fall back to first fit, which can only over-count.
      const greedy = firstFit(items, room);
      return greedy <= limit ? greedy : undefined;
    }
  }
  return undefined;
}

function firstFit(items: number[][], room: number[]): number {
  const free: number[][] = [];
  for (const item of items) {
    const bin = free.find((b) => b.every((v, d) => v >= item[d] - 1e-9));
    if (bin) bin.forEach((_, d) => { bin[d] -= item[d]; });
    else free.push(room.map((v, d) => v - item[d]));
  }
  return free.length;
}
