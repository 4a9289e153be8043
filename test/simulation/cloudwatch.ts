// CloudWatch as the scaling loop sees it: raw samples per metric and minute, statistics over a period, metric math,
// and alarm evaluation (M of N, missing data, the evaluation range). Time is in whole minutes from the start.
import { Assumptions } from './assumptions';
import { AlarmQuery, AlarmSpec, Comparison, metricKey, MetricId } from './template';

/** The samples published for each metric, by minute. */
export class MetricStore {
  private readonly samples = new Map<string, Map<number, number[]>>();
  /**
   * Statistics already computed, by metric key, then statistic and period, then period start. A put invalidates only
   * the periods that contain its minute: every other statistic is unchanged by it. (The loop asks for the same
   * evaluation ranges every minute; recomputing them all after each minute's puts was most of the simulation's time.)
   */
  private readonly computed = new Map<string, Map<string, { readonly periodMinutes: number; readonly byStart: Map<number, number | undefined> }>>();
  /** metricKey of each MetricId object seen (the template's ids are reused every minute). */
  private readonly keys = new WeakMap<MetricId, string>();

  /** Records samples (one value each) for a metric in a minute. */
  public put(metric: MetricId, minute: number, ...values: number[]): void {
    const key = this.keyOf(metric);
    let byMinute = this.samples.get(key);
    if (!byMinute) this.samples.set(key, byMinute = new Map());
    const list = byMinute.get(minute);
    if (list) list.push(...values);
    else byMinute.set(minute, [...values]);
    for (const { periodMinutes, byStart } of this.computed.get(key)?.values() ?? []) {
      for (let start = minute - periodMinutes + 1; start <= minute; start++) byStart.delete(start);
    }
  }

  /**
   * The statistic of a metric over the period that starts at `minute` (periods are aligned on their length), or
   * undefined when no sample was published in it ("CloudWatch statistics definitions": SampleCount, Sum, Average,
   * Minimum, Maximum).
   */
  public statistic(metric: MetricId, stat: string, periodMinutes: number, minute: number): number | undefined {
    const key = this.keyOf(metric);
    let byStat = this.computed.get(key);
    if (!byStat) this.computed.set(key, byStat = new Map());
    const statKey = `${stat}#${periodMinutes}`;
    let cache = byStat.get(statKey);
    if (!cache) byStat.set(statKey, cache = { periodMinutes, byStart: new Map() });
    if (cache.byStart.has(minute)) return cache.byStart.get(minute);
    const value = this.compute(key, stat, periodMinutes, minute);
    cache.byStart.set(minute, value);
    return value;
  }

  private keyOf(metric: MetricId): string {
    let key = this.keys.get(metric);
    if (key === undefined) this.keys.set(metric, key = metricKey(metric));
    return key;
  }

  private compute(key: string, stat: string, periodMinutes: number, minute: number): number | undefined {
    const byMinute = this.samples.get(key);
    if (!byMinute) return undefined;
    const values: number[] = [];
    for (let m = minute; m < minute + periodMinutes; m++) {
      const list = byMinute.get(m);
      if (list) values.push(...list);
    }
    if (values.length === 0) return undefined;
    switch (stat) {
      case 'Sum': return values.reduce((a, b) => a + b, 0);
      case 'SampleCount': return values.length;
      case 'Average': return values.reduce((a, b) => a + b, 0) / values.length;
      case 'Maximum': return values.reduce((a, b) => Math.max(a, b), -Infinity);
      case 'Minimum': return values.reduce((a, b) => Math.min(a, b), Infinity);
      default: throw new Error(`statistic ${stat} is not modelled`);
    }
  }
}

/** A time series: value by period start minute (absent = missing). */
type Series = Map<number, number>;

/**
 * The values of an alarm's (or a tracked metric's) returned query for each period start in `periods`. Metric math per
 * "Using metric math": basic arithmetic treats a missing value in one operand as 0 and yields a point where either
 * operand has one; division by zero drops the point; FILL(m, value) fills the missing periods of the queried range.
 */
