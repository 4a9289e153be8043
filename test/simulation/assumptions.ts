// What the simulation must assume because AWS does not document it. Every field is one named rule; the tests run the
// assertions under every value of every field (assumptionMatrix), so a wiring that only works under a lucky guess
// fails. Documented behaviour is not here: it is code, with its page cited where it is implemented.

/** The undocumented parts of CloudWatch, Application Auto Scaling and SageMaker, as parameters. */
export interface Assumptions {
  /**
   * Whether a request refused because the inference component has no copy (the "NoCapacityInvocationFailures" case)
   * is also counted in the component's `Invocations`. "Scale an endpoint to zero instances" says only that SageMaker
   * emits `NoCapacityInvocationFailures` for it; the aws-samples notebook shows the caller gets a ValidationError.
   */
  readonly refusedCountsAsInvocation: boolean;

  /**
   * Whether SageMaker publishes a 0 data point for `NoCapacityInvocationFailures` in a minute without refused requests
   * (while the component exists). Not documented; when it does not, the wake-up alarm keeps its last breaching data
   * point until it leaves the evaluation range.
   */
  readonly publishesZeroFailures: boolean;

  /**
   * Whether SageMaker publishes 0 for `Invocations`, `InvocationsPerCopy`, `InvocationsPerInstance` and the async
   * backlog metrics in an idle minute while capacity (a copy, an instance) exists. Application Auto Scaling's target
   * tracking page says a metric must emit real 0 values for a policy to scale in to 0, and "Scale an endpoint to zero
   * instances" documents target tracking on `SageMakerInferenceComponentInvocationsPerCopy` as the way to 0, so the
   * documented loop implies true; false shows what happens if it did not.
   */
  readonly publishesZeroWhileIdle: boolean;

  /** Minutes from the request that finds no copy to a started copy on a running instance serving (model download, `model_fn`). */
  readonly copyStartMinutes: number;

  /**
   * Minutes to provision an instance before a copy can start on it. The AWS blog on scale to zero measured about
   * 1.75 minutes of instance provisioning and 2.3 of model loading for its example (about 5 minutes end to end).
   */
  readonly instanceStartMinutes: number;

  /**
   * Minutes managed instance scaling keeps an instance that hosts no copy before releasing it. Not documented; the
   * aws-samples notebook waits "10 additional minutes" after the copies reached zero.
   */
  readonly emptyInstanceReleaseMinutes: number;

  /** Whole minutes between the end of a metric's period and the first alarm evaluation that sees its data point. */
  readonly metricDelayMinutes: number;

  /**
   * How many data points beyond `EvaluationPeriods` CloudWatch retrieves when it evaluates an alarm (the "evaluation
   * range"). "Configuring how CloudWatch alarms treat missing data" says it retrieves more than the evaluation periods
   * and that the number depends on the period; its example retrieves 5 for 3.
   */
  readonly evaluationRangeExtraPeriods: number;

  /**
   * What metric math `FILL(m, value)` returns when `m` has no data point at all in the evaluation range: the filled
   * series, or no data. "Using metric math" documents filling missing values, not the all-missing case.
   */
  readonly fillWithoutData: 'fills' | 'empty';

  /**
   * The data points of the alarms target tracking creates: out of how many one-minute periods it scales out (high
   * alarm) and in (low alarm). AWS's guides do not give the numbers; 3 and 15 are what the console shows for
   * one-minute metrics, and the aws-samples notebook describes 15 minutes for scale-in.
   */
  readonly targetTrackingScaleOutPeriods: number;
  readonly targetTrackingScaleInPeriods: number;

  /**
   * The low alarm's threshold as a share of the target: target tracking scales in "only when utilization passes a
   * threshold that is far enough below the target value (usually more than 10% lower)".
   */
  readonly targetTrackingScaleInRatio: number;

  /**
   * Which value target tracking computes with when one of its alarms invokes it: the alarm's latest data point, even
   * when the metric has stopped and that point is minutes old ("latest-datapoint"), or only a data point of the latest
   * visible minute, with no action without one ("fresh-only"), or the average of the data points the alarm evaluated
   * ("window-average"). The guide says only that Application Auto Scaling "calculates the scaling adjustment based on
   * the metric and the target value" ("How target tracking scaling for Application Auto Scaling works",
   * https://docs.aws.amazon.com/autoscaling/application/userguide/target-tracking-scaling-policy-overview.html). It
   * decides what sparse traffic sees: with the latest point, one idle minute in light traffic takes the last copy.
   */
  readonly targetTrackingValue: 'latest-datapoint' | 'fresh-only' | 'window-average';

