// Application Auto Scaling as the simulation runs it: step scaling and target tracking policies on SageMaker scalable
// targets, the alarms target tracking creates, cooldowns, and several policies on one target.
import { Assumptions } from './assumptions';
import { AlarmState, Evaluation } from './cloudwatch';
import { AlarmSpec, PolicySpec, ScalableTargetSpec, StepPolicySpec, TargetTrackingPolicySpec } from './template';

/** An alarm the simulation evaluates: one of the template, or one that target tracking created. */
export interface SimulatedAlarm extends Pick<AlarmSpec, 'id' | 'queries' | 'periodSeconds' | 'threshold' | 'comparison' | 'evaluationPeriods' | 'datapointsToAlarm' | 'treatMissing'> {
  readonly policyActions: ReadonlyArray<string>;
  /** For an alarm target tracking created: which way it scales. */
  readonly trackingDirection?: 'out' | 'in';
}

/**
 * The two alarms Application Auto Scaling creates for a target tracking policy ("Target tracking scaling policies for
 * Application Auto Scaling", https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-target-tracking.html:
 * it "creates and manages the CloudWatch alarms that trigger the scaling policy"): a high alarm (metric above the
 * target) and, unless scale-in is disabled, a low alarm (metric "far enough below the target value (usually more than
 * 10% lower)", "How target tracking scaling for Application Auto Scaling works"). Their data point counts are not
 * documented (assumptions). Missing data is not breaching and with no data the alarm is INSUFFICIENT_DATA, in which
 * state target tracking does not scale in (the Considerations of the target tracking page).
 */
export function targetTrackingAlarms(policy: TargetTrackingPolicySpec, assumptions: Assumptions): SimulatedAlarm[] {
  const base = { queries: policy.queries, periodSeconds: 60, treatMissing: 'missing' as const, policyActions: [policy.id] };
  const alarms: SimulatedAlarm[] = [{
    ...base, id: `${policy.id}/AlarmHigh`, trackingDirection: 'out',
    threshold: policy.targetValue, comparison: 'GreaterThanThreshold',
    evaluationPeriods: assumptions.targetTrackingScaleOutPeriods, datapointsToAlarm: assumptions.targetTrackingScaleOutPeriods,
  }];
  if (!policy.disableScaleIn) {
    alarms.push({
      ...base, id: `${policy.id}/AlarmLow`, trackingDirection: 'in',
      threshold: policy.targetValue * assumptions.targetTrackingScaleInRatio, comparison: 'LessThanThreshold',
      evaluationPeriods: assumptions.targetTrackingScaleInPeriods, datapointsToAlarm: assumptions.targetTrackingScaleInPeriods,
    });
  }
  return alarms;
}

/** A policy invoked by an alarm action in the current minute. */
export interface Invocation {
  readonly alarm: SimulatedAlarm;
  readonly policy: PolicySpec;
  readonly evaluation: Evaluation;
  readonly state: AlarmState;
}

/** A change of a scalable target's capacity. */
export interface ScalingActivity {
  readonly minute: number;
  readonly targetId: string;
  readonly policyId: string;
  readonly policyKind: PolicySpec['kind'];
  readonly alarmId: string;
  readonly from: number;
  readonly to: number;
  /**
   * Whether the policy acted on a data point older than the newest visible period: an alarm re-evaluating the last
   * data points of a metric that has stopped ("CloudWatch alarms may repeatedly re-evaluate the last set of data
   * points for a period of time after the metric has stopped flowing. This re-evaluation may cause the alarm to change
   * state and re-execute actions", Using Amazon CloudWatch alarms).
   */
  readonly stale: boolean;
}

/** Reads and writes the scalable dimension of a target (SageMaker's desired copy or instance count). */
export interface CapacityApi {
  get(target: ScalableTargetSpec): number;
  set(target: ScalableTargetSpec, value: number): void;
}

interface Cooldowns {
  /** Scale-out cooldown of the policy: until when, and the capacity before the scale-out that started it. */
  outUntil?: number;
  outBase?: number;
  /** Scale-in cooldown of the policy. */
  inUntil?: number;
}

interface Proposal {
  readonly invocation: Invocation;
  readonly desired: number;
  /** The capacity before the scale-out, when the proposal is made during the policy's scale-out cooldown. */
  readonly base: number;
}

/** Application Auto Scaling for a set of scalable targets. */
export class ApplicationAutoScaling {
  private readonly cooldowns = new Map<string, Cooldowns>();
  public readonly activities: ScalingActivity[] = [];

  constructor(
    private readonly targets: ReadonlyArray<ScalableTargetSpec>,
    private readonly policies: ReadonlyArray<PolicySpec>,
    private readonly capacity: CapacityApi,
    private readonly assumptions: Assumptions,
  ) {}

