import { Aws, CfnMapping, Stack, Token } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import {
  DLC_REGISTRY_ACCOUNTS, DlcFamily, PYTORCH_INFERENCE, PYTORCH_TRAINING, dlcTag, ecrUrlSuffix, knownVersions,
  partitionOf, pythonVersionOf,
} from './dlc-registry';
import { InstanceType } from './instance-type';
import { checkArgumentType, checkInstance, instanceOf, quoteArgument, UnscopedValidationError, ValidationError } from '../common/validation';

/**
 * A PyTorch framework version of the AWS Deep Learning Containers.
 *
 * The constants are the 2.x versions in the SageMaker Python SDK's image table; `PytorchVersion.of('x.y.z')` names
 * any other, and the image factories fail at synth time, listing the known versions, when no image exists for it.
 */
export class PytorchVersion {
  /** PyTorch 2.0.0 (py310). */
  public static readonly V2_0_0 = new PytorchVersion('2.0.0');
  /** PyTorch 2.0.1 (py310). */
  public static readonly V2_0_1 = new PytorchVersion('2.0.1');
  /** PyTorch 2.1.0 (py310). */
  public static readonly V2_1_0 = new PytorchVersion('2.1.0');
  /** PyTorch 2.2.0 (py310). */
  public static readonly V2_2_0 = new PytorchVersion('2.2.0');
  /** PyTorch 2.3.0 (py311). */
  public static readonly V2_3_0 = new PytorchVersion('2.3.0');
  /** PyTorch 2.4.0 (py311). */
  public static readonly V2_4_0 = new PytorchVersion('2.4.0');
  /** PyTorch 2.5.1 (py311). */
  public static readonly V2_5_1 = new PytorchVersion('2.5.1');
  /** PyTorch 2.6.0 (py312): the newest SageMaker inference image, and the default for inference. */
  public static readonly V2_6_0 = new PytorchVersion('2.6.0');
  /** PyTorch 2.7.1 (py312): training images only. */
  public static readonly V2_7_1 = new PytorchVersion('2.7.1');
  /** PyTorch 2.8.0 (py312): training images only; the default for training. */
  public static readonly V2_8_0 = new PytorchVersion('2.8.0');

  /**
   * Any framework version, e.g. `2.6.0`. Checked against the image table when an image is bound.
   *
   * @param version the full `major.minor.patch` version
   */
  public static of(version: string): PytorchVersion {
    checkArgumentType('PytorchVersion.of', version, 'string', "give the version as text, e.g. PytorchVersion.of('2.6.0')");
    if (!/^\d+\.\d+\.\d+$/.test(version)) {
      throw new UnscopedValidationError(`PyTorch version '${version}' must be a full 'major.minor.patch' version such as '2.6.0'.`);
    }
    return new PytorchVersion(version);
  }

  /** The version string, e.g. `2.6.0`. */
  public readonly version: string;

  private constructor(version: string) {
    this.version = version;
  }

  /** The version string. */
  public toString(): string {
    return this.version;
  }
}

/**
 * Which build of a Deep Learning Container to use: CUDA (GPU) or CPU.
 *
 * By default the PyTorch image factories pick the variant that matches the instance type; naming one explicitly
 * makes a mismatch (a CPU image on a GPU instance, or the reverse) a synth-time error instead of a surprise.
 */
export class ImageVariant {
  /** The CUDA build, for NVIDIA GPU instances (`g*`, `p*`). */
  public static readonly GPU = new ImageVariant('gpu');
  /** The CPU build, for instances without an NVIDIA GPU. */
  public static readonly CPU = new ImageVariant('cpu');

  /** `gpu` or `cpu`, as in the image tag. */
  public readonly processor: string;

  private constructor(processor: string) {
    this.processor = processor;
  }
}

/** What a container image needs to know to resolve itself. */
export interface ContainerImageBindOptions {
  /** The instance type the image will run on: picks (or checks) the GPU or CPU variant. */
  readonly instanceType: InstanceType;

  /**
   * The principal that pulls the image (the SageMaker execution role). Granted pull access where the image needs it.
   *
   * @default - no permissions are granted
   */
  readonly grantee?: iam.IGrantable;
}

/** A resolved container image. */
export interface ContainerImageConfig {
  /** The image URI for `ContainerDefinition.Image` / `AlgorithmSpecification.TrainingImage`. */
  readonly imageUri: string;
}

