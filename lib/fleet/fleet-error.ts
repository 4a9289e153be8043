import { IConstruct } from 'constructs';

/**
 * Throws a synth-time error that names the construct it is about (`<path>: <message>`), so that with several fleets
 * and models in one app the message says which. The one place the fleet's errors are raised (to become the library's
 * `ValidationError(message, scope)` when it exists).
 */
export function fleetError(scope: IConstruct, message: string): never {
  throw new Error(`${scope.node.path}: ${message}`);
}

/** Runs `check` and rethrows its error with the construct's path (for the library's shared checks, which throw without it). */
export function withPath<T>(scope: IConstruct, check: () => T): T {
  try {
    return check();
  } catch (e) {
    return fleetError(scope, (e as Error).message);
  }
}
