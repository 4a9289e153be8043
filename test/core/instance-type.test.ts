import { ProductionVariantInstanceType, TrainingInstanceType } from '@aws-sdk/client-sagemaker';
import { InstanceType } from '../../lib/core';

/** Every InstanceType constant of the class. */
function constants(): InstanceType[] {
  return Object.values(InstanceType).filter((v): v is InstanceType => v instanceof InstanceType);
}

describe('InstanceType', () => {
  test('every constant is a real SageMaker instance type (the API enums of @aws-sdk/client-sagemaker)', () => {
    const hosting = new Set<string>(Object.values(ProductionVariantInstanceType));
    const training = new Set<string>(Object.values(TrainingInstanceType));
    const all = constants();
    expect(all.length).toBeGreaterThan(60);
    const unknown = all.filter(t => !hosting.has(t.name) && !training.has(t.name)).map(t => t.name);
    expect(unknown).toEqual([]);
    // Only the training-only type is documented as such.
    expect(all.filter(t => !hosting.has(t.name)).map(t => t.name)).toEqual(['ml.p3dn.24xlarge']);
  });

  test('the GPU hosting families and their sizes are covered', () => {
    const names = new Set(constants().map(t => t.name));
    const hostingGpu = Object.values(ProductionVariantInstanceType)
      .filter(n => /^ml\.(g4dn|g5|g6|g6e|p3|p4d|p5)\./.test(n));
    expect(hostingGpu.filter(n => !names.has(n))).toEqual([]);
  });

  test('hasGpu is true exactly for the g and p families of the API enum', () => {
    for (const name of Object.values(ProductionVariantInstanceType)) {
      const type = InstanceType.of(name);
      expect([name, type.hasGpu]).toEqual([name, /^ml\.[gp]\d/.test(name)]);
    }
    expect(InstanceType.ML_G5_XLARGE.hasGpu).toBe(true);
    expect(InstanceType.ML_P4D_24XLARGE.hasGpu).toBe(true);
    expect(InstanceType.ML_M5_LARGE.hasGpu).toBe(false);
    expect(InstanceType.of('ml.inf2.xlarge').hasGpu).toBe(false);
    expect(InstanceType.of('ml.trn1.2xlarge').hasGpu).toBe(false);
  });

  test.each([
    ['ml.g4dn.xlarge', true], ['ml.g5.xlarge', true], ['ml.g6.xlarge', true], ['ml.g6e.2xlarge', true],
    ['ml.p3dn.24xlarge', true], ['ml.p4d.24xlarge', true], ['ml.p4de.24xlarge', true], ['ml.p5.48xlarge', true],
    ['ml.m5d.large', true], ['ml.c5d.xlarge', true], ['ml.r6gd.large', true], ['ml.c6id.large', true],
    ['ml.p3.2xlarge', false], ['ml.m5.large', false], ['ml.c5.xlarge', false], ['ml.t2.medium', false],
    ['ml.inf2.xlarge', false], ['ml.dl1.24xlarge', false], ['ml.p2.xlarge', false],
  ])('%s has local NVMe storage: %s', (name, expected) => {
    expect(InstanceType.of(name).hasLocalNvmeStorage).toBe(expected);
  });

  test('of() accepts hyphenated families and keeps the name', () => {
    const t = InstanceType.of('ml.p6-b200.48xlarge');
    expect(t.name).toBe('ml.p6-b200.48xlarge');
    expect(t.toString()).toBe('ml.p6-b200.48xlarge');
    expect(t.family).toBe('p6-b200');
    expect(t.hasGpu).toBe(true);
  });

  test.each([
    ['g5.xlarge', /must start with 'ml\.'/],
    ['p3.2xlarge', /must start with 'ml\.'/],
    ['ml.g5', /malformed/],
    ['ml.G5.xlarge', /malformed/],
    ['ml.g5.xlarge.extra', /malformed/],
    ['ml..xlarge', /malformed/],
    ['ml.g5.', /malformed/],
  ])('of(%s) is rejected', (name, message) => {
    expect(() => InstanceType.of(name)).toThrow(message);
  });
});
