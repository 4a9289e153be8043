import { Token } from 'aws-cdk-lib';
import { checkArgumentType, UnscopedValidationError } from '../common/validation';

/**
 * The shape of a SageMaker instance type name: `ml.<family>.<size>`, where the family may carry a hyphenated
 * suffix (`ml.p6-b200.48xlarge`, `ml.p6e-gb200.36xlarge`).
 */
const INSTANCE_TYPE_PATTERN = /^ml\.([a-z][a-z0-9]*(?:-[a-z0-9]+)*)\.([a-z0-9]+)$/;

/**
 * Families whose name does not say "d" (disk) yet that come with local NVMe instance storage. SageMaker rejects an
 * endpoint-config KMS key for these (API doc of `CreateEndpointConfig.KmsKeyId`): the instance store is encrypted
 * by a hardware module on the instance instead.
 */
const NVME_FAMILIES_WITHOUT_D = new Set([
  'g5', 'g6', 'g6e', 'g7e', 'p5', 'p5e', 'p5en', 'p6-b200', 'p6-b300', 'p6e-gb200', 'trn1', 'trn1n', 'trn2',
]);

/** A family name with a `d` after its generation digit has local NVMe storage: g4dn, p3dn, p4d, p4de, m5d, c6id... */
const D_FAMILY_PATTERN = /^[a-z]+[0-9]+[a-z]*d[a-z]*$/;

/**
 * A SageMaker ML instance type for hosting (or training).
 *
 * Use a constant (`InstanceType.ML_G5_XLARGE`) or `InstanceType.of('ml.g5.xlarge')` for any other type; the name
 * is checked for the `ml.<family>.<size>` shape at synth time, while availability in a region and quotas are only
 * known to SageMaker at deploy time.
 */