/** The container image that runs a model (or a training job). */
export abstract class ContainerImage {
  /**
   * The SageMaker PyTorch inference Deep Learning Container.
   *
   * In a stack whose region is known this is a literal URI; in an environment-agnostic stack the registry account
   * comes from a `CfnMapping` of region to account and the host from `AWS::URLSuffix` (China regions).
   * The execution role is granted `ecr:GetAuthorizationToken` (an action that only accepts resource `*`) and the
   * pull actions on that one repository.
   *
   * @param version the framework version. Default: 2.6.0, the newest inference image in the SDK's table.
   * @param variant GPU or CPU build. Default: the one that matches the instance type.
   */
  public static pytorchInference(version?: PytorchVersion, variant?: ImageVariant): ContainerImage {
    checkImageArguments('ContainerImage.pytorchInference', version, variant);
    return new DlcImage(PYTORCH_INFERENCE, version ?? PytorchVersion.V2_6_0, variant);
  }

  /**
   * The SageMaker PyTorch training Deep Learning Container (same region handling as `pytorchInference`).
   *
   * @param version the framework version. Default: 2.8.0, the newest training image in the SDK's table.
   * @param variant GPU or CPU build. Default: the one that matches the instance type.
   */
  public static pytorchTraining(version?: PytorchVersion, variant?: ImageVariant): ContainerImage {
    checkImageArguments('ContainerImage.pytorchTraining', version, variant);
    return new DlcImage(PYTORCH_TRAINING, version ?? PytorchVersion.V2_8_0, variant);
  }

  /**
   * Any image URI. No permissions are granted: a private ECR image needs pull access given to the role, or use
   * `fromEcrRepository`. A Deep Learning Container URI whose tag says `cpu` or `gpu` is checked against the
   * instance type.
   *
   * @param uri the full image URI, e.g. `123456789012.dkr.ecr.us-east-1.amazonaws.com/my-image:1.0`
   */
  public static fromImageUri(uri: string): ContainerImage {
    checkArgumentType('ContainerImage.fromImageUri', uri, 'string');
    if (!Token.isUnresolved(uri) && (uri.length === 0 || uri.length > 255 || /\s/.test(uri))) {
      throw new UnscopedValidationError(`Image URI '${uri}' is invalid: SageMaker accepts 1 to 255 characters without whitespace.`);
    }
    return new UriImage(uri);
  }

  /**
   * An image in an ECR repository; the execution role is granted pull access to that repository.
   *
   * @param repository the repository
   * @param tag the image tag. Default: `latest`
   */
  public static fromEcrRepository(repository: ecr.IRepository, tag?: string): ContainerImage {
    return new EcrImage(repository, tag ?? 'latest');
  }

  /** Resolves the image for an instance type, granting pull access to `options.grantee` where needed. */
  public abstract bind(scope: Construct, options: ContainerImageBindOptions): ContainerImageConfig;
}

/** The factories' arguments, for JavaScript callers: `pytorchInference('2.6.0')` says to write PytorchVersion.of('2.6.0'). */
function checkImageArguments(factory: string, version: unknown, variant: unknown): void {
  if (version !== undefined) {
    checkInstance(`${factory}: version`, version, instanceOf(PytorchVersion, (given) =>
      typeof given === 'string' ? `PytorchVersion.of(${quoteArgument(given)})` : 'PytorchVersion.V2_6_0'));
  }
  if (variant !== undefined) checkInstance(`${factory}: variant`, variant, instanceOf(ImageVariant, 'ImageVariant.GPU'));
}

/** The actions a principal needs to pull an image from a repository it may read. */
const ECR_PULL_ACTIONS = ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'];

/** The logical id of the per-stack region -> DLC account mapping. */
const DLC_MAPPING_ID = 'PytorchDlcRegistryAccounts';

class DlcImage extends ContainerImage {
  constructor(
    private readonly family: DlcFamily,
    private readonly version: PytorchVersion,
    private readonly variant?: ImageVariant,
  ) {
    super();
  }

