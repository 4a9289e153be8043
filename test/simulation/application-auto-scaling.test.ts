// The simulation's Application Auto Scaling rules against the examples and statements of its pages.
import { ApplicationAutoScaling, CapacityApi, Invocation, SimulatedAlarm, stepDesired, targetTrackingAlarms } from './application-auto-scaling';
import { Assumptions, DEFAULT_ASSUMPTIONS } from './assumptions';
import { Evaluation } from './cloudwatch';
import { PolicySpec, ScalableTargetSpec, StepPolicySpec, TargetTrackingPolicySpec } from './template';

const target: ScalableTargetSpec = { id: 'T', resourceId: 'inference-component/ic', dimension: 'sagemaker:inference-component:DesiredCopyCount', min: 0, max: 20 };

function evaluation(value: number, minute = 0): Evaluation {
  return { state: 'ALARM', datapoints: [{ minute, value }], newestVisible: minute };
}

function alarmFor(policy: PolicySpec, threshold: number, comparison: SimulatedAlarm['comparison'], trackingDirection?: 'out' | 'in'): SimulatedAlarm {
  return { id: `${policy.id}-alarm`, queries: [], periodSeconds: 60, threshold, comparison, evaluationPeriods: 1, datapointsToAlarm: 1,
    treatMissing: 'missing', policyActions: [policy.id], trackingDirection };
}

function step(id: string, adjustmentType: StepPolicySpec['adjustmentType'], steps: StepPolicySpec['steps'], cooldownSeconds = 60): StepPolicySpec {
  return { id, kind: 'step', targetId: 'T', adjustmentType, aggregation: 'Average', cooldownSeconds, steps };
}

function tracking(id: string, targetValue: number, extra: Partial<TargetTrackingPolicySpec> = {}): TargetTrackingPolicySpec {
  return { id, kind: 'target-tracking', targetId: 'T', targetValue, queries: [], scaleInCooldownSeconds: 300, scaleOutCooldownSeconds: 300, disableScaleIn: false, ...extra };
}

/** Application Auto Scaling on one target whose capacity lives in a variable. */
function harness(policies: PolicySpec[], start: number, assumptions: Partial<Assumptions> = {}) {
  let capacity = start;
  const api: CapacityApi = { get: () => capacity, set: (_t, v) => { capacity = v; } };
  const aas = new ApplicationAutoScaling([target], policies, api, { ...DEFAULT_ASSUMPTIONS, ...assumptions });
  return {
    get capacity() { return capacity; },
    aas,
    invoke(minute: number, ...invocations: Array<[PolicySpec, SimulatedAlarm, number]>) {
      aas.act(minute, invocations.map(([policy, alarm, value]): Invocation => ({ policy, alarm, evaluation: evaluation(value, minute - 1), state: 'ALARM' })));
    },
  };
}

