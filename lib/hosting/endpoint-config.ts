import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { bindDataCapture } from './data-capture';
import { EndpointConfigModeParts } from './modes/binding';
import { renderInstanceVariant, VariantSettings } from './production-variant';
import { RealtimeEndpointOptions } from './realtime-endpoint-props';

/**
 * The `AWS::SageMaker::EndpointConfig`: binds data capture and the volume key (granting `role` their use) and renders
 * the production variant that serves `model`.
 */
export function renderEndpointConfig(
  scope: Construct,
  props: RealtimeEndpointOptions,
  settings: VariantSettings,
  role: iam.IRole,
  model: sagemaker.CfnModel | undefined,
  mode: EndpointConfigModeParts = {},
): sagemaker.CfnEndpointConfig {
  const dataCaptureConfig = props.dataCapture ? bindDataCapture(scope, props.dataCapture, role) : undefined;
  if (props.volumeEncryptionKey) {
    grantVolumeKey(role, props.volumeEncryptionKey);
  }
  const endpointConfig = new sagemaker.CfnEndpointConfig(scope, 'EndpointConfig', {
    kmsKeyId: props.volumeEncryptionKey?.keyArn,
    dataCaptureConfig,
    productionVariants: [mode.productionVariant ?? renderInstanceVariant(settings, modelNameOf(model))],
    executionRoleArn: mode.executionRoleArn,
    asyncInferenceConfig: mode.asyncInferenceConfig,
    vpcConfig: mode.vpcConfig,
    enableNetworkIsolation: mode.enableNetworkIsolation,
  });

  if (settings.instanceType.hasLocalNvmeStorage) {
    // The compliance packs ask every endpoint config for a KMS key, which SageMaker refuses on these instances.
    for (const pack of ['HIPAA.Security', 'NIST.800.53.R4', 'NIST.800.53.R5', 'PCI.DSS.321']) {
      Validations.of(endpointConfig).acknowledge({
        id: `${pack}-SageMakerEndpointConfigurationKMSKeyConfigured`,
        reason: `${settings.instanceType.name} serves from local NVMe instance storage, encrypted by the hardware; ` +
          'SageMaker rejects a KMS key for it (CreateEndpointConfig KmsKeyId).',
      });
    }
  }
  return endpointConfig;
}

/**
 * Lets the execution role use the volume key. `kms:CreateGrant` is limited to grants for AWS resources (the
 * instance volumes SageMaker attaches), so the role cannot hand the key to anyone else.
 */
function grantVolumeKey(role: iam.IRole, key: kms.IKey): void {
  iam.Grant.addToPrincipal({ grantee: role, actions: ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKey'], resourceArns: [key.keyArn] });
  iam.Grant.addToPrincipal({
    grantee: role,
    actions: ['kms:CreateGrant'],
    resourceArns: [key.keyArn],
    conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
  });
}

/** The model an instance variant serves: a variant of an inference-component endpoint has none (its `mode` says so). */
function modelNameOf(model: sagemaker.CfnModel | undefined): string {
  if (!model) throw new Error('internal error: an instance variant needs the model it serves');
  return model.attrModelName;
}
