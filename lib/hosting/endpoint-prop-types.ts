// The run-time types of RealtimeEndpoint's props, checked for JavaScript callers by lib/common/validation.ts
// (`instanceType: 'ml.g5.xlarge'` is refused with "expected an InstanceType (e.g. InstanceType.of('ml.g5.xlarge'))").
// PytorchCustomEndpoint checks its `endpoint` group with the same table. Internal: not exported from lib/index.ts.
import { DURATION, instanceOf, optionsOf, PropTypes, required, SIZE } from '../common/validation';
import { INFERENCE_IMAGE, INSTANCE_TYPE, MODEL_DATA } from '../core/expected-types';
import { DeploymentGuardrails } from './deployment/deployment-guardrails';
import { ServingMode } from './serving-mode';

/** `RealtimeEndpointOptions`: what `PytorchCustomEndpoint` takes as `endpoint`. */
export const REALTIME_ENDPOINT_OPTION_TYPES: PropTypes = {
  image: INFERENCE_IMAGE,
  instanceType: INSTANCE_TYPE,
  volumeSize: SIZE,
  modelDataDownloadTimeout: DURATION,
  containerStartupHealthCheckTimeout: DURATION,
  deployment: instanceOf(DeploymentGuardrails, 'DeploymentGuardrails.canary()'),
  servingMode: instanceOf(ServingMode, (given) =>
    typeof given === 'string' && /zero/i.test(given) ? 'ServingMode.realtimeScaleToZero()'
      : typeof given === 'string' && /async/i.test(given) ? 'ServingMode.asynchronous()' : 'ServingMode.realtime()'),
  autoScaling: optionsOf({ scaleInCooldown: DURATION, scaleOutCooldown: DURATION }),
  alarms: optionsOf({ modelLatency: optionsOf({ threshold: DURATION }) }),
  dashboard: optionsOf({ defaultInterval: DURATION }),
};

/** `RealtimeEndpointProps`. */
export const REALTIME_ENDPOINT_PROP_TYPES: PropTypes = { ...REALTIME_ENDPOINT_OPTION_TYPES, modelData: required(MODEL_DATA) };
