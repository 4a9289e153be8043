// Each serving mode's synthesized template, replayed minute by minute through the simulated CloudWatch, Application
// Auto Scaling and SageMaker (test/simulation/README.md), under every value of every undocumented rule.
import * as cdk from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { InferenceComponentAutoScaling, InstanceType, ModelData, RealtimeEndpoint, ServingMode } from '../../lib';
import { fastApp } from '../helpers/synth-checks';
import { Assumptions, assumptionMatrix, ASSUMPTION_VALUES, DEFAULT_ASSUMPTIONS, describeAssumptions } from './assumptions';
import { LoadClient, RetryingClient } from './clients';
import { formatTable, loopProblems, ModeKind, TableRow } from './expectations';
import { BURSTS_EVERY_25_MINUTES, coldStartsMet, DEPLOY_DURING_LOAD, DEPLOY_WHILE_IDLE, IDLE_NIGHT_THEN_RETRY, returnAfterSilence, runScenario, Scenario, SCENARIOS, SPARSE_TRAFFIC, STEADY_THEN_SILENCE } from './scenarios';
import { simulate } from './simulate';
import { readScalingModel } from './template';
import { endpointTemplate, modeTemplates, templateBeforeIssue17 } from './templates';

const templates = modeTemplates();
const table: TableRow[] = [];

/** Every undocumented rule varied one at a time, the others at their defaults. */
function oneAtATime(): Assumptions[] {
  const fields = Object.keys(ASSUMPTION_VALUES) as Array<keyof Assumptions>;
  const all = fields.flatMap((field) => assumptionMatrix([field]));
  return all.filter((a, i) => all.findIndex((b) => describeAssumptions(b) === describeAssumptions(a)) === i);
}

function problemsOf(mode: ModeKind, template: any, assumptions: Assumptions[], scenarios: ReadonlyArray<Scenario> = SCENARIOS): string[] {
  const problems: string[] = [];
  for (const a of assumptions) {
    for (const scenario of scenarios) {
      const { outcomes } = runScenario(template, scenario, a);
      problems.push(...loopProblems(mode, scenario, outcomes, a).map((p) => `${scenario.name} [${describeAssumptions(a)}]: ${p}`));
    }
  }
  return problems;
}

/** Callers coming back around the minutes target tracking removes the last copy, when its alarms hold stale points. */
const AROUND_SCALE_IN = [15, 16, 17, 18, 20].map(returnAfterSilence);
/** The rules that decide how policies meet in those minutes, crossed. */
const RACE_FIELDS: Array<keyof Assumptions> = ['refusedCountsAsInvocation', 'concurrentActions', 'targetTrackingValue', 'evaluationRangeExtraPeriods'];

describe('the scale-to-zero wiring before issue 17 (its template, kept as a fixture)', () => {
  const before = templateBeforeIssue17();

  test('locks at zero when a refused request is not an invocation: the retrying caller is never answered', () => {
    const { outcomes, run } = runScenario(before, IDLE_NIGHT_THEN_RETRY, DEFAULT_ASSUMPTIONS);
    expect(outcomes.firstAnswerMinutes).toBeNull();
    // The wake-up policy adds the copy, the idle alarm (still in ALARM: refused requests are no invocations) sets the
    // count back to 0 the next minute, and so on for as long as the caller retries.
    const afterWake = run.activities.filter((a) => a.minute >= 360);
    expect(afterWake.length).toBeGreaterThan(100);
    expect(afterWake.filter((a) => a.to === 0).every((a) => a.policyId.includes('ScaleToZero'))).toBe(true);
    expect(afterWake.filter((a) => a.to === 1).every((a) => a.policyId.includes('ScaleFromZero'))).toBe(true);
  });

  test('also removes the deployed copy right after the deploy: FILL gives the minutes before it the value 0', () => {
    const { run, outcomes } = runScenario(before, STEADY_THEN_SILENCE, DEFAULT_ASSUMPTIONS);
    expect(run.activities[0]).toMatchObject({ minute: 0, from: 1, to: 0 });
    expect(outcomes.refusedRequests).toBe(120 * 60);
  });

  test('wakes only if refused requests count as invocations, the one assumption the documentation does not settle', () => {
    const { outcomes } = runScenario(before, IDLE_NIGHT_THEN_RETRY, { ...DEFAULT_ASSUMPTIONS, refusedCountsAsInvocation: true });
    expect(outcomes.firstAnswerMinutes).toBeLessThanOrEqual(10);
  });

  test('fails the loop expectations under both assumptions about refused requests (the expectations can fail)', () => {
    for (const refusedCountsAsInvocation of [false, true]) {
      expect(problemsOf('realtime-scale-to-zero', before, [{ ...DEFAULT_ASSUMPTIONS, refusedCountsAsInvocation }])).not.toEqual([]);
    }
  });
});

