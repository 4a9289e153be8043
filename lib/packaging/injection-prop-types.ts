// The run-time types of InferenceCodeInjection's props, checked for JavaScript callers by lib/common/validation.ts.
// PytorchCustomEndpoint checks its `codeInjection` group with the same table. Internal: not exported from lib/index.ts.
import { instanceOf, PropTypes, quoteArgument, required } from '../common/validation';
import { MODEL_DATA } from '../core/expected-types';
import { InferenceCode } from './inference-code';
import { InjectionStrategy } from './injection-strategy';

/** `strategy: 'scan'` -> `InjectionStrategy.SCAN`; any other string (`'tail'`, removed in 0.2.0, included) -> `AUTO`. */
const STRATEGIES = ['auto', 'scan', 'stream'];

/** `InferenceCodeInjectionOptions`: what `PytorchCustomEndpoint` takes as `codeInjection`. */
export const INJECTION_OPTION_TYPES: PropTypes = {
  strategy: instanceOf(InjectionStrategy, (given) =>
    typeof given === 'string' && STRATEGIES.includes(given.toLowerCase()) ? `InjectionStrategy.${given.toUpperCase()}` : 'InjectionStrategy.AUTO'),
};

/** `inferenceCode: 'serving'` -> `InferenceCode.fromDirectory('serving')`. */
export const INFERENCE_CODE = instanceOf(InferenceCode, (given) =>
  `InferenceCode.fromDirectory(${typeof given === 'string' ? quoteArgument(given) : "'serving'"})`);

/** `InferenceCodeInjectionProps`. */
export const INJECTION_PROP_TYPES: PropTypes = { ...INJECTION_OPTION_TYPES, modelData: required(MODEL_DATA), inferenceCode: required(INFERENCE_CODE) };