export class InstanceType {
  // NVIDIA GPU families
  /** `ml.g4dn.xlarge`. */
  public static readonly ML_G4DN_XLARGE = new InstanceType('ml.g4dn.xlarge');
  /** `ml.g4dn.2xlarge`. */
  public static readonly ML_G4DN_2XLARGE = new InstanceType('ml.g4dn.2xlarge');
  /** `ml.g4dn.4xlarge`. */
  public static readonly ML_G4DN_4XLARGE = new InstanceType('ml.g4dn.4xlarge');
  /** `ml.g4dn.8xlarge`. */
  public static readonly ML_G4DN_8XLARGE = new InstanceType('ml.g4dn.8xlarge');
  /** `ml.g4dn.12xlarge`. */
  public static readonly ML_G4DN_12XLARGE = new InstanceType('ml.g4dn.12xlarge');
  /** `ml.g4dn.16xlarge`. */
  public static readonly ML_G4DN_16XLARGE = new InstanceType('ml.g4dn.16xlarge');
  /** `ml.g5.xlarge`. */
  public static readonly ML_G5_XLARGE = new InstanceType('ml.g5.xlarge');
  /** `ml.g5.2xlarge`. */
  public static readonly ML_G5_2XLARGE = new InstanceType('ml.g5.2xlarge');
  /** `ml.g5.4xlarge`. */
  public static readonly ML_G5_4XLARGE = new InstanceType('ml.g5.4xlarge');
  /** `ml.g5.8xlarge`. */
  public static readonly ML_G5_8XLARGE = new InstanceType('ml.g5.8xlarge');
  /** `ml.g5.12xlarge`. */
  public static readonly ML_G5_12XLARGE = new InstanceType('ml.g5.12xlarge');
  /** `ml.g5.16xlarge`. */
  public static readonly ML_G5_16XLARGE = new InstanceType('ml.g5.16xlarge');
  /** `ml.g5.24xlarge`. */
  public static readonly ML_G5_24XLARGE = new InstanceType('ml.g5.24xlarge');
  /** `ml.g5.48xlarge`. */
  public static readonly ML_G5_48XLARGE = new InstanceType('ml.g5.48xlarge');
  /** `ml.g6.xlarge`. */
  public static readonly ML_G6_XLARGE = new InstanceType('ml.g6.xlarge');
  /** `ml.g6.2xlarge`. */
  public static readonly ML_G6_2XLARGE = new InstanceType('ml.g6.2xlarge');
  /** `ml.g6.4xlarge`. */
  public static readonly ML_G6_4XLARGE = new InstanceType('ml.g6.4xlarge');
  /** `ml.g6.8xlarge`. */
  public static readonly ML_G6_8XLARGE = new InstanceType('ml.g6.8xlarge');
  /** `ml.g6.12xlarge`. */
  public static readonly ML_G6_12XLARGE = new InstanceType('ml.g6.12xlarge');
  /** `ml.g6.16xlarge`. */
  public static readonly ML_G6_16XLARGE = new InstanceType('ml.g6.16xlarge');
  /** `ml.g6.24xlarge`. */
  public static readonly ML_G6_24XLARGE = new InstanceType('ml.g6.24xlarge');
  /** `ml.g6.48xlarge`. */
  public static readonly ML_G6_48XLARGE = new InstanceType('ml.g6.48xlarge');
  /** `ml.g6e.xlarge`. */
  public static readonly ML_G6E_XLARGE = new InstanceType('ml.g6e.xlarge');
  /** `ml.g6e.2xlarge`. */
  public static readonly ML_G6E_2XLARGE = new InstanceType('ml.g6e.2xlarge');
  /** `ml.g6e.4xlarge`. */
  public static readonly ML_G6E_4XLARGE = new InstanceType('ml.g6e.4xlarge');
  /** `ml.g6e.8xlarge`. */
  public static readonly ML_G6E_8XLARGE = new InstanceType('ml.g6e.8xlarge');
  /** `ml.g6e.12xlarge`. */
  public static readonly ML_G6E_12XLARGE = new InstanceType('ml.g6e.12xlarge');
  /** `ml.g6e.16xlarge`. */
  public static readonly ML_G6E_16XLARGE = new InstanceType('ml.g6e.16xlarge');
  /** `ml.g6e.24xlarge`. */
  public static readonly ML_G6E_24XLARGE = new InstanceType('ml.g6e.24xlarge');
  /** `ml.g6e.48xlarge`. */
  public static readonly ML_G6E_48XLARGE = new InstanceType('ml.g6e.48xlarge');
  /** `ml.p3.2xlarge`. */
  public static readonly ML_P3_2XLARGE = new InstanceType('ml.p3.2xlarge');
  /** `ml.p3.8xlarge`. */
  public static readonly ML_P3_8XLARGE = new InstanceType('ml.p3.8xlarge');
  /** `ml.p3.16xlarge`. */
  public static readonly ML_P3_16XLARGE = new InstanceType('ml.p3.16xlarge');
  /** `ml.p3dn.24xlarge`. SageMaker training only: hosting has no p3dn. */
  public static readonly ML_P3DN_24XLARGE = new InstanceType('ml.p3dn.24xlarge');
  /** `ml.p4d.24xlarge`. */
  public static readonly ML_P4D_24XLARGE = new InstanceType('ml.p4d.24xlarge');
  /** `ml.p4de.24xlarge`. */
  public static readonly ML_P4DE_24XLARGE = new InstanceType('ml.p4de.24xlarge');
  /** `ml.p5.4xlarge`. */
  public static readonly ML_P5_4XLARGE = new InstanceType('ml.p5.4xlarge');
  /** `ml.p5.48xlarge`. */
  public static readonly ML_P5_48XLARGE = new InstanceType('ml.p5.48xlarge');
  /** `ml.p5e.48xlarge`. */
  public static readonly ML_P5E_48XLARGE = new InstanceType('ml.p5e.48xlarge');
  /** `ml.p5en.48xlarge`. */
  public static readonly ML_P5EN_48XLARGE = new InstanceType('ml.p5en.48xlarge');
  // CPU families
  /** `ml.t2.medium`. */
  public static readonly ML_T2_MEDIUM = new InstanceType('ml.t2.medium');
  /** `ml.t2.large`. */
  public static readonly ML_T2_LARGE = new InstanceType('ml.t2.large');
  /** `ml.t2.xlarge`. */
  public static readonly ML_T2_XLARGE = new InstanceType('ml.t2.xlarge');
  /** `ml.t2.2xlarge`. */
  public static readonly ML_T2_2XLARGE = new InstanceType('ml.t2.2xlarge');
  /** `ml.m5.large`. */
  public static readonly ML_M5_LARGE = new InstanceType('ml.m5.large');
  /** `ml.m5.xlarge`. */
  public static readonly ML_M5_XLARGE = new InstanceType('ml.m5.xlarge');
  /** `ml.m5.2xlarge`. */
  public static readonly ML_M5_2XLARGE = new InstanceType('ml.m5.2xlarge');
  /** `ml.m5.4xlarge`. */
  public static readonly ML_M5_4XLARGE = new InstanceType('ml.m5.4xlarge');
  /** `ml.m5.12xlarge`. */
  public static readonly ML_M5_12XLARGE = new InstanceType('ml.m5.12xlarge');
  /** `ml.m5.24xlarge`. */
  public static readonly ML_M5_24XLARGE = new InstanceType('ml.m5.24xlarge');
  /** `ml.m5d.large`. */
  public static readonly ML_M5D_LARGE = new InstanceType('ml.m5d.large');
  /** `ml.m5d.xlarge`. */
  public static readonly ML_M5D_XLARGE = new InstanceType('ml.m5d.xlarge');
  /** `ml.m5d.2xlarge`. */
  public static readonly ML_M5D_2XLARGE = new InstanceType('ml.m5d.2xlarge');
  /** `ml.m5d.4xlarge`. */
  public static readonly ML_M5D_4XLARGE = new InstanceType('ml.m5d.4xlarge');
  /** `ml.m5d.12xlarge`. */
  public static readonly ML_M5D_12XLARGE = new InstanceType('ml.m5d.12xlarge');
  /** `ml.m5d.24xlarge`. */
  public static readonly ML_M5D_24XLARGE = new InstanceType('ml.m5d.24xlarge');
  /** `ml.c5.large`. */
  public static readonly ML_C5_LARGE = new InstanceType('ml.c5.large');
  /** `ml.c5.xlarge`. */
  public static readonly ML_C5_XLARGE = new InstanceType('ml.c5.xlarge');
  /** `ml.c5.2xlarge`. */
  public static readonly ML_C5_2XLARGE = new InstanceType('ml.c5.2xlarge');
  /** `ml.c5.4xlarge`. */
  public static readonly ML_C5_4XLARGE = new InstanceType('ml.c5.4xlarge');
  /** `ml.c5.9xlarge`. */
  public static readonly ML_C5_9XLARGE = new InstanceType('ml.c5.9xlarge');
  /** `ml.c5.18xlarge`. */
  public static readonly ML_C5_18XLARGE = new InstanceType('ml.c5.18xlarge');
  /** `ml.c5d.large`. */
  public static readonly ML_C5D_LARGE = new InstanceType('ml.c5d.large');
  /** `ml.c5d.xlarge`. */
  public static readonly ML_C5D_XLARGE = new InstanceType('ml.c5d.xlarge');
  /** `ml.c5d.2xlarge`. */
  public static readonly ML_C5D_2XLARGE = new InstanceType('ml.c5d.2xlarge');
  /** `ml.c5d.4xlarge`. */
  public static readonly ML_C5D_4XLARGE = new InstanceType('ml.c5d.4xlarge');
  /** `ml.c5d.9xlarge`. */
  public static readonly ML_C5D_9XLARGE = new InstanceType('ml.c5d.9xlarge');
  /** `ml.c5d.18xlarge`. */
  public static readonly ML_C5D_18XLARGE = new InstanceType('ml.c5d.18xlarge');
  /** `ml.r5.large`. */
  public static readonly ML_R5_LARGE = new InstanceType('ml.r5.large');
  /** `ml.r5.xlarge`. */
  public static readonly ML_R5_XLARGE = new InstanceType('ml.r5.xlarge');
  /** `ml.r5.2xlarge`. */
  public static readonly ML_R5_2XLARGE = new InstanceType('ml.r5.2xlarge');
  /** `ml.r5.4xlarge`. */
  public static readonly ML_R5_4XLARGE = new InstanceType('ml.r5.4xlarge');
  /** `ml.r5.12xlarge`. */
  public static readonly ML_R5_12XLARGE = new InstanceType('ml.r5.12xlarge');
  /** `ml.r5.24xlarge`. */
  public static readonly ML_R5_24XLARGE = new InstanceType('ml.r5.24xlarge');

