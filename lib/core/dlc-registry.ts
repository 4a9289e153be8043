/**
 * Where the AWS Deep Learning Containers (DLC) for PyTorch live, and which versions exist.
 *
 * Source: the SageMaker Python SDK's `image_uri_config/pytorch.json` (v2.257), the same table `sagemaker.image_uris`
 * reads. aws-cdk-lib's `RegionInfo.dlcRepositoryAccount` knows only 21 regions, so the library ships its own.
 */

/** ECR account that hosts the `pytorch-inference` and `pytorch-training` 2.x repositories, per region (38 regions). */
export const DLC_REGISTRY_ACCOUNTS: { readonly [region: string]: string } = {
  'af-south-1': '626614931356',
  'ap-east-1': '871362719292',
  'ap-east-2': '975050140332',
  'ap-northeast-1': '763104351884',
  'ap-northeast-2': '763104351884',
  'ap-northeast-3': '364406365360',
  'ap-south-1': '763104351884',
  'ap-south-2': '772153158452',
  'ap-southeast-1': '763104351884',
  'ap-southeast-2': '763104351884',
  'ap-southeast-3': '907027046896',
  'ap-southeast-4': '457447274322',
  'ap-southeast-5': '550225433462',
  'ap-southeast-6': '633930458069',
  'ap-southeast-7': '590183813437',
  'ca-central-1': '763104351884',
  'ca-west-1': '204538143572',
  'cn-north-1': '727897471807',
  'cn-northwest-1': '727897471807',
  'eu-central-1': '763104351884',
  'eu-central-2': '380420809688',
  'eu-north-1': '763104351884',
  'eu-south-1': '692866216735',
  'eu-south-2': '503227376785',
  'eu-west-1': '763104351884',
  'eu-west-2': '763104351884',
  'eu-west-3': '763104351884',
  'il-central-1': '780543022126',
  'me-central-1': '914824155844',
  'me-south-1': '217643126080',
  'mx-central-1': '637423239942',
  'sa-east-1': '763104351884',
  'us-east-1': '763104351884',
  'us-east-2': '763104351884',
  'us-gov-east-1': '446045086412',
  'us-gov-west-1': '442386744353',
  'us-west-1': '763104351884',
  'us-west-2': '763104351884',
};

/** The DNS suffix of ECR in a region: China regions live under `amazonaws.com.cn`. */
export function ecrUrlSuffix(region: string): string {
  return region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
}

/** The partition a region belongs to, for ARNs of resources in the DLC accounts. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) {
    return 'aws-cn';
  }
  if (region.startsWith('us-gov-')) {
    return 'aws-us-gov';
  }
  return 'aws';
}

/** A DLC image family: its ECR repository and the Python version of each framework version it is published for. */
export interface DlcFamily {
  /** ECR repository name in the DLC accounts. */
  readonly repository: string;
  /** Framework version -> Python tag (`py312`). Newest first: the first entry is the default. */
  readonly pythonVersions: ReadonlyArray<readonly [string, string]>;
}

/** SageMaker PyTorch inference images (scope `inference` of the SDK table, 2.x only). */
export const PYTORCH_INFERENCE: DlcFamily = {
  repository: 'pytorch-inference',
  pythonVersions: [
    ['2.6.0', 'py312'],
    ['2.5.1', 'py311'],
    ['2.4.0', 'py311'],
    ['2.3.0', 'py311'],
    ['2.2.0', 'py310'],
    ['2.1.0', 'py310'],
    ['2.0.1', 'py310'],
    ['2.0.0', 'py310'],
  ],
};

/** SageMaker PyTorch training images (scope `training` of the SDK table, 2.x only). */
export const PYTORCH_TRAINING: DlcFamily = {
  repository: 'pytorch-training',
  pythonVersions: [
    ['2.8.0', 'py312'],
    ['2.7.1', 'py312'],
    ['2.6.0', 'py312'],
    ['2.5.1', 'py311'],
    ['2.4.0', 'py311'],
    ['2.3.0', 'py311'],
    ['2.2.0', 'py310'],
    ['2.1.0', 'py310'],
    ['2.0.1', 'py310'],
    ['2.0.0', 'py310'],
  ],
};

/** The Python tag of `version` in `family`, or undefined when the SDK's table has no such image. */
export function pythonVersionOf(family: DlcFamily, version: string): string | undefined {
  return family.pythonVersions.find(([v]) => v === version)?.[1];
}

/** The framework versions of `family`, newest first, for error messages. */
export function knownVersions(family: DlcFamily): string[] {
  return family.pythonVersions.map(([v]) => v);
}

/** The image tag the SageMaker SDK uses: `<version>-<cpu|gpu>-<py>`, e.g. `2.6.0-gpu-py312`. */
export function dlcTag(version: string, processor: 'cpu' | 'gpu', pythonVersion: string): string {
  return `${version}-${processor}-${pythonVersion}`;
}