  /** Runs the policies the alarms invoked this minute (`minute` = the evaluation time, in minutes). */
  public act(minute: number, invocations: ReadonlyArray<Invocation>): void {
    for (const target of this.targets) {
      const mine = invocations.filter((i) => i.policy.targetId === target.id);
      if (mine.length === 0) continue;
      // "It will scale out the scalable target if any of the target tracking policies are ready for scale out, but
      // will scale in only if all of the target tracking policies (with the scale-in portion enabled) are ready to
      // scale in" (Target tracking scaling policies for Application Auto Scaling, Considerations).
      const trackingWithScaleIn = this.policies.filter((p): p is TargetTrackingPolicySpec =>
        p.kind === 'target-tracking' && p.targetId === target.id && !p.disableScaleIn);
      const readyToScaleIn = new Set(mine.filter((i) => i.alarm.trackingDirection === 'in').map((i) => i.policy.id));
      const trackingMayScaleIn = trackingWithScaleIn.every((p) => readyToScaleIn.has(p.id));

      if (this.assumptions.concurrentActions === 'largest-wins') {
        // "If multiple policies instruct the scalable target to scale out or in at the same time, Application Auto
        // Scaling scales based on the policy that provides the largest capacity for both scale in and scale out"
        // (PutScalingPolicy / the target tracking Considerations).
        const current = this.capacity.get(target);
        const proposals = mine.map((i) => this.propose(minute, target, i, current, trackingMayScaleIn)).filter((p): p is Proposal => p !== undefined);
        const out = proposals.filter((p) => p.desired > current);
        const chosen = out.length > 0 ? out : proposals.filter((p) => p.desired < current);
        if (chosen.length > 0) {
          const best = chosen.reduce((a, b) => (b.desired > a.desired ? b : a));
          this.apply(minute, target, best, current);
        }
      } else {
        const ordered = this.assumptions.concurrentActions === 'in-order' ? mine : [...mine].reverse();
        for (const invocation of ordered) {
          const current = this.capacity.get(target);
          const proposal = this.propose(minute, target, invocation, current, trackingMayScaleIn);
          if (proposal && proposal.desired !== current) this.apply(minute, target, proposal, current);
        }
      }
    }
  }

  /** What one invoked policy asks for, clamped to the target's bounds; undefined when it asks for nothing. */
  private propose(minute: number, target: ScalableTargetSpec, invocation: Invocation, current: number, trackingMayScaleIn: boolean): Proposal | undefined {
    const cooldown = this.cooldownOf(invocation.policy.id);
    const inScaleOutCooldown = cooldown.outUntil !== undefined && minute * 60 < cooldown.outUntil;
    // Whether this invocation scales out: a step whose adjustment raises the capacity, or target tracking's high alarm.
    const scalingOut = invocation.policy.kind === 'step'
      ? (stepDesired(invocation.policy, invocation, current) ?? current) > current
      : invocation.alarm.trackingDirection === 'out';
    const base = inScaleOutCooldown && scalingOut ? cooldown.outBase! : current;
    const raw = invocation.policy.kind === 'step'
      ? stepDesired(invocation.policy, invocation, base)
      : this.trackingDesired(invocation.policy, invocation, base, trackingMayScaleIn);
    if (raw === undefined) return undefined;
    // RegisterScalableTarget: the policies scale between MinCapacity and MaxCapacity.
    const desired = Math.min(target.max, Math.max(target.min, raw));
    // A scale-out never lowers the capacity: computed from the base of its cooldown it may come out below what
    // another policy has set since; then it is not "a larger scale out" and does nothing.
    if (scalingOut && desired <= current) return undefined;
    if (desired > current) {
      // Step scaling, "Cooldown period": during a scale-out cooldown the policy "won't increase the desired capacity
      // again unless either a larger scale out is triggered or the cooldown period ends"; the capacity added by the
      // initiating scale-out counts as part of the next one (it is computed from `base`). The same holds for target
      // tracking's scale-out cooldown (target tracking page, "Cooldown period").
      return { invocation, desired, base };
    }
    if (desired < current) {
      // Scale-in activities "are blocked until the cooldown period has expired" (both pages, "Cooldown period").
      if (cooldown.inUntil !== undefined && minute * 60 < cooldown.inUntil) return undefined;
      return { invocation, desired, base };
    }
    return undefined;
  }

  private trackingDesired(policy: TargetTrackingPolicySpec, invocation: Invocation, current: number, mayScaleIn: boolean): number | undefined {
    const points = invocation.evaluation.datapoints.filter((d) => d.value !== undefined);
    const latest = points[points.length - 1];
    if (!latest) return undefined;
    if (this.assumptions.targetTrackingValue === 'fresh-only' && latest.minute !== invocation.evaluation.newestVisible) return undefined;
    const value = this.assumptions.targetTrackingValue === 'window-average'
      ? points.reduce((n, d) => n + d.value!, 0) / points.length
      : latest.value!;
    // Target tracking "calculates the scaling adjustment based on the metric and the target value" and keeps the
    // metric "at, or close to, the specified target value" for a metric proportional to capacity (target tracking
    // page): the capacity that brings the metric to the target is current x metric / target, rounded up ("Application
    // Auto Scaling always acts conservatively by rounding up or down ... This prevents it from adding insufficient
    // capacity or removing too much capacity").
    const desired = Math.ceil((current * value) / policy.targetValue - 1e-9);
    if (invocation.alarm.trackingDirection === 'out') return desired > current ? desired : undefined;
    if (!mayScaleIn || policy.disableScaleIn) return undefined;
    return desired < current ? desired : undefined;
  }

