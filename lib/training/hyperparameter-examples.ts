// How a JavaScript caller's raw value would be written as a Hyperparameter, for the run-time type checks' messages
// (`epochs: 10` -> `Hyperparameter.integer(10)`). Internal: not exported from lib/index.ts.
import { quoteArgument } from '../common/validation';

/** The typed form of a raw value, e.g. `Hyperparameter.integer(10)` for 10. */
export function hyperparameterFor(given: unknown): string {
  switch (typeof given) {
    case 'number': return Number.isInteger(given) ? `Hyperparameter.integer(${given})` : `Hyperparameter.float(${given})`;
    case 'boolean': return `Hyperparameter.boolean(${given})`;
    case 'string': return `Hyperparameter.string(${quoteArgument(given)})`;
    default:
      if (Array.isArray(given) && given.every((v) => typeof v === 'number')) {
        return `Hyperparameter.${given.every((v) => Number.isInteger(v)) ? 'integer' : 'float'}List([${given.join(', ')}])`;
      }
      return 'Hyperparameter.integer(10)';
  }
}
