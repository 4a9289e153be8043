// The traffic the simulation replays against a template, and what is measured on the run.
import { Client, LoadClient, RetryingClient } from './clients';
import { InvokeRequest } from './sagemaker';
import { MinuteRecord, simulate, SimulationEvent, SimulationRun } from './simulate';
import { Assumptions } from './assumptions';
import { readScalingModel, ScalingModel } from './template';

/** A traffic pattern over a fixed number of minutes. */
export interface Scenario {
  readonly name: string;
  readonly minutes: number;
  /** From this second on there is no traffic (until `wakeAt`, if any): time to zero is measured from here. */
  readonly silenceFrom: number;
  /** The second at which a caller that needs an answer arrives after the silence (its wait is measured). */
  readonly wakeAt?: number;
  clients(target: Omit<InvokeRequest, 'clientId'>): Client[];
  events?(model: ScalingModel, target: Omit<InvokeRequest, 'clientId'>): SimulationEvent[];
}

const HOUR = 3600;

/** The endpoint of the template (and its inference component, when it hosts one) that the traffic goes to. */
export function defaultTarget(model: ScalingModel): Omit<InvokeRequest, 'clientId'> {
  const component = model.components[0];
  if (component) return { endpointName: component.endpointName, componentName: component.name };
  const variant = model.variants[0];
  if (!variant) throw new Error('the template has no endpoint');
  return { endpointName: variant.endpointName };
}

/** Deployed warm, idle for six hours (a night), then one caller that retries every 30 s until answered; then idle. */
export const IDLE_NIGHT_THEN_RETRY: Scenario = {
  name: 'idle 6 h, then a client retrying every 30 s',
  minutes: 10 * 60,
  silenceFrom: 0,
  wakeAt: 6 * HOUR + 7,
  clients: (target) => [new RetryingClient('wake', target, 6 * HOUR + 7, 30)],
};

/** Two requests a second for an hour, then silence for three. */
export const STEADY_THEN_SILENCE: Scenario = {
  name: 'steady 120/min for 1 h, then silence',
  minutes: 4 * 60,
  silenceFrom: HOUR,
  clients: (target) => [new LoadClient('load', target, 0, HOUR, 120)],
};

/** Idle for two hours, then 600 requests a minute for ten minutes (each a different caller, no retry), then idle. */
export const BURST: Scenario = {
  name: 'idle 2 h, burst 600/min for 10 min, silence',
  minutes: 5 * 60,
  silenceFrom: 2 * HOUR + 600,
  wakeAt: 2 * HOUR,
  clients: (target) => [
    new LoadClient('burst', target, 2 * HOUR, 2 * HOUR + 600, 600),
    new RetryingClient('wake', target, 2 * HOUR, 30),
  ],
};

/**
 * Sparse traffic: a caller every 3 minutes for 3 hours, each retrying every 30 s until answered; then silence. The
 * gaps are longer than a minute and shorter than a cold start.
 */
export const SPARSE_TRAFFIC: Scenario = {
  name: 'a caller every 3 min for 3 h, then silence',
  minutes: 4 * 60,
  silenceFrom: 3 * HOUR + 60,
  clients: (target) => Array.from({ length: 60 }, (_, i) => new RetryingClient(`sparse-${i}`, target, 60 + i * 180 + 7, 30)),
};

/**
 * Bursts of 5 minutes (120 requests a minute) every 25 minutes for 6 hours, about when target tracking removes the
 * last copy: every burst meets the scale-in, the stale data points after it, or a cold start. A caller needing an
 * answer comes with the first burst.
 */
export const BURSTS_EVERY_25_MINUTES: Scenario = {
  name: 'bursts of 5 min every 25 min for 6 h',
  minutes: 8 * 60,
  silenceFrom: 6 * HOUR,
  wakeAt: 25 * 60,
  clients: (target) => [
    ...Array.from({ length: 14 }, (_, i) => new LoadClient(`burst-${i}`, target, (i + 1) * 25 * 60, (i + 1) * 25 * 60 + 300, 120)),
    new RetryingClient('wake', target, 25 * 60, 30),
  ],
};

/**
 * Steady traffic for half an hour, then a caller who comes back `minutesLater` minutes into the silence (around the
 * time target tracking removes the last copy) and retries every 30 s until answered.
 */