describe('real time, always on, with autoscaling', () => {
  test('answers at once, never reaches zero by design, no flapping, under every assumption', () => {
    expect(problemsOf('realtime', templates.realtime, oneAtATime())).toEqual([]);
  });
});

describe('real time, scale to zero: target tracking to 0, a NoCapacityInvocationFailures step policy out of 0', () => {
  const template = templates['realtime-scale-to-zero'];

  test('wakes within the cold start, reaches zero, no policy undoes another, under every assumption', () => {
    expect(problemsOf('realtime-scale-to-zero', template, oneAtATime())).toEqual([]);
  });

  test('bursts every 25 minutes, around the scale-in: every burst answered, no flapping beyond the stale exception', () => {
    expect(problemsOf('realtime-scale-to-zero', template, oneAtATime(), [BURSTS_EVERY_25_MINUTES])).toEqual([]);
  });

  test('callers coming back while target tracking removes the last copy: every way policies can meet', () => {
    expect(problemsOf('realtime-scale-to-zero', template, assumptionMatrix(RACE_FIELDS), AROUND_SCALE_IN)).toEqual([]);
  });

  test('the idle night: zero 27 minutes after the deploy, the caller answered after the cold start, then zero again', () => {
    const { outcomes, run } = runScenario(template, IDLE_NIGHT_THEN_RETRY, DEFAULT_ASSUMPTIONS);
    // 15 one-minute zero data points for the low alarm, one minute of publication delay, 10 minutes of instance release.
    expect(outcomes.timeToZeroMinutes).toBe(27);
    expect(outcomes.firstAnswerMinutes).toBe(7);
    expect(outcomes.flapping).toBe(0);
    // One scale-in by target tracking, one wake-up, one scale-in: nothing else acted.
    expect(run.activities.map((a) => [a.policyKind, a.from, a.to])).toEqual([
      ['target-tracking', 1, 0], ['step', 0, 1], ['target-tracking', 1, 0],
    ]);
    expect(outcomes.instanceMinutes).toBeLessThan(60);
  });

  test('a single caller after idle starts one copy, not maxCopyCount, while the first copy starts (wake-up cooldown)', () => {
    const example = endpointTemplate({ servingMode: ServingMode.realtimeScaleToZero({ maxInstanceCount: 2, maxCopyCount: 2, invocationsPerCopyTarget: 300 }) });
    const { run, outcomes } = runScenario(example, IDLE_NIGHT_THEN_RETRY, DEFAULT_ASSUMPTIONS);
    expect(Math.max(...run.minutes.map((m) => m.instances))).toBe(1);
    expect(outcomes.firstAnswerMinutes).toBe(7);
    // The same template with AWS's example cooldown of 60 s starts the second instance during the cold start.
    const awsCooldown = JSON.parse(JSON.stringify(example));
    for (const r of Object.values<any>(awsCooldown.Resources)) {
      if (r.Properties?.StepScalingPolicyConfiguration) r.Properties.StepScalingPolicyConfiguration.Cooldown = 60;
    }
    const withAwsCooldown = runScenario(awsCooldown, IDLE_NIGHT_THEN_RETRY, DEFAULT_ASSUMPTIONS);
    expect(Math.max(...withAwsCooldown.run.minutes.map((m) => m.instances))).toBe(2);
    expect(withAwsCooldown.outcomes.instanceMinutes).toBeGreaterThan(outcomes.instanceMinutes);
  });

  test('without zero data points while idle (publishesZeroWhileIdle false) target tracking never scales in: the premise is AWS\'s', () => {
    // "When a metric emits real 0 values ... Application Auto Scaling can scale in to 0" (target tracking page): the
    // documented loop rests on SageMaker publishing them; without them the endpoint stays at one copy (never locked).
    const { outcomes } = runScenario(template, IDLE_NIGHT_THEN_RETRY, { ...DEFAULT_ASSUMPTIONS, publishesZeroWhileIdle: false });
    expect(outcomes.timeToZeroMinutes).toBeNull();
    expect(outcomes.firstAnswerMinutes).toBe(0);
  });
});