describe('step scaling ("Step scaling policies for Application Auto Scaling")', () => {
  // The page's example: threshold 50 %, PercentChangeInCapacity, scale-out steps 0-10: 0, 10-20: +10 %, 20+: +30 %;
  // scale-in steps -10-0: 0, -20--10: -10 %, below -20: -30 %.
  const out = step('out', 'PercentChangeInCapacity', [{ lower: 0, upper: 10, adjustment: 0 }, { lower: 10, upper: 20, adjustment: 10 }, { lower: 20, adjustment: 30 }]);
  const scaleIn = step('in', 'PercentChangeInCapacity', [{ lower: -10, upper: 0, adjustment: 0 }, { lower: -20, upper: -10, adjustment: -10 }, { upper: -20, adjustment: -30 }]);
  const high = alarmFor(out, 50, 'GreaterThanOrEqualToThreshold');
  const low = alarmFor(scaleIn, 50, 'LessThanOrEqualToThreshold');

  test('the page\'s walk-through: 10 -> 11 at 60 %, 11 -> 14 at 70 %, 14 -> 13 at 40 %, 13 -> 10 at 30 %', () => {
    expect(stepDesired(out, { alarm: high, evaluation: evaluation(60) }, 10)).toBe(11);
    expect(stepDesired(out, { alarm: high, evaluation: evaluation(70) }, 11)).toBe(14);
    expect(stepDesired(scaleIn, { alarm: low, evaluation: evaluation(40) }, 14)).toBe(13);
    expect(stepDesired(scaleIn, { alarm: low, evaluation: evaluation(30) }, 13)).toBe(10);
    // "The current and desired capacity is maintained while the aggregated metric value is greater than 40 and less than 60."
    expect(stepDesired(out, { alarm: high, evaluation: evaluation(55) }, 10)).toBe(10);
  });

  test('bounds: above the threshold the lower bound is inclusive; below it the upper bound is inclusive', () => {
    expect(stepDesired(out, { alarm: high, evaluation: evaluation(70) }, 10)).toBe(13);
    expect(stepDesired(scaleIn, { alarm: low, evaluation: evaluation(40) }, 10)).toBe(9);
    expect(stepDesired(scaleIn, { alarm: low, evaluation: evaluation(30) }, 10)).toBe(7);
  });

  test('PercentChangeInCapacity rounding: 12.7 -> 12, 0.67 -> 1, -0.58 -> -1, -6.67 -> -6; MinAdjustmentMagnitude', () => {
    const pct = (adjustment: number, minAdjustmentMagnitude?: number) => ({ ...step('p', 'PercentChangeInCapacity', [{ lower: 0, adjustment }]), minAdjustmentMagnitude });
    const a = alarmFor(out, 0, 'GreaterThanOrEqualToThreshold');
    expect(stepDesired(pct(127), { alarm: a, evaluation: evaluation(1) }, 10)).toBe(22);
    expect(stepDesired(pct(67), { alarm: a, evaluation: evaluation(1) }, 1)).toBe(2);
    expect(stepDesired(pct(-58), { alarm: a, evaluation: evaluation(1) }, 1)).toBe(0);
    expect(stepDesired(pct(-667), { alarm: a, evaluation: evaluation(1) }, 1)).toBe(-5);
    // "suppose that you create a policy that adds 25 percent and you specify a minimum amount of 2 ... capacity of 4".
    expect(stepDesired(pct(25, 2), { alarm: a, evaluation: evaluation(1) }, 4)).toBe(6);
  });

  test('ChangeInCapacity adds, ExactCapacity sets; aggregation applies to the alarm\'s latest data points', () => {
    const add = step('add', 'ChangeInCapacity', [{ lower: 0, adjustment: 1 }]);
    const exact = step('exact', 'ExactCapacity', [{ upper: 0, adjustment: 0 }]);
    expect(stepDesired(add, { alarm: alarmFor(add, 1, 'GreaterThanOrEqualToThreshold'), evaluation: evaluation(1) }, 0)).toBe(1);
    expect(stepDesired(exact, { alarm: alarmFor(exact, 1, 'LessThanThreshold'), evaluation: evaluation(0) }, 3)).toBe(0);
    const max = { ...add, aggregation: 'Maximum' as const };
    const twoPoints: Evaluation = { state: 'ALARM', datapoints: [{ minute: 0, value: 0 }, { minute: 1, value: 4 }], newestVisible: 1 };
    const steps = { ...max, steps: [{ lower: 0, upper: 2, adjustment: 1 }, { lower: 2, adjustment: 5 }] };
    expect(stepDesired(steps, { alarm: alarmFor(add, 1, 'GreaterThanOrEqualToThreshold'), evaluation: twoPoints }, 0)).toBe(5);
    expect(stepDesired({ ...steps, aggregation: 'Average' }, { alarm: alarmFor(add, 1, 'GreaterThanOrEqualToThreshold'), evaluation: twoPoints }, 0)).toBe(1);
    expect(stepDesired({ ...steps, aggregation: 'Minimum' }, { alarm: alarmFor(add, 0, 'GreaterThanOrEqualToThreshold'), evaluation: twoPoints }, 0)).toBe(1);
  });

  test('cooldown: a repeated scale-out counts the capacity the first one added; a scale-in waits for its cooldown', () => {
    // "when an alarm triggers a step scaling policy to increase the capacity by 2, ... If the alarm triggers again during
    // the cooldown period but at a more aggressive step adjustment of 3, the previous increase of 2 is considered part of
    // the current capacity. Therefore, only 1 is added to the capacity."
    const policy = step('s', 'ChangeInCapacity', [{ lower: 0, upper: 10, adjustment: 2 }, { lower: 10, adjustment: 3 }], 300);
    const a = alarmFor(policy, 0, 'GreaterThanOrEqualToThreshold');
    const h = harness([policy], 10);
    h.invoke(1, [policy, a, 5]);
    expect(h.capacity).toBe(12);
    h.invoke(2, [policy, a, 5]);
    expect(h.capacity).toBe(12);
    h.invoke(3, [policy, a, 50]);
    expect(h.capacity).toBe(13);
    h.invoke(7, [policy, a, 5]);
    expect(h.capacity).toBe(15);
    const down = step('d', 'ChangeInCapacity', [{ upper: 0, adjustment: -1 }], 300);
    const da = alarmFor(down, 0, 'LessThanThreshold');
    const g = harness([down], 5);
    g.invoke(1, [down, da, -1]);
    g.invoke(2, [down, da, -1]);
    expect(g.capacity).toBe(4);
    g.invoke(6, [down, da, -1]);
    expect(g.capacity).toBe(3);
  });

  test('in its cooldown a scale-out that is not larger does nothing, and never lowers what another policy set since', () => {
    // "won't increase the desired capacity again unless either a larger scale out is triggered or the cooldown period
    // ends": from its base (1) the +1 step asks for 2; target tracking has set 4 since: the step does nothing.
    const wake = step('wake', 'ChangeInCapacity', [{ lower: 0, adjustment: 1 }], 300);
    const tt = tracking('tt', 5);
    const h = harness([wake, tt], 0);
    h.invoke(1, [wake, alarmFor(wake, 1, 'GreaterThanOrEqualToThreshold'), 1]);
    expect(h.capacity).toBe(1);
    h.invoke(2, [tt, alarmFor(tt, 5, 'GreaterThanThreshold', 'out'), 20]);
    expect(h.capacity).toBe(4);
    for (const concurrentActions of ['largest-wins', 'in-order', 'reverse-order'] as const) {
      const g = harness([wake, tt], 0, { concurrentActions });
      g.invoke(1, [wake, alarmFor(wake, 1, 'GreaterThanOrEqualToThreshold'), 1]);
      g.invoke(2, [tt, alarmFor(tt, 5, 'GreaterThanThreshold', 'out'), 20]);
      g.invoke(3, [wake, alarmFor(wake, 1, 'GreaterThanOrEqualToThreshold'), 1]);
      expect(g.capacity).toBe(4);
    }
  });

  test('a scale-out cancels a running scale-in cooldown (StepScalingPolicyConfiguration, target tracking "Cooldown period")', () => {
    const down = step('d', 'ChangeInCapacity', [{ upper: 0, adjustment: -1 }], 600);
    const up = step('u', 'ChangeInCapacity', [{ lower: 0, adjustment: 1 }], 60);
    const h = harness([down, up], 5);
    h.invoke(1, [down, alarmFor(down, 0, 'LessThanThreshold'), -1]);
    expect(h.capacity).toBe(4);
    h.invoke(2, [down, alarmFor(down, 0, 'LessThanThreshold'), -1]);
    expect(h.capacity).toBe(4);
    h.invoke(3, [up, alarmFor(up, 0, 'GreaterThanOrEqualToThreshold'), 1]);
    expect(h.capacity).toBe(5);
    h.invoke(4, [down, alarmFor(down, 0, 'LessThanThreshold'), -1]);
    expect(h.capacity).toBe(4);
  });
});