export function returnAfterSilence(minutesLater: number): Scenario {
  return {
    name: `steady 120/min for 30 min, a caller back ${minutesLater} min later`,
    minutes: 3 * 60,
    silenceFrom: 30 * 60,
    wakeAt: 30 * 60 + minutesLater * 60 + 7,
    clients: (target) => [
      new LoadClient('load', target, 0, 30 * 60, 120),
      new RetryingClient('wake', target, 30 * 60 + minutesLater * 60 + 7, 30),
    ],
  };
}

/**
 * CloudFormation updating every inference component of the stack at `minute` (a new model): when the update sends the
 * template's copy count (assumption `stackUpdateSendsCopyCount`), the component's desired count becomes that count: the
 * template's number, or the answer of the library's `Custom::InferenceComponentCopyCount`, which reads the desired count
 * SageMaker holds just before the update (lib/hosting/runtime/copy-count-at-deploy.ts).
 */
export function stackUpdate(minute: number): SimulationEvent {
  return {
    minute,
    description: 'stack update of the inference components',
    apply: ({ sagemaker, model, assumptions }) => {
      if (!assumptions.stackUpdateSendsCopyCount) return;
      for (const component of model.components) {
        const count = component.copyCount;
        if (typeof count === 'number') {
          sagemaker.setDesiredCopies(component.name, count);
        } else if (count.resourceType === 'Custom::InferenceComponentCopyCount') {
          sagemaker.setDesiredCopies(component.name, sagemaker.desiredCopies(component.name));
        } else {
          throw new Error(`the copy count of ${component.name} comes from ${count.resourceType}, which the simulation does not model`);
        }
      }
    },
  };
}

/** 200 requests a minute for 90 minutes (several copies), a stack update at minute 60, then silence. */
export const DEPLOY_DURING_LOAD: Scenario = {
  name: 'steady 200/min, a stack update at 60 min, silence from 90 min',
  minutes: 3 * 60,
  silenceFrom: 90 * 60,
  clients: (target) => [new LoadClient('load', target, 0, 90 * 60, 200)],
  events: () => [stackUpdate(60)],
};

/** Deployed warm and left idle (zero after about half an hour); a stack update at minute 60; still idle. */
export const DEPLOY_WHILE_IDLE: Scenario = {
  name: 'idle, a stack update at 60 min',
  minutes: 3 * 60,
  silenceFrom: 0,
  clients: () => [],
  events: () => [stackUpdate(60)],
};

export const SCENARIOS: ReadonlyArray<Scenario> = [IDLE_NIGHT_THEN_RETRY, STEADY_THEN_SILENCE, BURST, returnAfterSilence(20), SPARSE_TRAFFIC];

/** Callers of a run who were refused or queued for more than a minute before their answer: they met a cold start. */
export function coldStartsMet(run: SimulationRun): number {
  return run.clients.filter((c): c is RetryingClient => c instanceof RetryingClient && c.firstAttemptAt !== undefined
    && c.answeredAt !== undefined && c.answeredAt - c.firstAttemptAt > 60).length;
}

/** What a run shows, in minutes; `null` where it never happens within the run. */
export interface Outcomes {
  /** From the first request after the silence to its answer (served, or for async completed). */
  readonly firstAnswerMinutes: number | null | undefined;
  /**
   * From the start of the silence (for an asynchronous endpoint: from when its queue is empty after it; when a caller
   * comes back before zero was reached, from its answer) to the end of the first minute without any billed instance.
   */
  readonly timeToZeroMinutes: number | null;
  /**
   * Capacity decreases of any scalable target while a caller waits: refused and not answered yet, queued and not
   * completed, or refused in the previous minute.
   */
  readonly flapping: number;
  /**
   * Those of them made by target tracking on a data point older than the newest visible minute: its alarm
   * re-evaluating the last data points of a metric that stopped (see `ScalingActivity.stale`), which target tracking
   * acts on only under the assumption `targetTrackingValue: 'latest-datapoint'`.
   */
  readonly staleFlapping: number;
  /** Every decrease target tracking made on a stale data point, whether or not a caller waited. */
  readonly staleScaleIns: number;
  /**
   * Decreases of a capacity to 0 while requests kept arriving and being served (or queued): in each of the
   * `SUSTAINED_TRAFFIC_MINUTES` minutes before. (Refused requests are a waiting caller: `flapping` counts those.)
   * Target tracking acting on stale data points is left out: `staleScaleIns` counts it (the bounded exception of
   * `loopProblems`; an asynchronous queue filling at zero instances can meet it). A scale-to-zero loop removes the last capacity after a silence only; under traffic it is a bug of the
   * wiring (or of the simulation's model of a metric).
   */
  readonly zeroUnderTraffic: number;
  /** Instance-minutes billed over the run (starting instances included). */
  readonly instanceMinutes: number;
  readonly refusedRequests: number;
  /** Requests refused of traffic that starts with the deploy, on an endpoint deployed warm (its initial copy). */
  readonly refusedAfterWarmDeploy: number;
}

