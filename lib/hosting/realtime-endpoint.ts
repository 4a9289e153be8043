import { ArnFormat, Duration, Names, Size, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { ContainerImage } from './container-image';
import { InstanceType } from './instance-type';
import { ModelData } from './model-data';
import {
  SAGEMAKER_MAX_NAME_LENGTH, validateContainerEnvironment, validateIntegerInRange, validateSageMakerName,
} from '../common/validation';
import { acknowledgeWildcardResource } from '../common/nag-acknowledgements';

/**
 * How a real-time endpoint serves a model: everything except the model artifacts themselves.
 *
 * `PytorchCustomEndpoint` takes these as its `endpoint` group.
 */
export interface RealtimeEndpointOptions {
  /**
   * The serving container.
   *
   * @default ContainerImage.pytorchInference() - the PyTorch 2.6.0 inference DLC, GPU or CPU to match the instance
   */
  readonly image?: ContainerImage;

  /**
   * The instance type that serves the model.
   *
   * @default InstanceType.ML_G5_XLARGE - one NVIDIA A10G (24 GiB), 4 vCPU, 16 GiB
   */
  readonly instanceType?: InstanceType;

  /**
   * How many instances serve the model.
   *
   * @default 1
   */
  readonly instanceCount?: number;

  /**
   * The size of the ML storage volume of each instance, 1 to 512 GiB. Instance types with local NVMe storage
   * (g4dn, g5, g6, p4d, ...) serve from their instance store instead.
   *
   * @default - SageMaker's default for the instance type
   */
  readonly volumeSize?: Size;

  /**
   * A KMS key that encrypts the ML storage volume. SageMaker rejects it for instance types with local NVMe storage,
   * whose instance store is encrypted by the hardware: that combination fails at synth time. The key policy must
   * let the principal that deploys the stack use the key.
   *
   * @default - the volume is encrypted with an AWS managed key
   */
  readonly volumeEncryptionKey?: kms.IKey;

  /**
   * How long SageMaker may take to download the model artifacts to each instance, 60 to 3600 seconds.
   *
   * @default - SageMaker's default
   */
  readonly modelDataDownloadTimeout?: Duration;

  /**
   * How long the container may take to pass its first `/ping` health check, 60 to 3600 seconds. Raise it for large
   * models: `model_fn` runs before the first ping succeeds.
   *
   * @default - SageMaker's default
   */
  readonly containerStartupHealthCheckTimeout?: Duration;

  /**
   * The Python module under `code/` in the model artifact that holds the handler functions (`model_fn`,
   * `input_fn`, `predict_fn`, `output_fn`); sets `SAGEMAKER_PROGRAM`.
   *
   * @default 'inference.py'
   */
  readonly entryPoint?: string;

  /**
   * Extra environment variables of the serving container, e.g. `SAGEMAKER_MODEL_SERVER_WORKERS` or `TS_*`
   * TorchServe settings. They may override `SAGEMAKER_CONTAINER_LOG_LEVEL` and `SAGEMAKER_REGION`; the module name
   * is set with `entryPoint`.
   *
   * @default - only the serving variables the library sets
   */
  readonly environment?: { [key: string]: string };

  /**
   * The endpoint name: the name callers pass to `InvokeEndpoint`. Validated against SageMaker's pattern
   * (letters, digits, hyphens; up to 63 characters) at synth time.
   *
   * @default - a name derived from the construct path, unique in the account and stable across deployments
   */
  readonly endpointName?: string;

  /**
   * The execution role SageMaker assumes to pull the image, read the model artifacts and write logs. When given,
   * the grants the image and model data need are added to it.
   *
   * @default - a role with exactly those permissions
   */
  readonly role?: iam.IRole;

  /**
   * Whether the container runs without network access. Then `code/requirements.txt` cannot be pip-installed at
   * startup, so dependencies must be vendored.
   *
   * @default false
   */
  readonly networkIsolation?: boolean;

  /**
   * The name of the production variant.
   *
   * @default 'AllTraffic'
   */
  readonly variantName?: string;
}

/** Properties of a `RealtimeEndpoint`. */
export interface RealtimeEndpointProps extends RealtimeEndpointOptions {
  /** The model artifacts: a `model.tar.gz` with `code/` inside, or an uncompressed prefix with the same layout. */
  readonly modelData: ModelData;
}

/** The one serving variable users set through a property (`entryPoint`) rather than `environment`. */
const RESERVED_ENVIRONMENT = 'SAGEMAKER_PROGRAM';

/**
 * A SageMaker real-time endpoint serving one model: `AWS::SageMaker::Model`, `EndpointConfig` and `Endpoint`.
 *
 * The model and endpoint config get no fixed names, because CloudFormation replaces them on every change; the
 * endpoint then switches to the new config in place.
 */
export class RealtimeEndpoint extends Construct {
  /** The endpoint name, for `InvokeEndpoint`. */
  public readonly endpointName: string;
  /** The endpoint ARN. */
  public readonly endpointArn: string;
  /** The SageMaker model. */
  public readonly model: sagemaker.CfnModel;
  /** The endpoint configuration. */
  public readonly endpointConfig: sagemaker.CfnEndpointConfig;
  /** The endpoint. */
  public readonly endpoint: sagemaker.CfnEndpoint;
  /** The execution role of the model. */
  public readonly role: iam.IRole;
  /** The instance type serving the model. */
  public readonly instanceType: InstanceType;
  /** The URI of the serving image. */
  public readonly imageUri: string;
  /** The name of the production variant (for metrics and autoscaling: `endpoint/<name>/variant/<variant>`). */
  public readonly variantName: string;
  /** The initial number of instances of the variant. */
  public readonly instanceCount: number;

  constructor(scope: Construct, id: string, props: RealtimeEndpointProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.instanceType = props.instanceType ?? InstanceType.ML_G5_XLARGE;
    const instanceCount = props.instanceCount ?? 1;
    validateIntegerInRange('instanceCount', instanceCount, 1, 1000);
    this.instanceCount = instanceCount;
    const volumeSizeInGb = props.volumeSize ? toGibibytes(props.volumeSize) : undefined;
    if (props.volumeEncryptionKey && this.instanceType.hasLocalNvmeStorage) {
      throw new Error(
        `volumeEncryptionKey cannot be used with ${this.instanceType.name}: it has local NVMe storage, which SageMaker ` +
        'encrypts in hardware and for which it rejects a KMS key. Remove the key or pick an instance type without ' +
        'instance storage (e.g. ml.p3, ml.m5, ml.c5).',
      );
    }
    const modelDataDownloadTimeout = timeoutSeconds('modelDataDownloadTimeout', props.modelDataDownloadTimeout);
    const startupTimeout = timeoutSeconds('containerStartupHealthCheckTimeout', props.containerStartupHealthCheckTimeout);
    const entryPoint = props.entryPoint ?? 'inference.py';
    if (!/^[A-Za-z_][A-Za-z0-9_]*\.py$/.test(entryPoint)) {
      throw new Error(
        `entryPoint '${entryPoint}' must be the file name of a Python module under code/, e.g. 'inference.py' ` +
        '(no directories: the container imports it by module name).',
      );
    }
    const userEnvironment = props.environment ?? {};
    if (RESERVED_ENVIRONMENT in userEnvironment) {
      throw new Error(`Set the inference module with the entryPoint property, not the ${RESERVED_ENVIRONMENT} environment variable.`);
    }
    const variantName = props.variantName ?? 'AllTraffic';
    validateSageMakerName('variantName', variantName);
    this.variantName = variantName;

    const endpointName = props.endpointName ?? Names.uniqueResourceName(this, { maxLength: SAGEMAKER_MAX_NAME_LENGTH, separator: '-' });
    validateSageMakerName('endpointName', endpointName);

    this.role = props.role ?? this.createRole(endpointName);

    const image = (props.image ?? ContainerImage.pytorchInference()).bind(this, { instanceType: this.instanceType, grantee: this.role });
    this.imageUri = image.imageUri;
    const modelData = props.modelData.bind(this, this.role);

    const environment = {
      // The serving toolkit imports this module from /opt/ml/model/code; when it is missing it silently serves
      // with its defaults, so it is always set.
      SAGEMAKER_PROGRAM: entryPoint,
      // Not read by the serving container, but set by the SageMaker SDK: kept for code that looks for it.
      SAGEMAKER_SUBMIT_DIRECTORY: '/opt/ml/model/code',
      SAGEMAKER_REGION: stack.region,
      SAGEMAKER_CONTAINER_LOG_LEVEL: '20',
      ...userEnvironment,
    };
    validateContainerEnvironment('environment', environment);

    this.model = new sagemaker.CfnModel(this, 'Model', {
      executionRoleArn: this.role.roleArn,
      enableNetworkIsolation: props.networkIsolation ?? false,
      primaryContainer: {
        image: image.imageUri,
        modelDataUrl: modelData.modelDataUrl,
        modelDataSource: modelData.modelDataSource,
        environment,
      },
    });
    // CreateModel checks that the role can pull the image and read the artifacts: the policies must exist first.
    this.model.node.addDependency(this.role);

    this.endpointConfig = new sagemaker.CfnEndpointConfig(this, 'EndpointConfig', {
      kmsKeyId: props.volumeEncryptionKey?.keyArn,
      productionVariants: [{
        variantName,
        modelName: this.model.attrModelName,
        instanceType: this.instanceType.name,
        initialInstanceCount: instanceCount,
        initialVariantWeight: 1,
        volumeSizeInGb,
        modelDataDownloadTimeoutInSeconds: modelDataDownloadTimeout,
        containerStartupHealthCheckTimeoutInSeconds: startupTimeout,
      }],
    });

    if (this.instanceType.hasLocalNvmeStorage) {
      // The compliance packs ask every endpoint config for a KMS key, which SageMaker refuses on these instances.
      for (const pack of ['HIPAA.Security', 'NIST.800.53.R4', 'NIST.800.53.R5', 'PCI.DSS.321']) {
        Validations.of(this.endpointConfig).acknowledge({
          id: `${pack}-SageMakerEndpointConfigurationKMSKeyConfigured`,
          reason: `${this.instanceType.name} serves from local NVMe instance storage, encrypted by the hardware; ` +
            'SageMaker rejects a KMS key for it (CreateEndpointConfig KmsKeyId).',
        });
      }
    }

    this.endpoint = new sagemaker.CfnEndpoint(this, 'Endpoint', {
      endpointName,
      endpointConfigName: this.endpointConfig.attrEndpointConfigName,
    });
    this.endpointName = this.endpoint.attrEndpointName;
    // Ref of AWS::SageMaker::Endpoint is its ARN (SageMaker lower-cases the name inside it).
    this.endpointArn = this.endpoint.ref;
  }

  /** Grants `sagemaker:InvokeEndpoint` on this endpoint, and nothing else. */
  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: ['sagemaker:InvokeEndpoint'], resourceArns: [this.endpointArn] });
  }

  /** The execution role: the image and model data add their own grants at bind time; logs are granted here. */
  private createRole(endpointName: string): iam.IRole {
    const role = new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: 'SageMaker execution role of a PyTorch real-time endpoint: pulls its image, reads its model, writes its logs',
    });
    // The log group SageMaker writes the endpoint's container logs to. The name is known at synth time, so the
    // policy does not depend on the endpoint (which itself waits for this role).
    const logGroupArn = Stack.of(this).formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: `/aws/sagemaker/Endpoints/${endpointName}`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogGroup'], resources: [logGroupArn] }));
    const logStreamsArn = `${logGroupArn}:log-stream:*`;
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
      resources: [logStreamsArn],
    }));
    acknowledgeWildcardResource(role, logStreamsArn,
      'SageMaker names a log stream per instance and container at run time; the wildcard stays inside this endpoint\'s log group.');
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr:GetAuthorizationToken only accepts resource "*" (ECR API); every other statement names its resource.',
    });
    return role;
  }
}

/** A duration as whole seconds in SageMaker's 60-3600 s range for endpoint timeouts. */
function timeoutSeconds(what: string, duration: Duration | undefined): number | undefined {
  if (!duration) {
    return undefined;
  }
  const seconds = duration.toSeconds();
  validateIntegerInRange(what, seconds, 60, 3600, 'seconds');
  return seconds;
}

/** A volume size as whole GiB in SageMaker's 1-512 range. */
function toGibibytes(size: Size): number {
  const mebibytes = size.toMebibytes();
  if (mebibytes % 1024 !== 0) {
    throw new Error(`volumeSize must be a whole number of GiB from 1 to 512, got ${mebibytes} MiB.`);
  }
  const gibibytes = mebibytes / 1024;
  validateIntegerInRange('volumeSize', gibibytes, 1, 512, 'GiB');
  return gibibytes;
}
