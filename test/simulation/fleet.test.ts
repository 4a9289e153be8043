// Three models on one fleet (examples/multi-model), replayed through the simulated CloudWatch, Application Auto
// Scaling and SageMaker from the example's synthesized template: each model scales to zero on its own, the fleet
// reaches zero instances only when every model is at zero, and a call to one model wakes that model only.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Template } from 'aws-cdk-lib/assertions';
import { MultiModelStack } from '../../examples/multi-model/stack';
import { InstanceType, ServingMode } from '../../lib';
import { fastApp } from '../helpers/synth-checks';
import { Assumptions, assumptionMatrix, DEFAULT_ASSUMPTIONS, describeAssumptions } from './assumptions';
import { LoadClient, RetryingClient } from './clients';
import { FLEET_RUN_MINUTES, fleetProblems, formatFleetTable, runFleet, THREE_MODEL_TRAFFIC } from './fleet-scenarios';
import { simulate } from './simulate';
import { readScalingModel } from './template';
import { endpointTemplate } from './templates';

/** The example's template (ml.g5.xlarge, 0-3 instances), or the same example on one 4-GPU instance. */
export function exampleTemplate(instanceType?: InstanceType, maxInstanceCount?: number): any {
  const app = fastApp();
  const stack = new MultiModelStack(app, 'MultiModelSim', { archiveDir: fs.mkdtempSync(path.join(os.tmpdir(), 'sim-archive-')), instanceType, maxInstanceCount });
  return Template.fromStack(stack).toJSON();
}

const xlarge = exampleTemplate();
const twelveXlarge = exampleTemplate(InstanceType.ML_G5_12XLARGE, 1);
const tables: string[] = [];

/** The undocumented rules that matter for a fleet, varied one at a time. */
const FLEET_FIELDS: Array<keyof Assumptions> = ['refusedCountsAsInvocation', 'emptyInstanceReleaseMinutes', 'copyStartMinutes', 'targetTrackingValue', 'concurrentActions', 'metricDelayMinutes'];
function oneAtATime(): Assumptions[] {
  const all = FLEET_FIELDS.flatMap((f) => assumptionMatrix([f]));
  return all.filter((a, i) => all.findIndex((b) => describeAssumptions(b) === describeAssumptions(a)) === i);
}

