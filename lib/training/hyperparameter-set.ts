import { IConstruct } from 'constructs';
import { Hyperparameter } from './hyperparameters';
import { hyperparameterNameProblem, hyperparameterValueProblem } from './hyperparameter-wire';
import { ValidationError } from '../common/validation';

/** The hyperparameters of a training job as they travel in the custom resource's properties. */
export interface EncodedHyperparameters {
  /** `CreateTrainingJob.HyperParameters`: JSON text per synth-time value, raw (token) per deploy-time value. */
  readonly values: { [name: string]: string };
  /** Declared type of every user hyperparameter, for the handler's deploy-time re-check. */
  readonly types: { [name: string]: string };
  /** How the handler encodes each deploy-time value. */
  readonly deployTimeEncodings: { [name: string]: string };
}

/**
 * Validates and encodes the user's hyperparameters beside the `sagemaker_*` keys the library adds.
 *
 * @param scope the training job (its path starts the messages)
 * @param user the declared hyperparameters
 * @param library the library's keys with their (already encoded) values
 * @param reservedLibraryKeys further library keys that the handler adds at deploy time (counted in the limit)
 */
export function encodeHyperparameters(
  scope: IConstruct,
  user: { [name: string]: Hyperparameter },
  library: { [name: string]: string },
  reservedLibraryKeys: string[],
): EncodedHyperparameters {
  const names = Object.keys(user).sort();
  const problem = hyperparameterNameProblem(names, [...Object.keys(library), ...reservedLibraryKeys]);
  if (problem) throw new ValidationError(`Invalid hyperparameters: ${problem}`, scope);
  const values: { [name: string]: string } = { ...library };
  const types: { [name: string]: string } = {};
  const deployTimeEncodings: { [name: string]: string } = {};
  for (const name of names) {
    const hp = user[name];
    const wire = hp.toWireString();
    const encoding = hp._deployTimeEncoding();
    if (encoding === undefined) {
      const valueProblem = hyperparameterValueProblem(name, wire, hp.type);
      if (valueProblem) throw new ValidationError(`Invalid hyperparameters: ${valueProblem}`, scope);
    } else {
      deployTimeEncodings[name] = encoding;
    }
    values[name] = wire;
    types[name] = hp.type;
  }
  return { values, types, deployTimeEncodings };
}
