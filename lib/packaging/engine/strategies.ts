/**
 * The strategy names the engine, the CLI (`--strategy`) and the custom resource (`Strategy`) accept, and the
 * names they no longer accept, with the message that says why: one list, so the three cannot drift apart.
 */
import type { StrategyName } from './types';

export const STRATEGY_NAMES: readonly StrategyName[] = ['auto', 'scan', 'stream'];

/** Strategies that existed once, with why they are gone and what to use instead (`use ...` ends the message). */
export const REMOVED_STRATEGIES: { readonly [name: string]: string } = {
  tail:
    'it patched the archive from its last few MiB without reading what comes before, so it could not see an earlier ' +
    'code/, a PAX global header, an earlier end-of-archive marker or the header of a nested tar, and it reported ' +
    'outputs it had not proven',
};

/**
 * Undefined for an accepted name; otherwise the one-line reason. `subject` names where it was given (`--strategy`),
 * `instead` what to use (`--strategy scan (or auto)`).
 */
export function strategyProblem(name: string, subject: string, instead: string): string | undefined {
  if ((STRATEGY_NAMES as readonly string[]).includes(name)) return undefined;
  const removed = REMOVED_STRATEGIES[name];
  if (removed !== undefined) return `${subject} ${name} was removed in 0.2.0: ${removed}; use ${instead}`;
  return `${subject} must be one of ${STRATEGY_NAMES.join(', ')}, not ${JSON.stringify(name)}`;
}