  public bind(scope: Construct, options: ContainerImageBindOptions): ContainerImageConfig {
    const pythonVersion = pythonVersionOf(this.family, this.version.version);
    if (!pythonVersion) {
      throw new ValidationError(
        `No SageMaker ${this.family.repository} image exists for PyTorch ${this.version.version}. ` +
        `Known versions: ${knownVersions(this.family).join(', ')}. ` +
        'For another image use ContainerImage.fromImageUri().', scope,
      );
    }
    const processor = checkVariant(scope, this.variant?.processor ?? (options.instanceType.hasGpu ? 'gpu' : 'cpu'), options.instanceType);
    const tag = dlcTag(this.version.version, processor as 'gpu' | 'cpu', pythonVersion);
    const repository = this.family.repository;

    const stack = Stack.of(scope);
    let account: string;
    let host: string;
    let partition: string;
    if (Token.isUnresolved(stack.region)) {
      account = dlcAccountMapping(stack).findInMap(Aws.REGION, 'account');
      host = `${account}.dkr.ecr.${Aws.REGION}.${Aws.URL_SUFFIX}`;
      partition = Aws.PARTITION;
    } else {
      const region = stack.region;
      const known = DLC_REGISTRY_ACCOUNTS[region];
      if (!known) {
        throw new ValidationError(
          `The PyTorch Deep Learning Containers are not published in region '${region}' (known: ` +
          `${Object.keys(DLC_REGISTRY_ACCOUNTS).join(', ')}). Use ContainerImage.fromImageUri() with an image you host.`, scope,
        );
      }
      account = known;
      host = `${account}.dkr.ecr.${region}.${ecrUrlSuffix(region)}`;
      partition = partitionOf(region);
    }

    if (options.grantee) {
      // GetAuthorizationToken is not scoped to a resource: the ECR API only accepts '*' for it.
      iam.Grant.addToPrincipal({ grantee: options.grantee, actions: ['ecr:GetAuthorizationToken'], resourceArns: ['*'] });
      iam.Grant.addToPrincipal({
        grantee: options.grantee,
        actions: ECR_PULL_ACTIONS,
        resourceArns: [`arn:${partition}:ecr:${stack.region}:${account}:repository/${repository}`],
      });
    }
    return { imageUri: `${host}/${repository}:${tag}` };
  }
}

/** The one region -> account mapping of a stack, created on first use. */
function dlcAccountMapping(stack: Stack): CfnMapping {
  const existing = stack.node.tryFindChild(DLC_MAPPING_ID);
  if (existing) {
    return existing as CfnMapping;
  }
  const mapping: { [region: string]: { [key: string]: string } } = {};
  for (const [region, account] of Object.entries(DLC_REGISTRY_ACCOUNTS)) {
    mapping[region] = { account };
  }
  return new CfnMapping(stack, DLC_MAPPING_ID, { mapping });
}

/** Throws when the processor of an image does not match the instance it runs on. */
function checkVariant(scope: Construct, processor: string, instanceType: InstanceType): string {
  if (processor === 'cpu' && instanceType.hasGpu) {
    throw new ValidationError(
      `A CPU image was chosen for GPU instance type ${instanceType.name}: the model would not use the GPU. ` +
      'Use the GPU variant (or omit the variant to match the instance), or a CPU instance type.', scope,
    );
  }
  if (processor === 'gpu' && !instanceType.hasGpu) {
    throw new ValidationError(
      `A GPU image was chosen for instance type ${instanceType.name}, which has no NVIDIA GPU. ` +
      'Use the CPU variant (or omit the variant to match the instance), or a GPU instance type (g*, p*).', scope,
    );
  }
  return processor;
}

class UriImage extends ContainerImage {
  constructor(private readonly uri: string) {
    super();
  }

  public bind(scope: Construct, options: ContainerImageBindOptions): ContainerImageConfig {
    if (!Token.isUnresolved(this.uri)) {
      // Deep Learning Container tags spell their build: 2.6.0-gpu-py312-cu124-ubuntu22.04-sagemaker.
      const match = /:[^/]*-(cpu|gpu)-py\d+/.exec(this.uri);
      if (match) {
        checkVariant(scope, match[1], options.instanceType);
      }
    }
    return { imageUri: this.uri };
  }
}

class EcrImage extends ContainerImage {
  constructor(private readonly repository: ecr.IRepository, private readonly tag: string) {
    super();
  }

  public bind(_scope: Construct, options: ContainerImageBindOptions): ContainerImageConfig {
    if (options.grantee) {
      this.repository.grantPull(options.grantee);
    }
    return { imageUri: this.repository.repositoryUriForTag(this.tag) };
  }
}
