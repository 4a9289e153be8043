import { Duration, Names, Size, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { InstanceType } from '../core/instance-type';
import { EndpointSettings } from './endpoint-settings-values';
import { HOSTING_INSTANCE_TYPES } from './hosting-instance-types';
import { RealtimeEndpointOptions, RealtimeEndpointProps } from './realtime-endpoint-props';
import { SAGEMAKER_MAX_NAME_LENGTH } from '../common/sagemaker-names';
import { checkPropTypes, validateContainerEnvironment, validateIntegerInRange, validateSageMakerName, ValidationError } from '../common/validation';
import { REALTIME_ENDPOINT_PROP_TYPES } from './endpoint-prop-types';

/** The one serving variable users set through a property (`entryPoint`) rather than `environment`. */
const RESERVED_ENVIRONMENT = 'SAGEMAKER_PROGRAM';

/**
 * Applies the defaults of `RealtimeEndpointOptions` and validates the values, with messages that say what to change.
 * `scope` is the endpoint construct: its path derives the default endpoint name.
 */
export function resolveEndpointSettings(scope: Construct, props: RealtimeEndpointProps): EndpointSettings {
  checkPropTypes('', props, REALTIME_ENDPOINT_PROP_TYPES, scope);
  const instanceType = props.instanceType ?? InstanceType.ML_G5_XLARGE;
  // Without this, an unknown or training-only type (ml.p3dn) fails only at deploy time, in CreateEndpointConfig.
  if (!props.allowUnlistedInstanceType && !HOSTING_INSTANCE_TYPES.includes(instanceType.name)) {
    throw new ValidationError(
      `Instance type ${instanceType.name} is not a SageMaker real-time hosting instance type ` +
      '(CreateEndpointConfig\'s ProductionVariantInstanceType list). Pick one such as ml.g5.xlarge, or set ' +
      'allowUnlistedInstanceType if it is newer than this library.', scope);
  }
  const instanceCount = props.instanceCount ?? 1;
  validateIntegerInRange('instanceCount', instanceCount, 1, 1000, { scope });
  const volumeSizeInGb = props.volumeSize ? volumeSizeInGibibytes(scope, props.volumeSize) : undefined;
  if (props.volumeEncryptionKey && instanceType.hasLocalNvmeStorage) {
    throw new ValidationError(
      `volumeEncryptionKey cannot be used with ${instanceType.name}: it has local NVMe storage, which SageMaker ` +
      'encrypts in hardware and for which it rejects a KMS key. Remove the key or pick an instance type without ' +
      'instance storage (e.g. ml.p3, ml.m5, ml.c5).', scope);
  }
  const modelDataDownloadTimeoutInSeconds = timeoutSeconds(scope, 'modelDataDownloadTimeout', props.modelDataDownloadTimeout);
  const containerStartupHealthCheckTimeoutInSeconds = timeoutSeconds(scope, 'containerStartupHealthCheckTimeout', props.containerStartupHealthCheckTimeout);
  const entryPoint = props.entryPoint ?? 'inference.py';
  if (!/^[A-Za-z_][A-Za-z0-9_]*\.py$/.test(entryPoint)) {
    throw new ValidationError(
      `entryPoint '${entryPoint}' must be the file name of a Python module under code/, e.g. 'inference.py' ` +
      '(no directories: the container imports it by module name).', scope);
  }
  // A local archive served as it is must hold code/<entryPoint> (read now, at synth).
  props.modelData._checkServedAsIs(scope, entryPoint);
  const userEnvironment = props.environment ?? {};
  if (RESERVED_ENVIRONMENT in userEnvironment) {
    throw new ValidationError(`Set the inference module with the entryPoint property, not the ${RESERVED_ENVIRONMENT} environment variable.`, scope);
  }
  const variantName = props.variantName ?? 'AllTraffic';
  validateSageMakerName('variantName', variantName, undefined, scope);
  validateMonitoringSwitches(scope, props);
  validateGpuOptions(scope, instanceType, props);

  const endpointName = props.endpointName ?? Names.uniqueResourceName(scope, { maxLength: SAGEMAKER_MAX_NAME_LENGTH, separator: '-' });
  validateSageMakerName('endpointName', endpointName, undefined, scope);

  const environment = {
    // The serving toolkit imports this module from /opt/ml/model/code; when it is missing it silently serves
    // with its defaults, so it is always set.
    SAGEMAKER_PROGRAM: entryPoint,
    // Not read by the serving container, but set by the SageMaker SDK: kept for code that looks for it.
    SAGEMAKER_SUBMIT_DIRECTORY: '/opt/ml/model/code',
    SAGEMAKER_REGION: Stack.of(scope).region,
    SAGEMAKER_CONTAINER_LOG_LEVEL: '20',
    ...userEnvironment,
  };
  validateContainerEnvironment('environment', environment, scope);

  return {
    instanceType,
    instanceCount,
    volumeSizeInGb,
    modelDataDownloadTimeoutInSeconds,
    containerStartupHealthCheckTimeoutInSeconds,
    environment,
    variantName,
    endpointName,
  };
}

/**
 * GPU metrics exist only for instances with GPUs: on a CPU instance a GPU alarm would never fire and a GPU scaling
 * target would never scale, silently.
 */
function validateGpuOptions(scope: Construct, instanceType: InstanceType, props: RealtimeEndpointOptions): void {
  if (instanceType.hasGpu) {
    return;
  }
  if (props.autoScaling?.gpuUtilizationTarget !== undefined) {
    throw new ValidationError(`autoScaling.gpuUtilizationTarget needs a GPU instance, but ${instanceType.name} has none: SageMaker ` +
      'publishes no GPUUtilization for it, so the policy would never scale. Use invocationsPerInstanceTarget.', scope);
  }
  if (props.alarms?.gpuMemory?.enabled) {
    throw new ValidationError(`alarms.gpuMemory needs a GPU instance, but ${instanceType.name} has none: the alarm would never ` +
      'fire. Remove it.', scope);
  }
}

/** The switches that turn monitoring off must not contradict the options that configure it. */
function validateMonitoringSwitches(scope: Construct, props: RealtimeEndpointOptions): void {
  if (props.enableAlarms === false && (props.alarms || props.alarmTopic)) {
    throw new ValidationError('enableAlarms is false, yet alarms or alarmTopic is set: remove them, or set enableAlarms to true.', scope);
  }
  if (props.enableDashboard === false && props.dashboard) {
    throw new ValidationError('enableDashboard is false, yet dashboard options are set: remove them, or set enableDashboard to true.', scope);
  }
}

/** A duration as whole seconds in SageMaker's 60-3600 s range for endpoint timeouts. */
function timeoutSeconds(scope: Construct, what: string, duration: Duration | undefined): number | undefined {
  if (!duration) {
    return undefined;
  }
  const seconds = duration.toSeconds();
  validateIntegerInRange(what, seconds, 60, 3600, { unit: 'seconds', scope });
  return seconds;
}

/**
 * A hosting volume size as whole GiB in SageMaker's 1-512 range (`ProductionVariant.VolumeSizeInGB`), for the
 * endpoint and the fleet alike.
 */
export function volumeSizeInGibibytes(scope: Construct, size: Size): number {
  const mebibytes = size.toMebibytes();
  if (mebibytes % 1024 !== 0) {
    throw new ValidationError(`volumeSize must be a whole number of GiB from 1 to 512, got ${mebibytes} MiB.`, scope);
  }
  const gibibytes = mebibytes / 1024;
  validateIntegerInRange('volumeSize', gibibytes, 1, 512, { unit: 'GiB', scope });
  return gibibytes;
}