  /**
   * Several policies of one scalable target invoked in the same minute: arbitrated together, the largest capacity
   * winning ("largest-wins", PutScalingPolicy), or applied one after the other in the template's alarm order or its
   * reverse (what "at the same time" does not cover: two alarms evaluated seconds apart).
   */
  readonly concurrentActions: 'largest-wins' | 'in-order' | 'reverse-order';

  /**
   * `ApproximateBacklogSizePerInstance` of an asynchronous endpoint with no instance: no data point, or the backlog
   * itself. "Autoscale an asynchronous endpoint" defines it as the backlog divided by the instances.
   */
  readonly backlogPerInstanceAtZero: 'missing' | 'backlog';

  /**
   * Whether CloudFormation, when it updates an inference component (a new model, a new rolling policy), sends the
   * template's `RuntimeConfig.CopyCount` to SageMaker, replacing the count Application Auto Scaling has set. The
   * "AWS::SageMaker::InferenceComponent" reference says only "Update requires: No interruption".
   */
  readonly stackUpdateSendsCopyCount: boolean;

  /** Requests one instance of an asynchronous endpoint completes per minute. */
  readonly asyncRequestsPerInstancePerMinute: number;
}

/** The values used when a test does not vary a field: the documented loop's premises and AWS's published figures. */
export const DEFAULT_ASSUMPTIONS: Assumptions = {
  refusedCountsAsInvocation: false,
  publishesZeroFailures: false,
  publishesZeroWhileIdle: true,
  copyStartMinutes: 3,
  instanceStartMinutes: 2,
  emptyInstanceReleaseMinutes: 10,
  metricDelayMinutes: 1,
  evaluationRangeExtraPeriods: 2,
  fillWithoutData: 'fills',
  targetTrackingScaleOutPeriods: 3,
  targetTrackingScaleInPeriods: 15,
  targetTrackingScaleInRatio: 0.9,
  targetTrackingValue: 'latest-datapoint',
  concurrentActions: 'largest-wins',
  backlogPerInstanceAtZero: 'missing',
  stackUpdateSendsCopyCount: true,
  asyncRequestsPerInstancePerMinute: 200,
};

/** The values each undocumented rule is tested with (the documented premise `publishesZeroWhileIdle` has its own test). */
export const ASSUMPTION_VALUES: { readonly [K in keyof Assumptions]?: ReadonlyArray<Assumptions[K]> } = {
  refusedCountsAsInvocation: [false, true],
  publishesZeroFailures: [false, true],
  metricDelayMinutes: [0, 1, 2],
  evaluationRangeExtraPeriods: [0, 2, 5],
  fillWithoutData: ['fills', 'empty'],
  targetTrackingValue: ['latest-datapoint', 'fresh-only', 'window-average'],
  concurrentActions: ['largest-wins', 'in-order', 'reverse-order'],
  backlogPerInstanceAtZero: ['missing', 'backlog'],
  stackUpdateSendsCopyCount: [true, false],
  emptyInstanceReleaseMinutes: [0, 10, 30],
  copyStartMinutes: [1, 3, 10],
};

/**
 * Every combination of the listed fields' values (the others at their defaults), in a stable order. With no field
 * list, every field of ASSUMPTION_VALUES.
 */
export function assumptionMatrix(fields: ReadonlyArray<keyof Assumptions> = Object.keys(ASSUMPTION_VALUES) as Array<keyof Assumptions>,
  base: Assumptions = DEFAULT_ASSUMPTIONS): Assumptions[] {
  let combos: Assumptions[] = [base];
  for (const field of fields) {
    const values = ASSUMPTION_VALUES[field] as ReadonlyArray<unknown> | undefined;
    if (!values) throw new Error(`no test values for assumption ${String(field)}`);
    combos = combos.flatMap((combo) => values.map((value) => ({ ...combo, [field]: value })));
  }
  return combos;
}

/** The fields of `a` that differ from the defaults, as `name=value` (for test names and the report). */
export function describeAssumptions(a: Assumptions): string {
  const changed = (Object.keys(a) as Array<keyof Assumptions>).filter((k) => a[k] !== DEFAULT_ASSUMPTIONS[k]);
  return changed.length === 0 ? 'defaults' : changed.map((k) => `${k}=${String(a[k])}`).join(', ');
}