describe('several policies on one target (PutScalingPolicy; target tracking Considerations)', () => {
  const zero = step('zero', 'ExactCapacity', [{ upper: 0, adjustment: 0 }]);
  const one = step('one', 'ChangeInCapacity', [{ lower: 0, adjustment: 1 }]);
  const zeroAlarm = alarmFor(zero, 1, 'LessThanThreshold');
  const oneAlarm = alarmFor(one, 1, 'GreaterThanOrEqualToThreshold');

  test('invoked together, the largest capacity wins', () => {
    const h = harness([zero, one], 0);
    h.invoke(1, [zero, zeroAlarm, 0], [one, oneAlarm, 1]);
    expect(h.capacity).toBe(1);
  });

  test('applied one after the other (assumption concurrentActions), the last one wins', () => {
    const inOrder = harness([zero, one], 0, { concurrentActions: 'in-order' });
    inOrder.invoke(1, [zero, zeroAlarm, 0], [one, oneAlarm, 1]);
    expect(inOrder.capacity).toBe(1);
    const reverse = harness([zero, one], 0, { concurrentActions: 'reverse-order' });
    reverse.invoke(1, [zero, zeroAlarm, 0], [one, oneAlarm, 1]);
    expect(reverse.capacity).toBe(0);
  });

  test('a step policy scales in where target tracking would not ("conflicts ... can cause undesirable behavior")', () => {
    const tt = tracking('tt', 10);
    const h = harness([tt, zero], 2);
    h.invoke(1, [zero, zeroAlarm, 0]);
    expect(h.capacity).toBe(0);
  });

  test('target tracking scales in only when every target tracking policy with scale-in enabled is ready to', () => {
    const a = tracking('a', 10);
    const b = tracking('b', 10);
    const lowA = alarmFor(a, 9, 'LessThanThreshold', 'in');
    const lowB = alarmFor(b, 9, 'LessThanThreshold', 'in');
    const h = harness([a, b], 4);
    h.invoke(1, [a, lowA, 2]);
    expect(h.capacity).toBe(4);
    h.invoke(2, [a, lowA, 2], [b, lowB, 5]);
    expect(h.capacity).toBe(2);
    const disabled = tracking('b', 10, { disableScaleIn: true });
    const g = harness([a, disabled], 4);
    g.invoke(1, [a, lowA, 2]);
    expect(g.capacity).toBe(1);
  });
});

