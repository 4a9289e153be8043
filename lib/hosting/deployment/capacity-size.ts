/**
 * A share of what a deployment replaces, as SageMaker's `CapacitySize` (endpoints: instances) and
 * `InferenceComponentCapacitySize` (inference components: copies) take it: a percentage, a number of instances, or
 * a number of copies of an inference component.
 *
 * ```ts fixture=with-stack
 * CapacitySize.percent(10);       // 10 % of the instances or copies (the canary, a linear step, a rolling batch)
 * CapacitySize.instanceCount(1);  // one instance (an endpoint's deployment)
 * CapacitySize.copyCount(1);      // one copy (an inference component's rolling update, ServingMode.realtimeScaleToZero)
 * ```
 */
export class CapacitySize {
  /** A percentage of the variant's instance count, or of the inference component's copy count: a whole number from 1 to 100. */
  public static percent(value: number): CapacitySize {
    return new CapacitySize('CAPACITY_PERCENT', value);
  }

  /** A number of instances, a whole number >= 1 (an endpoint's deployment). */
  public static instanceCount(value: number): CapacitySize {
    return new CapacitySize('INSTANCE_COUNT', value);
  }

  /**
   * A number of copies of an inference component, a whole number >= 1: the batch of an inference component's rolling
   * update (`ServingMode.realtimeScaleToZero()`).
   */
  public static copyCount(value: number): CapacitySize {
    return new CapacitySize('COPY_COUNT', value);
  }

  /** `CAPACITY_PERCENT`, `INSTANCE_COUNT` or `COPY_COUNT`, as the API spells it. */
  public readonly type: string;
  /** The percentage, the instance count or the copy count. */
  public readonly value: number;

  private constructor(type: string, value: number) {
    this.type = type;
    this.value = value;
  }

  /** Whether the size is a percentage (else an instance or a copy count). */
  public get isPercent(): boolean {
    return this.type === 'CAPACITY_PERCENT';
  }

  /** How the size reads in an error message. */
  public toString(): string {
    return this.isPercent ? `${this.value} %` : this.type === 'COPY_COUNT' ? `${this.value} copies` : `${this.value} instance(s)`;
  }
}
