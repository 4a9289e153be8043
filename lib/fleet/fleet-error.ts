import { IConstruct } from 'constructs';
import { ValidationError } from '../common/validation';

/**
 * Throws a synth-time error that names the construct it is about (`<path>: <message>`), so that with several fleets
 * and models in one app the message says which: the library's one `ValidationError`, as a function that never returns.
 */
export function fleetError(scope: IConstruct, message: string): never {
  throw new ValidationError(message, scope);
}
