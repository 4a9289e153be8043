// The simulation's CloudWatch rules against the examples the CloudWatch pages give.
import { DEFAULT_ASSUMPTIONS } from './assumptions';
import { AlarmState, evaluateAlarm, MetricStore, querySeries } from './cloudwatch';
import { AlarmQuery, sortedMetric, TreatMissing } from './template';

const metric = sortedMetric('Test', 'm', [['Name', 'x']]);
const query: AlarmQuery = { id: 'm', kind: 'metric', metric, stat: 'Maximum', periodSeconds: 60, returnData: true };

/**
 * Evaluates an alarm (threshold 5, breaching above it) over five one-minute data points written oldest first as the
 * page writes them: `0` not breaching, `X` breaching, `-` missing. The evaluation range is the page's: 5 points.
 */
function evaluatePattern(pattern: string, m: number, n: number, treat: TreatMissing, current: AlarmState): AlarmState {
  const store = new MetricStore();
  pattern.split(' ').forEach((p, minute) => {
    if (p === '0') store.put(metric, minute, 1);
    if (p === 'X') store.put(metric, minute, 9);
  });
  const alarm = { queries: [query], periodSeconds: 60, threshold: 5, comparison: 'GreaterThanThreshold' as const,
    evaluationPeriods: n, datapointsToAlarm: m, treatMissing: treat };
  return evaluateAlarm(alarm, store, 5, current, {
    ...DEFAULT_ASSUMPTIONS, metricDelayMinutes: 0, evaluationRangeExtraPeriods: 5 - n,
  }).state;
}

// "Configuring how CloudWatch alarms treat missing data", the two example tables (as published in the CloudWatch User
// Guide's "Using Amazon CloudWatch alarms" page, awsdocs/amazon-cloudwatch-user-guide doc_source/AlarmThatSendsEmail.md):
// data points, then the state for MISSING, IGNORE ("retain" = current state), BREACHING, NOT BREACHING.
const RETAIN = 'retain';
const THREE_OF_THREE: Array<[string, string, string, string, string]> = [
  ['0 - X - X', 'OK', 'OK', 'OK', 'OK'],
  ['0 - - - -', 'OK', 'OK', 'OK', 'OK'],
  ['- - - - -', 'INSUFFICIENT_DATA', RETAIN, 'ALARM', 'OK'],
  ['0 X X - X', 'ALARM', 'ALARM', 'ALARM', 'ALARM'],
  ['- - - - X', 'INSUFFICIENT_DATA', RETAIN, 'ALARM', 'OK'],
  ['X - - - -', 'ALARM', RETAIN, 'ALARM', 'OK'],
];
const TWO_OF_THREE: Array<[string, string, string, string, string]> = [
  ['0 - X - X', 'ALARM', 'ALARM', 'ALARM', 'ALARM'],
  ['0 0 X 0 X', 'ALARM', 'ALARM', 'ALARM', 'ALARM'],
  ['0 - X - -', 'OK', 'OK', 'ALARM', 'OK'],
  ['- - - - 0', 'OK', 'OK', 'ALARM', 'OK'],
  ['- - - - X', 'INSUFFICIENT_DATA', RETAIN, 'ALARM', 'OK'],
];

