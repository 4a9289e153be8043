/**
 * A share of the variant's instances, as SageMaker's `CapacitySize` takes it: a number of instances or a percentage
 * of the variant's instance count.
 *
 * ```ts fixture=with-stack
 * CapacitySize.percent(10);       // 10 % of the instances (the canary, a linear step, a rolling batch)
 * CapacitySize.instanceCount(1);  // one instance
 * ```
 */
export class CapacitySize {
  /** A percentage of the variant's instance count, a whole number from 1 to 100. */
  public static percent(value: number): CapacitySize {
    return new CapacitySize('CAPACITY_PERCENT', value);
  }

  /** A number of instances, a whole number >= 1. */
  public static instanceCount(value: number): CapacitySize {
    return new CapacitySize('INSTANCE_COUNT', value);
  }

  /** `CAPACITY_PERCENT` or `INSTANCE_COUNT`, as the API spells it. */
  public readonly type: string;
  /** The percentage or the instance count. */
  public readonly value: number;

  private constructor(type: string, value: number) {
    this.type = type;
    this.value = value;
  }

  /** Whether the size is a percentage (else an instance count). */
  public get isPercent(): boolean {
    return this.type === 'CAPACITY_PERCENT';
  }

  /** How the size reads in an error message. */
  public toString(): string {
    return this.isPercent ? `${this.value} %` : `${this.value} instance(s)`;
  }
}
