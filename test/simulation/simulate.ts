// The minute loop. Each minute: the alarms are evaluated (CloudWatch), the policies they invoke act (Application
// Auto Scaling), SageMaker moves its copies and instances toward what is asked, the clients' requests of the minute
// are answered in time order, and the minute's metrics are published.
import { ApplicationAutoScaling, Invocation, ScalingActivity, SimulatedAlarm, targetTrackingAlarms } from './application-auto-scaling';
import { Assumptions } from './assumptions';
import { AlarmState, evaluateAlarm, MetricStore } from './cloudwatch';
import { Client } from './clients';
import { SageMaker } from './sagemaker';
import { readScalingModel, ScalingModel } from './template';

/** Something that happens at the start of a minute besides the scaling loop (a stack update, ...). */
export interface SimulationEvent {
  readonly minute: number;
  readonly description: string;
  apply(context: { readonly sagemaker: SageMaker; readonly model: ScalingModel; readonly second: number; readonly assumptions: Assumptions }): void;
}

export interface SimulationOptions {
  readonly minutes: number;
  readonly clients: ReadonlyArray<Client>;
  readonly events?: ReadonlyArray<SimulationEvent>;
}

/** The state at the end of one minute. */
export interface MinuteRecord {
  readonly minute: number;
  /** Instances existing (starting or in service), all variants: what is billed. */
  readonly instances: number;
  readonly copies: ReadonlyArray<{ readonly name: string; readonly running: number; readonly placed: number; readonly desired: number }>;
  readonly variants: ReadonlyArray<{ readonly endpoint: string; readonly instances: number; readonly ready: number; readonly desired?: number; readonly backlog: number }>;
  readonly served: number;
  readonly refused: number;
  /** Asynchronous requests accepted into the queue in the minute, and completed in it. */
  readonly queued: number;
  readonly completed: number;
  readonly alarmsInAlarm: ReadonlyArray<string>;
}

export interface SimulationRun {
  readonly model: ScalingModel;
  readonly assumptions: Assumptions;
  readonly minutes: ReadonlyArray<MinuteRecord>;
  readonly activities: ReadonlyArray<ScalingActivity>;
  readonly clients: ReadonlyArray<Client>;
}

/** Runs `options.minutes` minutes of the scaling loop the template wires, under `assumptions`. */
export function simulate(template: any, assumptions: Assumptions, options: SimulationOptions): SimulationRun {
  const model = readScalingModel(template);
  const store = new MetricStore();
  const sagemaker = new SageMaker(model.variants, model.components, store, assumptions);
  const autoscaling = new ApplicationAutoScaling(model.targets, model.policies, sagemaker.capacity, assumptions);
  // The template's alarms that act on a scaling policy, then the alarms target tracking creates.
  const alarms: SimulatedAlarm[] = [
    ...model.alarms.filter((a) => a.policyActions.length > 0),
    ...model.policies.flatMap((p) => (p.kind === 'target-tracking' ? targetTrackingAlarms(p, assumptions) : [])),
  ];
  // "When this operation creates an alarm, the alarm state is immediately set to INSUFFICIENT_DATA" (PutMetricAlarm).
  const states = new Map<string, AlarmState>(alarms.map((a) => [a.id, 'INSUFFICIENT_DATA']));
  const records: MinuteRecord[] = [];

  for (let minute = 0; minute < options.minutes; minute++) {
    const start = minute * 60;
    for (const event of options.events ?? []) {
      if (event.minute === minute) event.apply({ sagemaker, model, second: start, assumptions });
    }
    const invocations: Invocation[] = [];
    for (const alarm of alarms) {
      const evaluation = evaluateAlarm(alarm, store, minute, states.get(alarm.id)!, assumptions);
      states.set(alarm.id, evaluation.state);
      // Alarm actions: "Except for Auto Scaling actions, the actions happen only on state transitions" (Alarm actions,
      // https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-actions.html); "an alarm invokes an Auto
      // Scaling action once each minute when the alarm remains in a new state" (AWS re:Post Knowledge Center,
      // https://repost.aws/knowledge-center/autoscaling-policy-cloudwatch-alarm). The loop evaluates once a minute,
      // so a policy is invoked every minute its alarm is in ALARM, the transition included.
      if (evaluation.state !== 'ALARM') continue;
      for (const policyId of alarm.policyActions) {
        invocations.push({ alarm, policy: model.policies.find((p) => p.id === policyId)!, evaluation, state: evaluation.state });
      }
    }
    autoscaling.act(minute, invocations);
    sagemaker.reconcile(start);

    let served = 0;
    let refused = 0;
    let queued = 0;
    // A client's next request changes only when it hears an outcome (Client.next), so each is asked once a minute and
    // again after each of its own requests, not once per request of every client.
    const nextOf = options.clients.map((client) => client.next());
    for (;;) {
      let chosen = -1;
      let at = Infinity;
      for (let i = 0; i < nextOf.length; i++) {
        const next = nextOf[i];
        if (next !== undefined && next < start + 60 && next < at) { chosen = i; at = Math.max(next, start); }
      }
      if (chosen < 0) break;
      const client = options.clients[chosen];
      const outcome = sagemaker.invoke(at, { clientId: client.id, ...client.target });
      if (outcome === 'served') served++;
      if (outcome === 'refused') refused++;
      if (outcome === 'queued') queued++;
      client.outcome(at, outcome);
      nextOf[chosen] = client.next();
    }
    const completions = sagemaker.endMinute(minute);
    for (const completion of completions) {
      options.clients.find((c) => c.id === completion.clientId)?.completed(completion.second);
    }
    const end = start + 60;
    records.push({
      minute,
      instances: sagemaker.billedInstances(),
      copies: sagemaker.copyCounts(end),
      variants: sagemaker.instanceCounts(end),
      served,
      refused,
      queued,
      completed: completions.length,
      alarmsInAlarm: alarms.filter((a) => states.get(a.id) === 'ALARM').map((a) => a.id),
    });
  }
  return { model, assumptions, minutes: records, activities: autoscaling.activities, clients: options.clients };
}