export function querySeries(queries: ReadonlyArray<AlarmQuery>, store: MetricStore, periods: number[], periodMinutes: number,
  assumptions: Pick<Assumptions, 'fillWithoutData'>): Series {
  const byId = new Map(queries.map((q) => [q.id, q]));
  const cache = new Map<string, Series>();
  const seriesOf = (id: string): Series => {
    const cached = cache.get(id);
    if (cached) return cached;
    const q = byId.get(id);
    if (!q) throw new Error(`metric math refers to unknown id ${id}`);
    let result: Series;
    if (q.kind === 'metric') {
      result = new Map();
      for (const p of periods) {
        const v = store.statistic(q.metric, q.stat, periodMinutes, p);
        if (v !== undefined) result.set(p, v);
      }
    } else {
      const value = evaluateExpression(q.expression, seriesOf, periods, assumptions);
      if (typeof value === 'number') throw new Error(`expression ${q.expression} is a scalar, an alarm needs a time series`);
      result = value;
    }
    cache.set(id, result);
    return result;
  };
  const returned = queries.filter((q) => q.returnData);
  if (returned.length !== 1) throw new Error(`exactly one query must return data, got ${returned.length}`);
  return seriesOf(returned[0].id);
}

type Value = number | Series;

/** The tokens of each expression seen: an alarm's expression is evaluated every simulated minute. */
const TOKENS = new Map<string, ReadonlyArray<string>>();

