// Several models on one fleet (lib/fleet): each model gets its own traffic, and what is measured is per model (first
// answer after idle, time to zero copies, refused requests) and per fleet (instance-minutes, minutes at zero, most
// instances), against the same traffic on one scale-to-zero endpoint per model and on always-on endpoints.
import { Assumptions } from './assumptions';
import { Client, LoadClient, RetryingClient } from './clients';
import { FEW_MINUTES } from './expectations';
import { InvokeRequest } from './sagemaker';
import { simulate, SimulationRun } from './simulate';
import { readScalingModel } from './template';

type Target = Omit<InvokeRequest, 'clientId'>;

/** The traffic of one model: its callers, the one whose first answer after idle is measured, when its traffic ends. */
export interface ModelTraffic {
  /** The model's construct id; its component's name ends with `-<id in lower case>`. */
  readonly model: string;
  readonly description: string;
  clients(target: Target): Client[];
  /** The id of the retrying caller who comes after the model was idle long enough to be at zero. */
  readonly wakeClient: string;
  /** The second at which that caller first calls. */
  readonly wakeAt: number;
  /** The second after which the model gets no request (time to zero is counted from here, or from the last answer). */
  readonly lastTrafficAt: number;
}

const MIN = 60;

/**
 * Ten hours, three models with different traffic, all deployed warm (one initial copy each):
 * - Classifier, steady: 120 requests a minute from 1 h to 4 h (it is at zero before: idle after the deploy);
 * - Scorer, bursts: 600 requests a minute for 5 minutes at 2 h, 5 h and 8 h, each burst with a caller who needs an answer;
 * - Regressor, rare: one request, at 3 h 20 min, while the classifier is busy.
 */
export const THREE_MODEL_TRAFFIC: ReadonlyArray<ModelTraffic> = [
  {
    model: 'Classifier',
    description: 'steady 120/min, 1 h to 4 h',
    clients: (t) => [new LoadClient('classifier-load', t, 60 * MIN, 240 * MIN, 120), new RetryingClient('classifier-wake', t, 60 * MIN + 7, 30)],
    wakeClient: 'classifier-wake',
    wakeAt: 60 * MIN + 7,
    lastTrafficAt: 240 * MIN,
  },
  {
    model: 'Scorer',
    description: 'bursts of 600/min for 5 min at 2 h, 5 h, 8 h',
    clients: (t) => [120, 300, 480].flatMap((m) => [
      new LoadClient(`scorer-burst-${m}`, t, m * MIN, (m + 5) * MIN, 600), new RetryingClient(`scorer-wake-${m}`, t, m * MIN + 7, 30),
    ]),
    wakeClient: 'scorer-wake-120',
    wakeAt: 120 * MIN + 7,
    lastTrafficAt: 485 * MIN,
  },
  {
    model: 'Regressor',
    description: 'one request at 3 h 20 min',
    clients: (t) => [new RetryingClient('regressor-wake', t, 200 * MIN + 7, 30)],
    wakeClient: 'regressor-wake',
    wakeAt: 200 * MIN + 7,
    lastTrafficAt: 200 * MIN + 7,
  },
];

export const FLEET_RUN_MINUTES = 10 * 60;

/** What one model saw in a run. */
export interface ModelOutcome {
  readonly model: string;
  readonly traffic: string;
  /** From its measured caller's first request to the answer, in minutes (null: never answered). */
  readonly firstAnswerMinutes: number | null;
  /** Answers after idle of every caller who needed one (minutes), the measured one included. */
  readonly wakeAnswersMinutes: ReadonlyArray<number | null>;
  /** From its last traffic (or the last answer, if later) to the end of the first minute with no copy placed. */
  readonly timeToZeroMinutes: number | null;
  /** Copies placed, summed over the minutes (its share of the instances). */
  readonly copyMinutes: number;
  readonly refused: number;
  /** Decreases of its copy count while one of its callers waited for an answer. */
  readonly flapping: number;
}

/** What the fleet as a whole saw. */
export interface FleetOutcome {
  readonly models: ReadonlyArray<ModelOutcome>;
  readonly instanceMinutes: number;
  readonly minutesAtZeroInstances: number;
  readonly maxInstances: number;
  /** From the last traffic of all models to the end of the first minute without an instance. */
  readonly fleetTimeToZeroMinutes: number | null;
  /** Minutes with no instance while a model had a copy placed or asked for one: must be none. */
  readonly zeroWhileAModelHadCopies: number;
  /** Minutes after every model had been at zero copies for longer than the release delay in which an instance still ran. */
  readonly instancesAfterAllAtZero: number;
  /** Wake-ups (step policies) of a model none of whose callers was refused in the minutes before. */
  readonly wakeUpsWithoutOwnCaller: number;
  readonly run: SimulationRun;
}

