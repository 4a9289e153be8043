// What a serving mode's scaling loop must do, checked on a run's outcomes, and the table the tests print.
import { Assumptions, describeAssumptions } from './assumptions';
import { Outcomes, Scenario } from './scenarios';

/** The serving modes, as the expectations treat them. */
export type ModeKind = 'realtime' | 'realtime-scale-to-zero' | 'async';

/** "A few minutes" beyond the cold start: the alarm's one-minute data point, its publication delay, the action. */
export const FEW_MINUTES = 5;

/**
 * The problems of one run (empty when it behaves):
 * - the first request after a silence is answered within the cold start (instance and copy) plus a few minutes, and
 *   at once for an always-on endpoint;
 * - a scale-to-zero endpoint left idle reaches zero instances, within the target tracking scale-in periods plus the
 *   instance release plus a few minutes;
 * - no policy lowers a capacity while a caller is being refused (no flapping).
 */
export function loopProblems(mode: ModeKind, scenario: Scenario, outcomes: Outcomes, a: Assumptions): string[] {
  const problems: string[] = [];
  const coldStart = a.instanceStartMinutes + a.copyStartMinutes;
  if (scenario.wakeAt !== undefined) {
    const limit = mode === 'realtime' ? 0 : coldStart + a.metricDelayMinutes + FEW_MINUTES;
    if (outcomes.firstAnswerMinutes === null) problems.push('the first request after the silence is never answered');
    else if (outcomes.firstAnswerMinutes! > limit) problems.push(`the first request after the silence waits ${outcomes.firstAnswerMinutes} min (limit ${limit})`);
  }
  if (mode !== 'realtime') {
    const limit = a.targetTrackingScaleInPeriods + a.emptyInstanceReleaseMinutes + a.metricDelayMinutes + FEW_MINUTES;
    if (outcomes.timeToZeroMinutes === null) problems.push('the idle endpoint never reaches zero instances');
    else if (outcomes.timeToZeroMinutes > limit) problems.push(`the idle endpoint reaches zero after ${outcomes.timeToZeroMinutes} min (limit ${limit})`);
  }
  if (outcomes.flapping > 0) problems.push(`${outcomes.flapping} capacity decrease(s) while callers were refused`);
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
    '| mode | scenario | assumptions | first answer after idle | time to zero | flapping | instance-minutes | refused |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.mode} | ${r.scenario.name} | ${describeAssumptions(r.assumptions)} | ${minutes(r.outcomes.firstAnswerMinutes)} | `
      + `${minutes(r.outcomes.timeToZeroMinutes)} | ${r.outcomes.flapping} | ${r.outcomes.instanceMinutes} | ${r.outcomes.refusedRequests} |`),
  ];
  return lines.join('\n');
}