  private apply(minute: number, target: ScalableTargetSpec, proposal: Proposal, current: number): void {
    const { invocation, desired } = proposal;
    this.capacity.set(target, desired);
    const latest = invocation.evaluation.datapoints.filter((d) => d.value !== undefined).slice(-1)[0];
    const stale = latest !== undefined && latest.minute < invocation.evaluation.newestVisible;
    this.activities.push({
      minute, targetId: target.id, policyId: invocation.policy.id, policyKind: invocation.policy.kind, alarmId: invocation.alarm.id,
      from: current, to: desired, stale,
    });
    const mine = this.cooldownOf(invocation.policy.id);
    const seconds = cooldownSeconds(invocation.policy, desired > current ? 'out' : 'in');
    if (desired > current) {
      if (!(mine.outUntil !== undefined && minute * 60 < mine.outUntil)) {
        mine.outBase = current;
        mine.outUntil = minute * 60 + seconds;
      }
      // "If another alarm triggers a scale-out activity during the scale-in cooldown period, Application Auto Scaling
      // scales out the target immediately. In this case, the scale-in cooldown period stops and doesn't complete"
      // (StepScalingPolicyConfiguration; target tracking page, "Cooldown period").
      for (const policy of this.policies.filter((p) => p.targetId === target.id)) this.cooldownOf(policy.id).inUntil = undefined;
    } else {
      mine.inUntil = minute * 60 + seconds;
    }
  }

  private cooldownOf(policyId: string): Cooldowns {
    let c = this.cooldowns.get(policyId);
    if (!c) this.cooldowns.set(policyId, c = {});
    return c;
  }
}

function cooldownSeconds(policy: PolicySpec, direction: 'out' | 'in'): number {
  if (policy.kind === 'step') return policy.cooldownSeconds;
  return direction === 'out' ? policy.scaleOutCooldownSeconds : policy.scaleInCooldownSeconds;
}

/**
 * A step policy's new capacity ("Step scaling policies for Application Auto Scaling",
 * https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-step-scaling-policies.html):
 * "Application Auto Scaling applies your specified aggregation type to the most recent metric data points" of the
 * alarm and compares the result, relative to the alarm threshold, with the step bounds ("If the metric value is above
 * the breach threshold, the lower bound is inclusive and the upper bound is exclusive. If the metric value is below
 * the breach threshold, the lower bound is exclusive and the upper bound is inclusive"); then the adjustment type:
 * ChangeInCapacity adds, ExactCapacity sets, PercentChangeInCapacity adds a rounded percentage (values above 1 rounded
 * down, between 0 and 1 to 1, and the reverse below 0), at least MinAdjustmentMagnitude.
 */
export function stepDesired(policy: StepPolicySpec, invocation: Pick<Invocation, 'evaluation' | 'alarm'>, current: number): number | undefined {
  const alarm = invocation.alarm;
  const values = invocation.evaluation.datapoints.map((d) => d.value).filter((v): v is number => v !== undefined);
  const above = alarm.comparison === 'GreaterThanThreshold' || alarm.comparison === 'GreaterThanOrEqualToThreshold';
  // An alarm in ALARM on filled (missing, treated as breaching) points only has no value to aggregate: the step just
  // beyond the threshold, on the breaching side, is taken.
  const value = values.length === 0 ? alarm.threshold + (above ? 0 : -1e-9)
    : policy.aggregation === 'Maximum' ? Math.max(...values)
      : policy.aggregation === 'Minimum' ? Math.min(...values)
        : values.reduce((a, b) => a + b, 0) / values.length;
  const diff = value - alarm.threshold;
  const isAbove = above ? diff >= 0 : diff > 0;
  const step = policy.steps.find((s) => {
    const lower = s.lower ?? -Infinity;
    const upper = s.upper ?? Infinity;
    return isAbove ? diff >= lower && diff < upper : diff > lower && diff <= upper;
  });
  if (!step) return undefined;
  switch (policy.adjustmentType) {
    case 'ChangeInCapacity': return current + step.adjustment;
    case 'ExactCapacity': return step.adjustment;
    default: {
      const raw = (current * step.adjustment) / 100;
      let change = raw > 1 ? Math.floor(raw) : raw > 0 ? 1 : raw > -1 ? (raw === 0 ? 0 : -1) : Math.ceil(raw);
      const min = policy.minAdjustmentMagnitude ?? 0;
      if (Math.abs(change) < min) change = Math.sign(change) * min;
      return current + change;
    }
  }
}