/** The component of the template that hosts `model`. */
export function componentTarget(template: any, model: string): Target {
  const components = readScalingModel(template).components.filter((c) => c.name.endsWith(`-${model.toLowerCase()}`));
  if (components.length !== 1) throw new Error(`expected one inference component for ${model}, found ${components.length}`);
  return { endpointName: components[0].endpointName, componentName: components[0].name };
}

/** Runs the traffic of every model against the fleet's template. */
export function runFleet(template: any, traffic: ReadonlyArray<ModelTraffic>, assumptions: Assumptions, minutes = FLEET_RUN_MINUTES): FleetOutcome {
  const perModel = traffic.map((t) => ({ traffic: t, target: componentTarget(template, t.model), clients: t.clients(componentTarget(template, t.model)) }));
  const run = simulate(template, assumptions, { minutes, clients: perModel.flatMap((m) => m.clients) });
  const models = perModel.map(({ traffic: t, target, clients }) => modelOutcome(run, t, target.componentName!, clients));
  const lastTraffic = Math.max(...perModel.map((p) => lastActivity(p.traffic, p.clients)));
  const fleetZero = run.minutes.find((m) => m.minute * MIN >= lastTraffic && m.instances === 0);
  const allAtZeroSince: number[] = [];
  let since: number | undefined;
  for (const m of run.minutes) {
    const allZero = m.copies.every((c) => c.placed === 0 && c.desired === 0);
    since = allZero ? since ?? m.minute : undefined;
    allAtZeroSince.push(since ?? Infinity);
  }
  const refusedBefore = (componentName: string, minute: number) => perModel.find((p) => p.target.componentName === componentName)!.clients
    .some((c) => c instanceof RetryingClient && c.firstAttemptAt !== undefined && c.firstAttemptAt < minute * MIN && c.refusals > 0
      && (c.answeredAt === undefined || c.answeredAt >= (minute - 2) * MIN));
  return {
    models,
    instanceMinutes: run.minutes.reduce((n, m) => n + m.instances, 0),
    minutesAtZeroInstances: run.minutes.filter((m) => m.instances === 0).length,
    maxInstances: Math.max(...run.minutes.map((m) => m.instances)),
    fleetTimeToZeroMinutes: fleetZero ? fleetZero.minute + 1 - lastTraffic / MIN : null,
    zeroWhileAModelHadCopies: run.minutes.filter((m) => m.instances === 0 && m.copies.some((c) => c.placed > 0 || c.running > 0)).length,
    instancesAfterAllAtZero: run.minutes.filter((m, i) => m.instances > 0 && m.minute - allAtZeroSince[i] > run.assumptions.emptyInstanceReleaseMinutes + 1).length,
    wakeUpsWithoutOwnCaller: run.activities.filter((a) => a.policyKind === 'step' && a.to > a.from)
      .filter((a) => !refusedBefore(componentOfTarget(run, a.targetId), a.minute)).length,
    run,
  };
}