function tokensOf(expression: string): ReadonlyArray<string> {
  let tokens = TOKENS.get(expression);
  if (tokens === undefined) {
    tokens = expression.match(/\s*([A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?|[-+*/(),])/g)?.map((t) => t.trim()) ?? [];
    if (tokens.join('') !== expression.replace(/\s+/g, '')) throw new Error(`cannot parse metric math: ${expression}`);
    TOKENS.set(expression, tokens);
  }
  return tokens;
}

/** A small evaluator of the metric math the templates use: ids, numbers, + - * /, parentheses and FILL. */
function evaluateExpression(expression: string, seriesOf: (id: string) => Series, periods: number[],
  assumptions: Pick<Assumptions, 'fillWithoutData'>): Value {
  const tokens = tokensOf(expression);
  let pos = 0;
  const peek = () => tokens[pos];
  const next = () => tokens[pos++];
  const expect = (t: string) => { if (next() !== t) throw new Error(`metric math: expected ${t} in ${expression}`); };

  const binary = (a: Value, b: Value, op: string): Value => {
    const apply = (x: number, y: number): number | undefined => {
      switch (op) {
        case '+': return x + y;
        case '-': return x - y;
        case '*': return x * y;
        default: return y === 0 ? undefined : x / y;
      }
    };
    if (typeof a === 'number' && typeof b === 'number') return apply(a, b) ?? NaN;
    const out: Series = new Map();
    const stamps = new Set<number>([...(typeof a === 'number' ? [] : a.keys()), ...(typeof b === 'number' ? [] : b.keys())]);
    for (const t of [...stamps].sort((x, y) => x - y)) {
      const x = typeof a === 'number' ? a : a.get(t) ?? 0;
      const y = typeof b === 'number' ? b : b.get(t) ?? 0;
      const v = apply(x, y);
      if (v !== undefined) out.set(t, v);
    }
    return out;
  };

  const primary = (): Value => {
    const t = next();
    if (t === '(') { const v = sum(); expect(')'); return v; }
    if (t === '-') return binary(-1, primary(), '*');
    if (/^\d/.test(t)) return Number(t);
    if (t === 'FILL') {
      expect('(');
      const series = sum();
      expect(',');
      const fill = sum();
      expect(')');
      if (typeof series === 'number' || typeof fill !== 'number') throw new Error('FILL(series, scalar) is the form modelled');
      // The all-missing case is not documented: assumption fillWithoutData.
      if (series.size === 0 && assumptions.fillWithoutData === 'empty') return new Map();
      return new Map(periods.map((p) => [p, series.get(p) ?? fill]));
    }
    if (/^[a-z]/.test(t)) return seriesOf(t);
    throw new Error(`metric math: unsupported token ${t} in ${expression}`);
  };
  const product = (): Value => {
    let v = primary();
    while (peek() === '*' || peek() === '/') { const op = next(); v = binary(v, primary(), op); }
    return v;
  };
  const sum = (): Value => {
    let v = product();
    while (peek() === '+' || peek() === '-') { const op = next(); v = binary(v, product(), op); }
    return v;
  };
  const value = sum();
  if (pos !== tokens.length) throw new Error(`metric math: trailing input in ${expression}`);
  return value;
}

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export function breaches(value: number, comparison: Comparison, threshold: number): boolean {
  switch (comparison) {
    case 'GreaterThanOrEqualToThreshold': return value >= threshold;
    case 'GreaterThanThreshold': return value > threshold;
    case 'LessThanThreshold': return value < threshold;
    default: return value <= threshold;
  }
}

/** The outcome of one evaluation: the new state and the data points it rests on (newest last). */
export interface Evaluation {
  readonly state: AlarmState;
  /** The evaluated data points (real and filled), oldest first, with their period start. */
  readonly datapoints: ReadonlyArray<{ readonly minute: number; readonly value: number | undefined }>;
  /** The newest period whose data point was visible. */
  readonly newestVisible: number;
}

/**
 * Evaluates an alarm at the start of minute `now` ("Using Amazon CloudWatch alarms", "Evaluating an alarm", and
 * "Configuring how CloudWatch alarms treat missing data"):
 * - a data point per period; the newest visible period ended `metricDelayMinutes` whole minutes ago;
 * - CloudWatch retrieves an evaluation range larger than `EvaluationPeriods` (assumption `evaluationRangeExtraPeriods`);
 * - when the range holds at least N real points, the N most recent real points are evaluated and the treatment of
 *   missing data is not used; otherwise the missing points are filled per the treatment, using as few filled points as
 *   possible, and every real point of the range is included;
 * - ALARM when at least M evaluated points breach ("Datapoints to Alarm"), else OK; `missing` with no real point in
 *   the range is INSUFFICIENT_DATA; `ignore` with no real point keeps the current state;
 * - with fewer than N real points, `missing` and `ignore` are not stated as a rule; the page's two example tables
 *   (every row of both) are reproduced by: ALARM when at least M real points breach; otherwise OK when one of them does
 *   not breach; otherwise (every real point breaches, fewer than M do) `missing` is ALARM only when the N most recent
 *   periods hold no data at all (the real points are older: "the oldest evaluated data point is breaching and there
 *   aren't any non-breaching data points") and INSUFFICIENT_DATA when one of them holds the breaching point, and
 *   `ignore` keeps the current state.
 */
export function evaluateAlarm(alarm: Pick<AlarmSpec, 'queries' | 'periodSeconds' | 'threshold' | 'comparison' | 'evaluationPeriods' | 'datapointsToAlarm' | 'treatMissing'>,
  store: MetricStore, now: number, current: AlarmState, assumptions: Assumptions): Evaluation {
  const periodMinutes = Math.max(1, Math.round(alarm.periodSeconds / 60));
  const newestVisible = now - 1 - assumptions.metricDelayMinutes;
  const n = alarm.evaluationPeriods;
  const m = alarm.datapointsToAlarm;
  const rangeLength = n + assumptions.evaluationRangeExtraPeriods;
  // The newest period that has ended by the newest visible minute.
  const newestStart = Math.floor((newestVisible + 1) / periodMinutes) * periodMinutes - periodMinutes;
  const periods: number[] = [];
  for (let i = rangeLength - 1; i >= 0; i--) {
    // Periods before the deploy (negative minutes) are queried like any other: they just hold no data.
    periods.push(newestStart - i * periodMinutes);
  }
  const series = querySeries(alarm.queries, store, periods, periodMinutes, assumptions);
  const real = periods.filter((p) => series.has(p));
  const point = (p: number) => ({ minute: p, value: series.get(p) });
  const breach = (p: number) => breaches(series.get(p)!, alarm.comparison, alarm.threshold);

  if (real.length >= n) {
    const evaluated = real.slice(-n);
    const breaching = evaluated.filter(breach).length;
    return { state: breaching >= m ? 'ALARM' : 'OK', datapoints: evaluated.map(point), newestVisible };
  }
  const realBreaching = real.filter(breach).length;
  if (alarm.treatMissing === 'breaching' || alarm.treatMissing === 'notBreaching') {
    // Missing points filled with the treatment, as few as possible: every real point plus N - real filled ones.
    const filledCount = n - real.length;
    const breaching = realBreaching + (alarm.treatMissing === 'breaching' ? filledCount : 0);
    const filled = periods.filter((p) => !series.has(p)).slice(-filledCount);
    const evaluated = periods.filter((p) => series.has(p) || filled.includes(p));
    return { state: breaching >= m ? 'ALARM' : 'OK', datapoints: evaluated.map(point), newestVisible };
  }
  const keep = alarm.treatMissing === 'ignore' ? current : 'INSUFFICIENT_DATA';
  if (real.length === 0) return { state: keep, datapoints: [], newestVisible };
  const datapoints = real.map(point);
  if (realBreaching >= m) return { state: 'ALARM', datapoints, newestVisible };
  if (realBreaching < real.length) return { state: 'OK', datapoints, newestVisible };
  if (alarm.treatMissing === 'ignore') return { state: current, datapoints, newestVisible };
  const onlyOlderData = periods.slice(-n).every((p) => !series.has(p));
  return { state: onlyOlderData ? 'ALARM' : 'INSUFFICIENT_DATA', datapoints, newestVisible };
}