describe('target tracking', () => {
  test('capacity = ceil(current x metric / target), out fast, in when low, to 0 on real zeros, never from 0', () => {
    const tt = tracking('tt', 100, { scaleOutCooldownSeconds: 0, scaleInCooldownSeconds: 0 });
    const [high, low] = targetTrackingAlarms(tt, DEFAULT_ASSUMPTIONS);
    expect(high).toMatchObject({ threshold: 100, comparison: 'GreaterThanThreshold', evaluationPeriods: 3, datapointsToAlarm: 3, treatMissing: 'missing' });
    expect(low).toMatchObject({ threshold: 90, comparison: 'LessThanThreshold', evaluationPeriods: 15, datapointsToAlarm: 15, treatMissing: 'missing' });
    const h = harness([tt], 2);
    h.invoke(1, [tt, high, 150]);
    expect(h.capacity).toBe(3);
    h.invoke(2, [tt, low, 40]);
    expect(h.capacity).toBe(2);
    h.invoke(3, [tt, low, 0]);
    expect(h.capacity).toBe(0);
    h.invoke(4, [tt, high, 500]);
    expect(h.capacity).toBe(0);
  });

  test('no low alarm with scale-in disabled; scale-in cooldown; the value used per assumption targetTrackingValue', () => {
    expect(targetTrackingAlarms(tracking('x', 5, { disableScaleIn: true }), DEFAULT_ASSUMPTIONS)).toHaveLength(1);
    const tt = tracking('tt', 100);
    const low = targetTrackingAlarms(tt, DEFAULT_ASSUMPTIONS)[1];
    const h = harness([tt], 4);
    h.invoke(1, [tt, low, 50]);
    expect(h.capacity).toBe(2);
    h.invoke(2, [tt, low, 0]);
    expect(h.capacity).toBe(2);
    h.invoke(6, [tt, low, 0]);
    expect(h.capacity).toBe(0);
    // A stale data point (the metric stopped two minutes before the newest visible minute).
    const stale: Evaluation = { state: 'ALARM', datapoints: [{ minute: 5, value: 0 }], newestVisible: 7 };
    for (const [value, expected] of [['latest-datapoint', 0], ['fresh-only', 3]] as const) {
      let capacity = 3;
      const aas = new ApplicationAutoScaling([target], [tt], { get: () => capacity, set: (_t, v) => { capacity = v; } },
        { ...DEFAULT_ASSUMPTIONS, targetTrackingValue: value });
      aas.act(8, [{ policy: tt, alarm: low, evaluation: stale, state: 'ALARM' }]);
      expect(capacity).toBe(expected);
    }
  });

  test('bounds: the target\'s min and max clamp every policy', () => {
    const add = step('add', 'ChangeInCapacity', [{ lower: 0, adjustment: 5 }]);
    const h = harness([add], 18);
    h.invoke(1, [add, alarmFor(add, 0, 'GreaterThanOrEqualToThreshold'), 1]);
    expect(h.capacity).toBe(20);
    expect(h.aas.activities).toEqual([expect.objectContaining({ from: 18, to: 20, policyId: 'add' })]);
  });
});