describe('alarm evaluation, per the documented examples', () => {
  const cases = [
    ...THREE_OF_THREE.map((row) => [3, 3, ...row] as const),
    ...TWO_OF_THREE.map((row) => [2, 3, ...row] as const),
  ];
  test.each(cases)('%i of %i, data points %s: MISSING %s, IGNORE %s, BREACHING %s, NOT BREACHING %s', (m, n, pattern, missing, ignore, breaching, notBreaching) => {
    for (const current of ['OK', 'ALARM'] as const) {
      const expected = (state: string) => (state === RETAIN ? current : state);
      expect(evaluatePattern(pattern, m, n, 'missing', current)).toBe(expected(missing));
      expect(evaluatePattern(pattern, m, n, 'ignore', current)).toBe(expected(ignore));
      expect(evaluatePattern(pattern, m, n, 'breaching', current)).toBe(expected(breaching));
      expect(evaluatePattern(pattern, m, n, 'notBreaching', current)).toBe(expected(notBreaching));
    }
  });

  test('an M of N alarm counts breaching points that need not be consecutive, within the last N', () => {
    // "Evaluating an alarm": "The breaching data points do not have to be consecutive, they just must all be within
    // the last number of data points equal to Evaluation Period."
    expect(evaluatePattern('X 0 X 0 X', 3, 5, 'missing', 'OK')).toBe('ALARM');
    expect(evaluatePattern('X 0 X 0 X', 3, 4, 'missing', 'OK')).toBe('OK');
  });

  test('the newest data point is the one published metricDelayMinutes before the evaluation', () => {
    const store = new MetricStore();
    store.put(metric, 10, 9);
    const alarm = { queries: [query], periodSeconds: 60, threshold: 5, comparison: 'GreaterThanThreshold' as const,
      evaluationPeriods: 1, datapointsToAlarm: 1, treatMissing: 'missing' as const };
    const at = (now: number, delay: number) => evaluateAlarm(alarm, store, now, 'OK', { ...DEFAULT_ASSUMPTIONS, metricDelayMinutes: delay, evaluationRangeExtraPeriods: 0 }).state;
    expect(at(11, 0)).toBe('ALARM');
    expect(at(11, 1)).toBe('INSUFFICIENT_DATA');
    expect(at(12, 1)).toBe('ALARM');
    expect(at(13, 1)).toBe('INSUFFICIENT_DATA');
  });
});

describe('statistics and metric math', () => {
  test('Sum, SampleCount, Average, Minimum, Maximum over the samples of a period; no sample is no data', () => {
    const store = new MetricStore();
    store.put(metric, 0, 1, 1, 0.5);
    store.put(metric, 1, 4);
    expect(store.statistic(metric, 'Sum', 1, 0)).toBe(2.5);
    expect(store.statistic(metric, 'SampleCount', 1, 0)).toBe(3);
    expect(store.statistic(metric, 'Average', 1, 0)).toBeCloseTo(2.5 / 3);
    expect(store.statistic(metric, 'Minimum', 1, 0)).toBe(0.5);
    expect(store.statistic(metric, 'Maximum', 2, 0)).toBe(4);
    expect(store.statistic(metric, 'Sum', 1, 2)).toBeUndefined();
  });

  const other = sortedMetric('Test', 'n', [['Name', 'x']]);
  const math = (expression: string): AlarmQuery[] => [
    { id: 'a', kind: 'metric', metric, stat: 'Sum', periodSeconds: 60, returnData: false },
    { id: 'b', kind: 'metric', metric: other, stat: 'Sum', periodSeconds: 60, returnData: false },
    { id: 'e', kind: 'expression', expression, returnData: true },
  ];

  test('FILL gives every period of the range a value; over a metric without any data point, per assumption', () => {
    const store = new MetricStore();
    store.put(metric, 1, 3);
    const filled = querySeries(math('FILL(a, 0)'), store, [0, 1, 2], 1, { fillWithoutData: 'fills' });
    expect([...filled.entries()]).toEqual([[0, 0], [1, 3], [2, 0]]);
    const none = new MetricStore();
    expect(querySeries(math('FILL(a, 0)'), none, [0, 1, 2], 1, { fillWithoutData: 'fills' }).size).toBe(3);
    expect(querySeries(math('FILL(a, 0)'), none, [0, 1, 2], 1, { fillWithoutData: 'empty' }).size).toBe(0);
  });

  test('arithmetic treats a missing value as 0 where the other operand has one, and drops division by zero', () => {
    const store = new MetricStore();
    store.put(metric, 0, 5);
    store.put(metric, 1, 6);
    store.put(other, 1, 2);
    store.put(other, 2, 1);
    expect([...querySeries(math('a - b'), store, [0, 1, 2, 3], 1, { fillWithoutData: 'fills' }).entries()]).toEqual([[0, 5], [1, 4], [2, -1]]);
    expect([...querySeries(math('b / a'), store, [0, 1, 2, 3], 1, { fillWithoutData: 'fills' }).entries()]).toEqual([[0, 0], [1, 2 / 6]]);
    expect([...querySeries(math('(a + 1) * 2'), store, [0, 1], 1, { fillWithoutData: 'fills' }).entries()]).toEqual([[0, 12], [1, 14]]);
    expect(() => querySeries(math('RATE(a)'), store, [0], 1, { fillWithoutData: 'fills' })).toThrow(/unsupported/);
  });
});