describe('sparse traffic (a caller every 3 minutes): AWS\'s loop, and the one undocumented detail it hangs on', () => {
  // Light traffic keeps target tracking's scale-in alarm in ALARM (every point well below the target), so Application
  // Auto Scaling invokes the policy every minute; what capacity it computes then is not documented (assumption
  // targetTrackingValue). From the latest point, the first minute without a request gives 0: the last copy goes, and
  // the next caller meets a cold start while the endpoint was billed almost all the time. From the window's average it
  // stays. The library keeps AWS's wiring and documents this (docs/serving-modes.md, "Behaviour over time").
  test.each([
    ['realtime-scale-to-zero', 'latest-datapoint', 14], ['realtime-scale-to-zero', 'fresh-only', 16], ['realtime-scale-to-zero', 'window-average', 0],
    ['async', 'latest-datapoint', 21], ['async', 'fresh-only', 21], ['async', 'window-average', 0],
  ] as const)('%s, target tracking computing with %s: %d of 60 callers meet a cold start', (mode, targetTrackingValue, cold) => {
    const { run, outcomes } = runScenario(templates[mode], SPARSE_TRAFFIC, { ...DEFAULT_ASSUMPTIONS, targetTrackingValue });
    expect(coldStartsMet(run)).toBe(cold);
    // Billed most of the three hours either way: the gaps are shorter than the instance's release.
    expect(outcomes.instanceMinutes).toBeGreaterThan(150);
    expect(loopProblems(mode, SPARSE_TRAFFIC, outcomes, { ...DEFAULT_ASSUMPTIONS, targetTrackingValue })).toEqual([]);
  });

  test('an always-on endpoint: no cold start', () => {
    const { run } = runScenario(templates.realtime, SPARSE_TRAFFIC, DEFAULT_ASSUMPTIONS);
    expect(coldStartsMet(run)).toBe(0);
  });
});

describe('a stack update and the copy count Application Auto Scaling set (issue 17, item 6)', () => {
  // Whether CloudFormation sends the template's RuntimeConfig.CopyCount with an update is not documented (assumption
  // stackUpdateSendsCopyCount): the library's template gives the copy count SageMaker holds, read at deploy time, so
  // the answer does not matter; a literal count (what the library rendered before) matters under one of the answers.
  const template = templates['realtime-scale-to-zero'];
  const loadTarget = endpointTemplate({ servingMode: ServingMode.realtimeScaleToZero({ maxInstanceCount: 4, maxCopyCount: 4, invocationsPerCopyTarget: 60 }) });
  /** The same template with the literal `CopyCount: 1` the library rendered before. */
  function literal(t: any): any {
    const copy = JSON.parse(JSON.stringify(t));
    for (const r of Object.values<any>(copy.Resources)) {
      if (r.Type === 'AWS::SageMaker::InferenceComponent') r.Properties.RuntimeConfig.CopyCount = 1;
    }
    return copy;
  }

  test('the library\'s template: the copy count it gives is read from SageMaker at deploy time', () => {
    const model = readScalingModel(template);
    expect(model.components[0].copyCount).toMatchObject({ resourceType: 'Custom::InferenceComponentCopyCount', attribute: 'CopyCount', initialCopyCount: 1 });
  });

  test.each([true, false])('during load the update keeps the copies (update sends the copy count: %s)', (stackUpdateSendsCopyCount) => {
    const { run, outcomes } = runScenario(loadTarget, DEPLOY_DURING_LOAD, { ...DEFAULT_ASSUMPTIONS, stackUpdateSendsCopyCount });
    const before = run.minutes[59].copies[0].desired;
    expect(before).toBeGreaterThan(1);
    expect(run.minutes.slice(60, 90).every((m) => m.copies[0].desired >= before && m.copies[0].placed >= before)).toBe(true);
    expect(run.minutes.slice(60, 90).reduce((n, m) => n + m.refused, 0)).toBe(0);
    expect(outcomes.flapping).toBe(0);
  });

  test.each([true, false])('while idle at zero the update starts nothing (update sends the copy count: %s)', (stackUpdateSendsCopyCount) => {
    const { run } = runScenario(template, DEPLOY_WHILE_IDLE, { ...DEFAULT_ASSUMPTIONS, stackUpdateSendsCopyCount });
    expect(run.minutes[59].instances).toBe(0);
    expect(run.minutes.slice(60).every((m) => m.instances === 0)).toBe(true);
  });

  test('a literal CopyCount: 1, if the update sends it, cuts the copies under load and starts an instance while idle', () => {
    const sends = { ...DEFAULT_ASSUMPTIONS, stackUpdateSendsCopyCount: true };
    const underLoad = runScenario(literal(loadTarget), DEPLOY_DURING_LOAD, sends);
    const before = underLoad.run.minutes[59].copies[0].placed;
    expect(underLoad.run.minutes[60].copies[0].desired).toBe(1);
    // (The simulation has no per-copy throughput: the cut shows as minutes with fewer copies than the load needs.)
    const cutMinutes = underLoad.run.minutes.slice(60, 90).filter((m) => m.copies[0].placed < before).length;
    expect(cutMinutes).toBeGreaterThanOrEqual(3);
    const idle = runScenario(literal(template), DEPLOY_WHILE_IDLE, sends);
    expect(idle.run.minutes[59].instances).toBe(0);
    // An instance nobody asked for, until target tracking removes the copy and SageMaker releases the instance.
    const surprise = idle.run.minutes.slice(60).filter((m) => m.instances > 0).length;
    expect(surprise).toBeGreaterThan(10);
  });
});

