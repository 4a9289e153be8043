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

export const SCENARIOS: ReadonlyArray<Scenario> = [IDLE_NIGHT_THEN_RETRY, STEADY_THEN_SILENCE, BURST];

/** What a run shows, in minutes; `null` where it never happens within the run. */
export interface Outcomes {
  /** From the first request after the silence to its answer (served, or for async completed). */
  readonly firstAnswerMinutes: number | null | undefined;
  /**
   * From the start of the silence (for an asynchronous endpoint: from when its queue is empty after it) to the end of
   * the first minute without any billed instance.
   */
  readonly timeToZeroMinutes: number | null;
  /** Capacity decreases of any scalable target while a caller is being refused (or was in the previous minute). */
  readonly flapping: number;
  /** Instance-minutes billed over the run (starting instances included). */
  readonly instanceMinutes: number;
  readonly refusedRequests: number;
}

export function outcomesOf(run: SimulationRun, scenario: Scenario): Outcomes {
  const wake = run.clients.find((c): c is RetryingClient => c instanceof RetryingClient && c.id === 'wake');
  const firstAnswerMinutes = scenario.wakeAt === undefined ? undefined
    : wake?.answeredAt === undefined ? null : (wake.answeredAt - scenario.wakeAt) / 60;
  const idle = run.minutes.find((m) => m.minute * 60 >= scenario.silenceFrom && m.variants.every((v) => v.backlog === 0));
  const idleFrom = idle ? Math.max(scenario.silenceFrom / 60, idle.minute) : Infinity;
  const zero = run.minutes.find((m) => m.minute >= idleFrom && m.instances === 0);
  const timeToZeroMinutes = zero ? zero.minute + 1 - idleFrom : null;
  const refusing = (minute: number) => {
    const previous: MinuteRecord | undefined = run.minutes[minute - 1];
    return (previous?.refused ?? 0) > 0 || (run.minutes[minute]?.refused ?? 0) > 0
      || run.clients.some((c) => c instanceof RetryingClient && c.waitingAt(minute * 60));
  };
  const flapping = run.activities.filter((a) => a.to < a.from && refusing(a.minute)).length;
  return {
    firstAnswerMinutes,
    timeToZeroMinutes,
    flapping,
    instanceMinutes: run.minutes.reduce((n, m) => n + m.instances, 0),
    refusedRequests: run.minutes.reduce((n, m) => n + m.refused, 0),
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
