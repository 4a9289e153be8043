/**
 * What one hosting instance offers to inference component copies: vCPUs, memory and GPUs. From the instance types'
 * published specifications (Amazon SageMaker pricing, "Instance details"); types missing here need the per-copy
 * requirements set explicitly.
 */
export interface InstanceCapacity {
  readonly vcpus: number;
  readonly memoryGib: number;
  readonly gpus: number;
}

type Row = [vcpus: number, memoryGib: number, gpus: number];

const SIZES_G = ['xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'];
const VCPUS_G = [4, 8, 16, 32, 48, 64, 96, 192];
const GPUS_G = [1, 1, 1, 1, 4, 1, 4, 8];

function family(name: string, memoryPerVcpu: number, sizes = SIZES_G): { [type: string]: Row } {
  const rows: { [type: string]: Row } = {};
  sizes.forEach((size, i) => { rows[`ml.${name}.${size}`] = [VCPUS_G[i], VCPUS_G[i] * memoryPerVcpu, GPUS_G[i]]; });
  return rows;
}

const CAPACITY: { [type: string]: Row } = {
  ...family('g4dn', 4, ['xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge']),
  ...family('g5', 4),
  ...family('g6', 4),
  ...family('g6e', 8),
  'ml.p3.2xlarge': [8, 61, 1],
  'ml.p3.8xlarge': [32, 244, 4],
  'ml.p3.16xlarge': [64, 488, 8],
  'ml.p4d.24xlarge': [96, 1152, 8],
  'ml.p4de.24xlarge': [96, 1152, 8],
  'ml.p5.4xlarge': [16, 256, 1],
  'ml.p5.48xlarge': [192, 2048, 8],
  'ml.p5e.48xlarge': [192, 2048, 8],
  'ml.p5en.48xlarge': [192, 2048, 8],
  'ml.m5.large': [2, 8, 0],
  'ml.m5.xlarge': [4, 16, 0],
  'ml.m5.2xlarge': [8, 32, 0],
  'ml.m5.4xlarge': [16, 64, 0],
  'ml.m5.12xlarge': [48, 192, 0],
  'ml.m5.24xlarge': [96, 384, 0],
  'ml.c5.large': [2, 4, 0],
  'ml.c5.xlarge': [4, 8, 0],
  'ml.c5.2xlarge': [8, 16, 0],
  'ml.c5.4xlarge': [16, 32, 0],
  'ml.c5.9xlarge': [36, 72, 0],
  'ml.c5.18xlarge': [72, 144, 0],
};

/** The capacity of a hosting instance type, or undefined when the library does not know it. */
export function instanceCapacity(instanceType: string): InstanceCapacity | undefined {
  const row = CAPACITY[instanceType];
  return row ? { vcpus: row[0], memoryGib: row[1], gpus: row[2] } : undefined;
}