describe('asynchronous: target tracking on the backlog per instance, a HasBacklogWithoutCapacity step policy', () => {
  test('answers the first request after idle within the cold start, reaches zero, no flapping, under every assumption', () => {
    expect(problemsOf('async', templates.async, oneAtATime())).toEqual([]);
  });

  test('under traffic the instances keep up with, the backlog still counts the requests in process: no scale-in to zero', () => {
    // "ApproximateBacklogSize: the number of items in the queue ... currently being processed or yet to be processed".
    // Without the requests in process the backlog per instance would be 0 under load, and target tracking, with
    // minimum 0, would remove every instance while requests arrive (as an early version of this model did).
    const { outcomes, run } = runScenario(templates.async, STEADY_THEN_SILENCE, DEFAULT_ASSUMPTIONS);
    expect(outcomes.zeroUnderTraffic).toBe(0);
    expect(run.minutes.slice(1, 60).every((m) => m.instances === 1)).toBe(true);
    // The check can fail: target tracking on a metric that is 0 whenever an instance serves (HasBacklogWithoutCapacity,
    // published as 0 too under publishesZeroFailures) removes the last instance under the same traffic.
    const wrong = JSON.parse(JSON.stringify(templates.async));
    for (const r of Object.values<any>(wrong.Resources)) {
      const spec = r.Properties?.TargetTrackingScalingPolicyConfiguration?.CustomizedMetricSpecification;
      if (spec) spec.MetricName = 'HasBacklogWithoutCapacity';
    }
    const zeros = { ...DEFAULT_ASSUMPTIONS, publishesZeroFailures: true };
    const broken = runScenario(wrong, STEADY_THEN_SILENCE, zeros).outcomes;
    expect(broken.zeroUnderTraffic).toBeGreaterThan(0);
    expect(loopProblems('async', STEADY_THEN_SILENCE, broken, zeros)).toContainEqual(expect.stringMatching(/scale-in\(s\) to zero while requests kept arriving/));
  });

  test('bursts every 25 minutes, around the scale-in', () => {
    expect(problemsOf('async', templates.async, oneAtATime(), [BURSTS_EVERY_25_MINUTES])).toEqual([]);
  });

  test('callers coming back while target tracking removes the last instance', () => {
    expect(problemsOf('async', templates.async, assumptionMatrix([...RACE_FIELDS, 'backlogPerInstanceAtZero']), AROUND_SCALE_IN)).toEqual([]);
  });
});