function componentOfTarget(run: SimulationRun, targetId: string): string {
  const target = run.model.targets.find((t) => t.id === targetId);
  if (!target) throw new Error(`no scalable target ${targetId}`);
  return target.resourceId.replace(/^inference-component\//, '');
}

/** The last second at which the model was sent a request or answered one. */
function lastActivity(traffic: ModelTraffic, clients: Client[]): number {
  const answers = clients.filter((c): c is RetryingClient => c instanceof RetryingClient).map((c) => c.answeredAt ?? 0);
  return Math.max(traffic.lastTrafficAt, ...answers);
}

function modelOutcome(run: SimulationRun, traffic: ModelTraffic, componentName: string, clients: Client[]): ModelOutcome {
  const copies = (minute: number) => run.minutes[minute].copies.find((c) => c.name === componentName)!;
  const wakes = clients.filter((c): c is RetryingClient => c instanceof RetryingClient);
  const wake = wakes.find((c) => c.id === traffic.wakeClient)!;
  const last = lastActivity(traffic, clients);
  const zero = run.minutes.find((m) => m.minute * MIN >= last && copies(m.minute).placed === 0);
  const target = run.model.targets.find((t) => t.resourceId === `inference-component/${componentName}`)!;
  const waiting = (minute: number) => wakes.some((c) => c.waitingAt(minute * MIN));
  return {
    model: traffic.model,
    traffic: traffic.description,
    firstAnswerMinutes: wake.answeredAt === undefined ? null : (wake.answeredAt - wake.firstAttemptAt!) / MIN,
    wakeAnswersMinutes: wakes.map((c) => (c.answeredAt === undefined ? null : (c.answeredAt - c.firstAttemptAt!) / MIN)),
    timeToZeroMinutes: zero ? zero.minute + 1 - last / MIN : null,
    copyMinutes: run.minutes.reduce((n, m) => n + copies(m.minute).placed, 0),
    refused: clients.reduce((n, c) => n + (c instanceof LoadClient ? c.refused : (c as RetryingClient).refusals), 0),
    flapping: run.activities.filter((a) => a.targetId === target.id && a.to < a.from && waiting(a.minute)).length,
  };
}

/**
 * The loop's expectations for a fleet (the single-model ones of `loopProblems`, per model, plus the fleet's own):
 * every model's callers answered within a cold start plus a few minutes; every model reaches zero copies once idle;
 * no decrease while its caller waits; the fleet at zero instances only when every model is at zero copies, and at
 * zero once they all are (after the release delay); a wake-up only for a model whose caller was refused.
 */
export function fleetProblems(outcome: FleetOutcome, a: Assumptions): string[] {
  const problems: string[] = [];
  const coldStart = a.instanceStartMinutes + a.copyStartMinutes + a.metricDelayMinutes + FEW_MINUTES;
  const toZero = a.targetTrackingScaleInPeriods + a.metricDelayMinutes + FEW_MINUTES + a.evaluationRangeExtraPeriods + a.copyStartMinutes;
  for (const m of outcome.models) {
    m.wakeAnswersMinutes.forEach((w, i) => {
      if (w === null) problems.push(`${m.model}: caller ${i} never answered`);
      else if (w > coldStart) problems.push(`${m.model}: caller ${i} answered after ${w} min (limit ${coldStart})`);
    });
    if (m.timeToZeroMinutes === null) problems.push(`${m.model}: never reaches zero copies`);
    else if (m.timeToZeroMinutes > toZero) problems.push(`${m.model}: reaches zero copies after ${m.timeToZeroMinutes} min (limit ${toZero})`);
    if (m.flapping > 0) problems.push(`${m.model}: ${m.flapping} copy decrease(s) while its caller waited`);
  }
  if (outcome.zeroWhileAModelHadCopies > 0) problems.push(`${outcome.zeroWhileAModelHadCopies} minute(s) at zero instances while a model had copies`);
  if (outcome.instancesAfterAllAtZero > 0) problems.push(`${outcome.instancesAfterAllAtZero} minute(s) with instances although every model was at zero`);
  if (outcome.fleetTimeToZeroMinutes === null) problems.push('the fleet never reaches zero instances');
  if (outcome.wakeUpsWithoutOwnCaller > 0) problems.push(`${outcome.wakeUpsWithoutOwnCaller} wake-up(s) of a model nobody called`);
  return problems;
}

const minutes = (v: number | null) => (v === null ? 'never' : `${Math.round(v * 10) / 10} min`);

/** The per-model table of one run, and the fleet's line. */
export function formatFleetTable(label: string, outcome: FleetOutcome): string {
  return [
    `${label}: ${outcome.instanceMinutes} instance-minutes, ${outcome.minutesAtZeroInstances} of ${outcome.run.minutes.length} minutes at zero instances, ` +
      `at most ${outcome.maxInstances} instances, zero ${minutes(outcome.fleetTimeToZeroMinutes)} after the last request`,
    '',
    '| model | traffic | first request served after idle | every caller after idle | time to zero copies | copy-minutes | refused requests |',
    '|---|---|---|---|---|---|---|',
    ...outcome.models.map((m) => `| ${m.model} | ${m.traffic} | ${minutes(m.firstAnswerMinutes)} | ${m.wakeAnswersMinutes.map(minutes).join(', ')} | ` +
      `${minutes(m.timeToZeroMinutes)} | ${m.copyMinutes} | ${m.refused} |`),
  ].join('\n');
}