describe('three models on one fleet, each with its own traffic (the multi-model example\'s template)', () => {
  test.each([
    ['ml.g5.xlarge, 0-3 instances (the example)', xlarge],
    ['ml.g5.12xlarge, 0-1 instance', twelveXlarge],
  ])('%s: every caller answered within a cold start, each model to zero on its own, the fleet at zero only when all are, under every assumption', (_label, template) => {
    const problems: string[] = [];
    for (const a of oneAtATime()) problems.push(...fleetProblems(runFleet(template, THREE_MODEL_TRAFFIC, a), a).map((p) => `[${describeAssumptions(a)}] ${p}`));
    expect(problems).toEqual([]);
  });

  test('the example, default assumptions: the numbers of the table in docs/multi-model.md', () => {
    const outcome = runFleet(xlarge, THREE_MODEL_TRAFFIC, DEFAULT_ASSUMPTIONS);
    tables.push(formatFleetTable('ml.g5.xlarge fleet (the example), default assumptions', outcome));
    const [classifier, scorer, regressor] = outcome.models;
    // Each idle model: a cold start (instance 2 min + copy 3 min + the alarm's minute + publication delay).
    expect(classifier.firstAnswerMinutes).toBe(7);
    expect(scorer.firstAnswerMinutes).toBe(7);
    expect(regressor.firstAnswerMinutes).toBe(7);
    // 15 idle one-minute points for target tracking's scale-in alarm, plus the publication delay.
    for (const m of outcome.models) expect(m.timeToZeroMinutes).toBeLessThanOrEqual(17);
    expect(outcome.zeroWhileAModelHadCopies).toBe(0);
    expect(outcome.fleetTimeToZeroMinutes).toBeLessThanOrEqual(27);
    expect(outcome.maxInstances).toBeLessThanOrEqual(3);
  });

  test('on a 4-GPU instance a model called while another serves starts a copy only: no instance to wait for', () => {
    const outcome = runFleet(twelveXlarge, THREE_MODEL_TRAFFIC, DEFAULT_ASSUMPTIONS);
    tables.push(formatFleetTable('ml.g5.12xlarge fleet (one 4-GPU instance), default assumptions', outcome));
    const regressor = outcome.models.find((m) => m.model === 'Regressor')!;
    // The regressor is called at 3 h 20 min, while the classifier's copies keep the instance: copy start + alarm.
    expect(regressor.firstAnswerMinutes).toBeLessThan(runFleet(xlarge, THREE_MODEL_TRAFFIC, DEFAULT_ASSUMPTIONS).models[2].firstAnswerMinutes!);
    expect(outcome.maxInstances).toBe(1);
  });

  test('the fleet\'s instance-minutes are no more than one scale-to-zero endpoint per model (same traffic), and far below always-on', () => {
    const fleet = runFleet(xlarge, THREE_MODEL_TRAFFIC, DEFAULT_ASSUMPTIONS);
    // One ServingMode.realtimeScaleToZero() endpoint per model, on ml.g5.xlarge, each with only its model's traffic.
    const single = endpointTemplate({ servingMode: ServingMode.realtimeScaleToZero({ maxInstanceCount: 2, maxCopyCount: 2, invocationsPerCopyTarget: 300 }) });
    const target = { endpointName: readComponent(single).endpointName, componentName: readComponent(single).name };
    const separate = THREE_MODEL_TRAFFIC.map((t) => simulate(single, DEFAULT_ASSUMPTIONS, { minutes: FLEET_RUN_MINUTES, clients: t.clients(target) })
      .minutes.reduce((n, m) => n + m.instances, 0));
    const separateTotal = separate.reduce((a, b) => a + b, 0);
    tables.push(`Same traffic, one scale-to-zero endpoint per model (ml.g5.xlarge): ${separate.join(' + ')} = ${separateTotal} instance-minutes; ` +
      `three always-on ml.g5.xlarge endpoints: ${3 * FLEET_RUN_MINUTES}.`);
    expect(fleet.instanceMinutes).toBeLessThanOrEqual(separateTotal);
    // Less than a third of three always-on endpoints.
    expect(fleet.instanceMinutes).toBeLessThan(FLEET_RUN_MINUTES);
  });

  test('the fleet check can fail: a model that never scales in (min 1 copy) keeps the fleet from zero, and the check says so', () => {
    const pinned = JSON.parse(JSON.stringify(xlarge));
    for (const r of Object.values<any>(pinned.Resources)) {
      if (r.Type === 'AWS::ApplicationAutoScaling::ScalableTarget' && String(r.Properties.ResourceId).endsWith('-regressor')) r.Properties.MinCapacity = 1;
    }
    const problems = fleetProblems(runFleet(pinned, THREE_MODEL_TRAFFIC, DEFAULT_ASSUMPTIONS), DEFAULT_ASSUMPTIONS);
    expect(problems).toContainEqual(expect.stringMatching(/Regressor: never reaches zero copies/));
    expect(problems).toContainEqual('the fleet never reaches zero instances');
  });

  test('a call to one model wakes that model only; the busy model\'s copies are not touched by the idle ones\' scale-in', () => {
    const outcome = runFleet(xlarge, THREE_MODEL_TRAFFIC, DEFAULT_ASSUMPTIONS);
    expect(outcome.wakeUpsWithoutOwnCaller).toBe(0);
    const steps = outcome.run.activities.filter((a) => a.policyKind === 'step');
    // One wake-up per time a model was called at zero: classifier once, scorer three bursts, regressor once.
    expect(steps.length).toBe(5);
    // While the classifier serves (1 h - 4 h), its copies are never lowered to zero.
    const classifierTarget = outcome.run.model.targets.find((t) => t.resourceId.endsWith('-classifier'))!;
    expect(outcome.run.activities.filter((a) => a.targetId === classifierTarget.id && a.to === 0 && a.minute > 70 && a.minute < 240)).toEqual([]);
  });

  test('a single retrying caller per model, nothing else: the same loop (sanity of the per-model targets)', () => {
    const model = (name: string) => {
      const c = readComponentNamed(xlarge, name);
      return { endpointName: c.endpointName, componentName: c.name };
    };
    const callers = [new RetryingClient('a', model('classifier'), 3600 + 7), new LoadClient('b', model('scorer'), 0, 600, 60)];
    const run = simulate(xlarge, DEFAULT_ASSUMPTIONS, { minutes: 120, clients: callers });
    expect(callers[0] instanceof RetryingClient && callers[0].answeredAt).toBeDefined();
    expect(run.minutes[119].instances).toBe(0);
  });
});

function readComponent(template: any): { name: string; endpointName: string } {
  return readScalingModel(template).components[0];
}

function readComponentNamed(template: any, suffix: string): { name: string; endpointName: string } {
  return readScalingModel(template).components.find((c) => c.name.endsWith(`-${suffix}`))!;
}

afterAll(() => {
  if (tables.length > 0) console.log(`Three models on one fleet, simulated (test/simulation/fleet.test.ts):\n\n${tables.join('\n\n')}`);
});