/** How many minutes in a row with requests make traffic "sustained" for `Outcomes.zeroUnderTraffic`. */
export const SUSTAINED_TRAFFIC_MINUTES = 5;

export function outcomesOf(run: SimulationRun, scenario: Scenario): Outcomes {
  const wake = run.clients.find((c): c is RetryingClient => c instanceof RetryingClient && c.id === 'wake');
  const firstAnswerMinutes = scenario.wakeAt === undefined ? undefined
    : wake?.answeredAt === undefined ? null : (wake.answeredAt - scenario.wakeAt) / 60;
  // A caller who comes back before the endpoint reached zero ends the silence: count from its answer instead.
  const zeroBeforeWake = run.minutes.some((m) => m.minute * 60 >= scenario.silenceFrom && m.instances === 0
    && (scenario.wakeAt === undefined || m.minute * 60 < scenario.wakeAt));
  const silenceFrom = scenario.wakeAt !== undefined && scenario.wakeAt >= scenario.silenceFrom && !zeroBeforeWake && wake?.answeredAt !== undefined
    ? wake.answeredAt : scenario.silenceFrom;
  const idle = run.minutes.find((m) => m.minute * 60 >= silenceFrom && m.variants.every((v) => v.backlog === 0));
  const idleFrom = idle ? Math.max(silenceFrom / 60, idle.minute) : Infinity;
  const zero = run.minutes.find((m) => m.minute >= idleFrom && m.instances === 0);
  const timeToZeroMinutes = zero ? zero.minute + 1 - idleFrom : null;
  // Policies act at the start of a minute: what waits then is what was refused or queued before.
  const waiting = (minute: number) => {
    const previous: MinuteRecord | undefined = run.minutes[minute - 1];
    return (previous?.refused ?? 0) > 0 || (previous?.variants.some((v) => v.backlog > 0) ?? false)
      || run.clients.some((c) => c instanceof RetryingClient && c.waitingAt(minute * 60));
  };
  const undone = run.activities.filter((a) => a.to < a.from && waiting(a.minute));
  return {
    firstAnswerMinutes,
    timeToZeroMinutes,
    flapping: undone.length,
    staleFlapping: undone.filter((a) => a.stale && a.policyKind === 'target-tracking').length,
    staleScaleIns: run.activities.filter((a) => a.to < a.from && a.stale && a.policyKind === 'target-tracking').length,
    zeroUnderTraffic: run.activities.filter((a) => a.to === 0 && a.from > 0 && a.minute >= SUSTAINED_TRAFFIC_MINUTES
      && !(a.stale && a.policyKind === 'target-tracking')
      && run.minutes.slice(a.minute - SUSTAINED_TRAFFIC_MINUTES, a.minute).every((m) => m.served + m.queued > 0)).length,
    instanceMinutes: run.minutes.reduce((n, m) => n + m.instances, 0),
    refusedRequests: run.minutes.reduce((n, m) => n + m.refused, 0),
    refusedAfterWarmDeploy: run.clients.filter((c): c is LoadClient => c instanceof LoadClient && c.from === 0).reduce((n, c) => n + c.refused, 0),
  };
}

/** Runs a scenario against a template: the traffic goes to the endpoint (and component) the template defines. */
export function runScenario(template: any, scenario: Scenario, assumptions: Assumptions): { run: SimulationRun; outcomes: Outcomes } {
  const model = readScalingModel(template);
  const target = defaultTarget(model);
  const run = simulate(template, assumptions, {
    minutes: scenario.minutes,
    clients: scenario.clients(target),
    events: scenario.events?.(model, target),
  });
  return { run, outcomes: outcomesOf(run, scenario) };
}
