import * as iam from 'aws-cdk-lib/aws-iam';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { bindAsyncInference } from './async-inference';
import { AsyncInferenceLocations } from './async-inference-options';
import { EndpointConfigModeParts } from './endpoint-config';
import { EndpointSettings } from './endpoint-settings';
import { renderScaleToZeroVariant } from './production-variant';
import { RealtimeEndpointOptions } from './realtime-endpoint-props';
import { ServingMode, ServingModeKind } from './serving-mode';
import {
  AsyncScalingSettings, resolveAsyncScaling, resolveScaleToZero, ScaleToZeroSettings, validateServingMode, warnDeprecatedModeOptions,
} from './serving-mode-rules';

/** A serving mode's settings, checked before any resource exists. */
export interface ServingModeSettings {
  readonly mode: ServingMode;
  readonly scaleToZero?: ScaleToZeroSettings;
  readonly asyncScaling?: AsyncScalingSettings;
}

/** Defaults and validates the serving mode (the "validate" step, next to `resolveEndpointSettings`). */
export function resolveServingMode(scope: Construct, props: RealtimeEndpointOptions, settings: EndpointSettings): ServingModeSettings {
  const mode = props.servingMode ?? ServingMode.realtime();
  validateServingMode(mode, props);
  warnDeprecatedModeOptions(scope, mode);
  return {
    mode,
    scaleToZero: mode.kind === ServingModeKind.REALTIME_SCALE_TO_ZERO ? resolveScaleToZero(mode, settings.instanceType, props) : undefined,
    asyncScaling: mode.kind === ServingModeKind.ASYNCHRONOUS ? resolveAsyncScaling(mode, settings.instanceCount) : undefined,
  };
}

/** What a mode adds to the endpoint config, and where an asynchronous endpoint keeps its requests. */
export interface BoundServingMode {
  readonly endpointConfigParts: EndpointConfigModeParts;
  readonly asyncLocations?: AsyncInferenceLocations;
}

/**
 * Binds the mode's resources (the async bucket and its grants) and renders what it adds to the endpoint config:
 * - scale to zero: the model-less variant with managed instance scaling, the execution role SageMaker needs to
 *   place inference components, and the model's VPC and network isolation (for inference components SageMaker reads
 *   them from the endpoint config);
 * - asynchronous: `AsyncInferenceConfig`.
 */
export function bindServingMode(
  scope: Construct,
  modeSettings: ServingModeSettings,
  settings: EndpointSettings,
  role: iam.IRole,
  model: sagemaker.CfnModel,
): BoundServingMode {
  if (modeSettings.scaleToZero) {
    return {
      endpointConfigParts: {
        productionVariant: renderScaleToZeroVariant(settings, modeSettings.scaleToZero.maxInstanceCount),
        executionRoleArn: role.roleArn,
        vpcConfig: model.vpcConfig as sagemaker.CfnEndpointConfig.VpcConfigProperty | undefined,
        enableNetworkIsolation: model.enableNetworkIsolation === true ? true : undefined,
      },
    };
  }
  if (modeSettings.asyncScaling) {
    const bound = bindAsyncInference(scope, modeSettings.mode.asyncInference ?? {}, modeSettings.asyncScaling, role);
    return { endpointConfigParts: { asyncInferenceConfig: bound.config }, asyncLocations: bound.locations };
  }
  return { endpointConfigParts: {} };
}
