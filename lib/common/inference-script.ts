// The checks of an inference code directory that synth (InferenceCode.fromDirectory), the CLI's inject-code and the
// served-archive check share: one function, so the three can never disagree. No aws-cdk-lib import: the CLI bundle
// includes this file. Internal: not exported from lib/index.ts.
import * as fs from 'fs';
import * as path from 'path';

/** The module the SageMaker PyTorch serving container imports from `code/` (`SAGEMAKER_PROGRAM`, always set). */
export const INFERENCE_SCRIPT = 'inference.py';

/** The per-request handlers that `transform_fn` replaces. */
const REQUEST_HANDLERS = ['input_fn', 'predict_fn', 'output_fn'];

/** Whether the script defines `name` at top level (`def name(`, not indented: a method does not count). */
function definesFunction(source: string, name: string): boolean {
  return new RegExp(`^(?:async\\s+)?def\\s+${name}\\s*\\(`, 'm').test(source);
}

/**
 * What is wrong with the text of an `inference.py`, or undefined. `where` names the file in the message.
 *
 * - `model_fn` must be defined at top level: without it the container loads `model.pt` as TorchScript only.
 * - `transform_fn` must not be combined with `input_fn`, `predict_fn` or `output_fn`: the serving toolkit refuses
 *   the module at start-up (sagemaker-inference-toolkit `transformer.py`, `_validate_user_module_and_set_functions`:
 *   "Cannot use transform_fn implementation in conjunction with input_fn, predict_fn, and/or output_fn
 *   implementation"), so the endpoint never becomes healthy.
 */
export function inferenceScriptProblem(where: string, source: string): string | undefined {
  if (!definesFunction(source, 'model_fn')) {
    return `${where} does not define model_fn at top level; add 'def model_fn(model_dir):' that loads and returns the model ` +
      '(without it the container only loads a TorchScript model.pt).';
  }
  if (definesFunction(source, 'transform_fn')) {
    const combined = REQUEST_HANDLERS.filter((name) => definesFunction(source, name));
    if (combined.length > 0) {
      return `${where} defines transform_fn together with ${combined.join(', ')}: the serving container refuses to start ` +
        '(ValueError: Cannot use transform_fn implementation in conjunction with input_fn, predict_fn, and/or output_fn). ' +
        `Keep transform_fn alone, or remove it and keep ${combined.join(', ')}.`;
    }
  }
  return undefined;
}

/**
 * What is wrong with a code directory, or undefined: it must be a directory holding a regular file `inference.py`
 * whose text passes `inferenceScriptProblem`.
 */
export function codeDirectoryProblem(directory: string): string | undefined {
  if (!fs.existsSync(directory) || !fs.statSync(directory).isDirectory()) {
    return `${directory} is not a directory; give the folder that holds ${INFERENCE_SCRIPT}.`;
  }
  const entry = path.join(directory, INFERENCE_SCRIPT);
  if (!fs.existsSync(entry) || !fs.lstatSync(entry).isFile()) {
    return `${entry} is missing; the PyTorch serving container imports ${INFERENCE_SCRIPT} from code/, so add it to ${directory}.`;
  }
  return inferenceScriptProblem(entry, fs.readFileSync(entry, 'utf8'));
}