  /**
   * An instance type by name, e.g. `ml.g6.2xlarge`.
   *
   * @param name the SageMaker instance type, with its `ml.` prefix
   */
  public static of(name: string): InstanceType {
    checkArgumentType('InstanceType.of', name, 'string', "give the SageMaker name, e.g. InstanceType.of('ml.g5.xlarge')");
    if (Token.isUnresolved(name)) {
      throw new UnscopedValidationError(
        'InstanceType.of() needs a literal name such as \'ml.g5.xlarge\': the library chooses the GPU or CPU ' +
        'image and validates storage options from it at synth time.',
      );
    }
    if (!name.startsWith('ml.')) {
      throw new UnscopedValidationError(`Instance type '${name}' must start with 'ml.' (SageMaker names, e.g. 'ml.g5.xlarge', not EC2 names).`);
    }
    if (!INSTANCE_TYPE_PATTERN.test(name)) {
      throw new UnscopedValidationError(
        `Instance type '${name}' is malformed: expected 'ml.<family>.<size>' in lower case, e.g. 'ml.g5.xlarge' or ` +
        '\'ml.p4d.24xlarge\'.',
      );
    }
    return new InstanceType(name);
  }

  /** The SageMaker name of the instance type, e.g. `ml.g5.xlarge`. */
  public readonly name: string;

  private constructor(name: string) {
    this.name = name;
  }

  /** The family part of the name: `g5` for `ml.g5.xlarge`. */
  public get family(): string {
    return this.name.split('.')[1];
  }

  /**
   * Whether the instance has an NVIDIA GPU (the `g*` and `p*` families), so it needs the GPU (CUDA) variant of a
   * Deep Learning Container. Neuron (inf, trn) instances have no NVIDIA GPU.
   */
  public get hasGpu(): boolean {
    return /^[gp][0-9]/.test(this.family);
  }

  /**
   * Whether the instance has local NVMe instance storage (g4dn, g5, g6, g6e, p3dn, p4d, p5, m5d, c5d, ...).
   * SageMaker rejects a KMS key for the ML storage volume on such instances.
   */
  public get hasLocalNvmeStorage(): boolean {
    const family = this.family;
    return NVME_FAMILIES_WITHOUT_D.has(family) || D_FAMILY_PATTERN.test(family);
  }

  /** The SageMaker name, e.g. `ml.g5.xlarge`. */
  public toString(): string {
    return this.name;
  }
}