describe('several inference components on one endpoint (a fleet)', () => {
  // Two models on one ml.g5.12xlarge (4 GPUs): the library's endpoint hosts the first; the second is added with the
  // library's public InferenceComponentAutoScaling, as a fleet would be.
  function fleetTemplate(): any {
    const stack = new cdk.Stack(fastApp(), 'Fleet');
    const endpoint = new RealtimeEndpoint(stack, 'Endpoint', {
      modelData: ModelData.fromS3Uri('s3://models-bucket/a.tar.gz'),
      instanceType: InstanceType.ML_G5_12XLARGE,
      servingMode: ServingMode.realtimeScaleToZero({ acceleratorsPerCopy: 1, cpuCoresPerCopy: 4, memoryPerCopy: cdk.Size.gibibytes(16), maxCopyCount: 2 }),
    });
    const second = new sagemaker.CfnInferenceComponent(stack, 'Second', {
      inferenceComponentName: 'second-model',
      endpointName: endpoint.endpointName,
      variantName: endpoint.variantName,
      specification: { modelName: endpoint.model.attrModelName, computeResourceRequirements: { numberOfAcceleratorDevicesRequired: 1, numberOfCpuCoresRequired: 4, minMemoryRequiredInMb: 16384 } },
      runtimeConfig: { copyCount: 1 },
    });
    new InferenceComponentAutoScaling(stack, 'SecondScaling', { inferenceComponentName: 'second-model', maxCopyCount: 2, invocationsPerCopyTarget: 60, inferenceComponent: second });
    return Template.fromStack(stack).toJSON();
  }

  test('an idle model goes to zero copies while the busy one keeps the instance; the fleet reaches zero when both are', () => {
    const template = fleetTemplate();
    const model = readScalingModel(template);
    expect(model.components.map((c) => c.name)).toEqual([expect.stringMatching(/-ic$/), 'second-model']);
    const [first, second] = model.components.map((c) => ({ endpointName: c.endpointName, componentName: c.name }));
    const caller = new RetryingClient('wake', second, 60 * 60 + 7, 30);
    const run = simulate(template, DEFAULT_ASSUMPTIONS, {
      minutes: 3 * 60,
      clients: [new LoadClient('busy', first, 0, 90 * 60, 120), caller],
    });
    const at = (minute: number) => run.minutes[minute];
    // The idle model has no copy after its scale-in alarm's minutes, the instance stays for the busy one.
    // (120 requests a minute on a target of 60 per copy: two copies of the busy model.)
    expect(at(40).copies.map((c) => c.desired)).toEqual([2, 0]);
    expect(at(40).instances).toBe(1);
    // A caller of the idle model waits for a copy only: the instance is already there.
    expect((caller.answeredAt! - (60 * 60 + 7)) / 60).toBeLessThanOrEqual(DEFAULT_ASSUMPTIONS.copyStartMinutes + DEFAULT_ASSUMPTIONS.metricDelayMinutes + 2);
    // After the load ends both models go to zero copies, and then, only then, the instance goes.
    const zero = run.minutes.find((m) => m.minute > 90 && m.instances === 0)!;
    expect(zero).toBeDefined();
    const bothAtZero = run.minutes.find((m) => m.minute > 90 && m.copies.every((c) => c.placed === 0))!;
    expect(zero.minute - bothAtZero.minute).toBe(DEFAULT_ASSUMPTIONS.emptyInstanceReleaseMinutes);
    expect(run.minutes.filter((m) => m.minute < bothAtZero.minute).every((m) => m.instances >= 1)).toBe(true);
  });
});

afterAll(() => {
  const before = templateBeforeIssue17();
  const rows: Array<[string, any]> = [['scale to zero, before issue 17', before], ...Object.entries(templates)];
  for (const [mode, template] of rows) {
    for (const refusedCountsAsInvocation of [false, true]) {
      const assumptions = { ...DEFAULT_ASSUMPTIONS, refusedCountsAsInvocation };
      for (const scenario of SCENARIOS) table.push({ mode, scenario, assumptions, outcomes: runScenario(template, scenario, assumptions).outcomes });
    }
  }
  console.log(`Scaling loop, simulated (test/simulation):\n${formatTable(table)}`);
});
