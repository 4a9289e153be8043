// What a serving mode's scaling loop must do, checked on a run's outcomes, and the table the tests print.
import { Assumptions, describeAssumptions } from './assumptions';
import { Outcomes, Scenario } from './scenarios';

/** The serving modes, as the expectations treat them. */
export type ModeKind = 'realtime' | 'realtime-scale-to-zero' | 'async';

/** "A few minutes" beyond the cold start: the alarm's one-minute data point, its publication delay, the action. */
export const FEW_MINUTES = 5;

/**
 * The problems of one run (empty when it behaves):
 * - traffic that starts with the deploy is served: the endpoint is deployed with its initial copy (or instance);
 * - the first request after a silence is answered within the cold start (instance and copy) plus a few minutes, and
 *   at once for an always-on endpoint;
 * - a scale-to-zero endpoint left idle reaches zero instances, within the target tracking scale-in periods plus the
 *   instance release plus a few minutes;
 * - no policy removes the last capacity while requests keep arriving (`Outcomes.zeroUnderTraffic`);
 * - no policy lowers a capacity while a caller waits (no flapping), with one known, bounded exception: target tracking
 *   re-acting on the last data points of its stopped metric (`Outcomes.staleFlapping`). That is AWS's own documented
 *   loop meeting CloudWatch's documented re-evaluation of the last data points ("This re-evaluation may cause the
 *   alarm to change state and re-execute actions"), when target tracking computes with those points; a caller whose
 *   wake-up it undoes is still answered, at most one evaluation range plus one copy start later.
 */
export function loopProblems(mode: ModeKind, scenario: Scenario, outcomes: Outcomes, a: Assumptions): string[] {
  const problems: string[] = [];
  const coldStart = a.instanceStartMinutes + a.copyStartMinutes;
  const staleDelay = outcomes.staleScaleIns > 0 ? a.evaluationRangeExtraPeriods + a.copyStartMinutes : 0;
  if (scenario.wakeAt !== undefined) {
    const limit = mode === 'realtime' ? 0 : coldStart + a.metricDelayMinutes + FEW_MINUTES + staleDelay;
    if (outcomes.firstAnswerMinutes === null) problems.push('the first request after the silence is never answered');
    else if (outcomes.firstAnswerMinutes! > limit) problems.push(`the first request after the silence waits ${outcomes.firstAnswerMinutes} min (limit ${limit})`);
  }
  if (mode !== 'realtime') {
    const limit = a.targetTrackingScaleInPeriods + a.emptyInstanceReleaseMinutes + a.metricDelayMinutes + FEW_MINUTES + staleDelay;
    if (outcomes.timeToZeroMinutes === null) problems.push('the idle endpoint never reaches zero instances');
    else if (outcomes.timeToZeroMinutes > limit) problems.push(`the idle endpoint reaches zero after ${outcomes.timeToZeroMinutes} min (limit ${limit})`);
  }
  if (outcomes.refusedAfterWarmDeploy > 0) problems.push(`${outcomes.refusedAfterWarmDeploy} requests refused although the endpoint was deployed warm`);
  if (outcomes.zeroUnderTraffic > 0) problems.push(`${outcomes.zeroUnderTraffic} scale-in(s) to zero while requests kept arriving`);
  const flapping = outcomes.flapping - outcomes.staleFlapping;
  if (flapping > 0) problems.push(`${flapping} capacity decrease(s) while callers waited`);
  if (outcomes.staleScaleIns > 0 && a.targetTrackingValue === 'fresh-only') {
    problems.push(`${outcomes.staleScaleIns} target tracking decrease(s) on stale data points although it acts on fresh ones only`);
  }
  return problems;
}

export interface TableRow {
  readonly mode: string;
  readonly scenario: Scenario;
  readonly assumptions: Assumptions;
  readonly outcomes: Outcomes;
}

const minutes = (v: number | null | undefined) => (v === undefined ? '-' : v === null ? 'never' : `${Math.round(v * 10) / 10} min`);

/** A Markdown table of runs: time to the first answer after idle, time to zero, flapping, instance-minutes. */
export function formatTable(rows: ReadonlyArray<TableRow>): string {
  const lines = [
    '| mode | scenario | assumptions | first answer after idle | time to zero | flapping (of which stale) | instance-minutes | refused |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.mode} | ${r.scenario.name} | ${describeAssumptions(r.assumptions)} | ${minutes(r.outcomes.firstAnswerMinutes)} | `
      + `${minutes(r.outcomes.timeToZeroMinutes)} | ${r.outcomes.flapping} (${r.outcomes.staleFlapping}) | ${r.outcomes.instanceMinutes} | ${r.outcomes.refusedRequests} |`),
  ];
  return lines.join('\n');
}
