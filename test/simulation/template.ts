// Reads what the simulation runs from a synthesized CloudFormation template, and nothing else: scalable targets,
// scaling policies, the alarms that invoke them (plain metrics and metric math), endpoint configs, endpoints and
// inference components. Never the construct's props: a wiring bug in the template is a bug in the simulation.
// Any number of endpoints, variants and inference components (several components may share a variant).

/** A CloudWatch metric, identified as CloudWatch identifies it. */
export interface MetricId {
  readonly namespace: string;
  readonly name: string;
  /** Dimensions, sorted by name. */
  readonly dimensions: ReadonlyArray<readonly [string, string]>;
}

/** One query of an alarm: a metric with a statistic and period, or a math expression over other queries. */
export type AlarmQuery =
  | { readonly id: string; readonly kind: 'metric'; readonly metric: MetricId; readonly stat: string; readonly periodSeconds: number; readonly returnData: boolean }
  | { readonly id: string; readonly kind: 'expression'; readonly expression: string; readonly returnData: boolean };

export type Comparison = 'GreaterThanOrEqualToThreshold' | 'GreaterThanThreshold' | 'LessThanThreshold' | 'LessThanOrEqualToThreshold';
export type TreatMissing = 'missing' | 'breaching' | 'notBreaching' | 'ignore';

export interface AlarmSpec {
  readonly id: string;
  readonly queries: ReadonlyArray<AlarmQuery>;
  readonly periodSeconds: number;
  readonly threshold: number;
  readonly comparison: Comparison;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly treatMissing: TreatMissing;
  /** Logical ids of the scaling policies among the alarm actions. */
  readonly policyActions: ReadonlyArray<string>;
}

export interface ScalableTargetSpec {
  readonly id: string;
  readonly resourceId: string;
  readonly dimension: string;
  readonly min: number;
  readonly max: number;
}

export interface StepAdjustment {
  readonly lower?: number;
  readonly upper?: number;
  readonly adjustment: number;
}

export interface StepPolicySpec {
  readonly id: string;
  readonly kind: 'step';
  readonly targetId: string;
  readonly adjustmentType: 'ChangeInCapacity' | 'ExactCapacity' | 'PercentChangeInCapacity';
  readonly aggregation: 'Average' | 'Minimum' | 'Maximum';
  readonly cooldownSeconds: number;
  readonly minAdjustmentMagnitude?: number;
  readonly steps: ReadonlyArray<StepAdjustment>;
}

export interface TargetTrackingPolicySpec {
  readonly id: string;
  readonly kind: 'target-tracking';
  readonly targetId: string;
  readonly targetValue: number;
  /** The metric the policy tracks: a predefined metric resolved to its CloudWatch metric, or the customized one. */
  readonly queries: ReadonlyArray<AlarmQuery>;
  readonly scaleInCooldownSeconds: number;
  readonly scaleOutCooldownSeconds: number;
  readonly disableScaleIn: boolean;
}

export type PolicySpec = StepPolicySpec | TargetTrackingPolicySpec;

export interface VariantSpec {
  readonly endpointName: string;
  readonly variantName: string;
  readonly instanceType: string;
  readonly initialInstanceCount: number;
  /** ManagedInstanceScaling when enabled (inference-component variants). */
  readonly managed?: { readonly min: number; readonly max: number };
  /** Whether the endpoint config has an AsyncInferenceConfig. */
  readonly async: boolean;
}

export interface InferenceComponentSpec {
  readonly name: string;
  readonly endpointName: string;
  readonly variantName: string;
  readonly accelerators: number;
  readonly cpuCores: number;
  readonly memoryMb: number;
  /**
   * `RuntimeConfig.CopyCount` as the template states it: a number, or the logical id of the resource whose attribute
   * gives it at deploy time.
   */
  readonly copyCount: number | {
    readonly fromResource: string;
    readonly resourceType: string;
    readonly attribute: string;
    /** The resource's `InitialCopyCount` property, when it has one (the library's copy-count custom resource). */
    readonly initialCopyCount?: number;
  };
}

export interface ScalingModel {
  readonly targets: ReadonlyArray<ScalableTargetSpec>;
  readonly policies: ReadonlyArray<PolicySpec>;
  readonly alarms: ReadonlyArray<AlarmSpec>;
  readonly variants: ReadonlyArray<VariantSpec>;
  readonly components: ReadonlyArray<InferenceComponentSpec>;
}

type Resources = Record<string, { Type: string; Properties?: any }>;

/** Reads the scaling loop out of a synthesized template (`Template.toJSON()` or a cloud assembly's stack template). */
export function readScalingModel(template: any): ScalingModel {
  const resources: Resources = template.Resources ?? {};
  const resolve = resolver(resources);
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

  const targets = ofType('AWS::ApplicationAutoScaling::ScalableTarget').map(([id, r]): ScalableTargetSpec => {
    const p = r.Properties;
    if (p.ServiceNamespace !== 'sagemaker') throw new Error(`${id}: the simulation models SageMaker targets only, got ${p.ServiceNamespace}`);
    return { id, resourceId: resolve(p.ResourceId), dimension: p.ScalableDimension, min: p.MinCapacity, max: p.MaxCapacity };
  });
  const targetOf = (id: string, p: any): ScalableTargetSpec => {
    const targetId = p.ScalingTargetId?.Ref;
    const target = targets.find((t) => t.id === targetId);
    if (!target) throw new Error(`${id}: ScalingTargetId must be a Ref to a scalable target of the template`);
    return target;
  };

  const policies = ofType('AWS::ApplicationAutoScaling::ScalingPolicy').map(([id, r]): PolicySpec => {
    const p = r.Properties;
    const target = targetOf(id, p);
    if (p.PolicyType === 'StepScaling') {
      const c = p.StepScalingPolicyConfiguration;
      return {
        id, kind: 'step', targetId: target.id,
        adjustmentType: c.AdjustmentType,
        aggregation: c.MetricAggregationType ?? 'Average',
        cooldownSeconds: c.Cooldown ?? 0,
        minAdjustmentMagnitude: c.MinAdjustmentMagnitude,
        steps: c.StepAdjustments.map((s: any) => ({
          lower: s.MetricIntervalLowerBound, upper: s.MetricIntervalUpperBound, adjustment: s.ScalingAdjustment,
        })),
      };
    }
    if (p.PolicyType === 'TargetTrackingScaling') {
      const c = p.TargetTrackingScalingPolicyConfiguration;
      return {
        id, kind: 'target-tracking', targetId: target.id,
        targetValue: c.TargetValue,
        queries: trackedMetric(id, c, target, resolve),
        // TargetTrackingScalingPolicyConfiguration (API reference): both cooldowns default to 300 s for SageMaker.
        scaleInCooldownSeconds: c.ScaleInCooldown ?? 300,
        scaleOutCooldownSeconds: c.ScaleOutCooldown ?? 300,
        disableScaleIn: c.DisableScaleIn === true,
      };
    }
    throw new Error(`${id}: unsupported policy type ${p.PolicyType}`);
  });

  const alarms = ofType('AWS::CloudWatch::Alarm').map(([id, r]): AlarmSpec => {
    const p = r.Properties;
    const policyActions = (p.AlarmActions ?? []).map((a: any) => a?.Ref).filter((ref: unknown) => policies.some((pol) => pol.id === ref));
    const queries: AlarmQuery[] = p.Metrics
      ? p.Metrics.map((m: any): AlarmQuery => m.Expression !== undefined
        ? { id: m.Id, kind: 'expression', expression: m.Expression, returnData: m.ReturnData !== false }
        : {
          id: m.Id, kind: 'metric', returnData: m.ReturnData !== false,
          metric: metricId(m.MetricStat.Metric.Namespace, m.MetricStat.Metric.MetricName, m.MetricStat.Metric.Dimensions, resolve),
          stat: m.MetricStat.Stat, periodSeconds: m.MetricStat.Period,
        })
      : [{
        id: 'm', kind: 'metric', returnData: true,
        metric: metricId(p.Namespace, p.MetricName, p.Dimensions, resolve),
        stat: p.Statistic ?? p.ExtendedStatistic, periodSeconds: p.Period,
      }];
    const periods = queries.filter((q): q is Extract<AlarmQuery, { kind: 'metric' }> => q.kind === 'metric').map((q) => q.periodSeconds);
    return {
      id, queries,
      periodSeconds: p.Period ?? periods[0] ?? 60,
      threshold: p.Threshold,
      comparison: p.ComparisonOperator,
      evaluationPeriods: p.EvaluationPeriods,
      datapointsToAlarm: p.DatapointsToAlarm ?? p.EvaluationPeriods,
      // PutMetricAlarm: "If this parameter is omitted, the default behavior of missing is used."
      treatMissing: p.TreatMissingData ?? 'missing',
      policyActions,
    };
  });

  const configs = new Map(ofType('AWS::SageMaker::EndpointConfig'));
  const variants = ofType('AWS::SageMaker::Endpoint').flatMap(([id, r]) => {
    const p = r.Properties;
    const endpointName = resolve(p.EndpointName ?? id);
    const configId = p.EndpointConfigName?.['Fn::GetAtt']?.[0];
    const config = configs.get(configId);
    if (!config) throw new Error(`${id}: EndpointConfigName must be the GetAtt of an endpoint config of the template`);
    return config.Properties.ProductionVariants.map((v: any): VariantSpec => ({
      endpointName,
      variantName: v.VariantName,
      instanceType: v.InstanceType,
      initialInstanceCount: v.InitialInstanceCount ?? 1,
      managed: v.ManagedInstanceScaling?.Status === 'ENABLED'
        ? { min: v.ManagedInstanceScaling.MinInstanceCount ?? 0, max: v.ManagedInstanceScaling.MaxInstanceCount }
        : undefined,
      async: config.Properties.AsyncInferenceConfig !== undefined,
    }));
  });

  const components = ofType('AWS::SageMaker::InferenceComponent').map(([id, r]): InferenceComponentSpec => {
    const p = r.Properties;
    const req = p.Specification?.ComputeResourceRequirements ?? {};
    const copyCount = p.RuntimeConfig?.CopyCount;
    const getAtt = copyCount?.['Fn::GetAtt'];
    return {
      name: resolve(p.InferenceComponentName ?? id),
      endpointName: resolve(p.EndpointName),
      variantName: p.VariantName ?? 'AllTraffic',
      accelerators: req.NumberOfAcceleratorDevicesRequired ?? 0,
      cpuCores: req.NumberOfCpuCoresRequired ?? 0,
      memoryMb: req.MinMemoryRequiredInMb ?? 0,
      copyCount: typeof copyCount === 'number' ? copyCount
        : getAtt ? {
          fromResource: getAtt[0], resourceType: resources[getAtt[0]]?.Type ?? '', attribute: getAtt[1],
          initialCopyCount: resources[getAtt[0]]?.Properties?.InitialCopyCount,
        }
          : (() => { throw new Error(`${id}: RuntimeConfig.CopyCount must be a number or a GetAtt, got ${JSON.stringify(copyCount)}`); })(),
    };
  });

  return { targets, policies, alarms, variants, components };
}

/**
 * The CloudWatch metric behind a predefined metric type, or the customized metric. The predefined SageMaker types
 * track `InvocationsPerInstance` / `InvocationsPerCopy` summed over the minute: "ScalingPolicyMetric" (SageMaker API
 * Reference) defines `InvocationsPerInstance` as 1/numberOfInstances sent per request, so its one-minute Sum is the
 * requests per instance per minute, the unit of the target value ("Define a scaling policy": invocations per minute).
 * `InvocationsPerCopy` is taken as its per-copy counterpart (the API documents only the predefined type's name).
 */
function trackedMetric(id: string, c: any, target: ScalableTargetSpec, resolve: (v: any) => any): AlarmQuery[] {
  const predefined = c.PredefinedMetricSpecification?.PredefinedMetricType;
  if (predefined === 'SageMakerInferenceComponentInvocationsPerCopy') {
    const component = target.resourceId.replace(/^inference-component\//, '');
    return [{ id: 'm', kind: 'metric', returnData: true, stat: 'Sum', periodSeconds: 60,
      metric: sortedMetric('AWS/SageMaker', 'InvocationsPerCopy', [['InferenceComponentName', component]]) }];
  }
  if (predefined === 'SageMakerVariantInvocationsPerInstance') {
    const [, endpoint, , variant] = target.resourceId.split('/');
    return [{ id: 'm', kind: 'metric', returnData: true, stat: 'Sum', periodSeconds: 60,
      metric: sortedMetric('AWS/SageMaker', 'InvocationsPerInstance', [['EndpointName', endpoint], ['VariantName', variant]]) }];
  }
  const custom = c.CustomizedMetricSpecification;
  if (custom?.MetricName) {
    return [{ id: 'm', kind: 'metric', returnData: true, stat: custom.Statistic, periodSeconds: 60,
      metric: metricId(custom.Namespace, custom.MetricName, custom.Dimensions, resolve) }];
  }
  if (custom?.Metrics) {
    return custom.Metrics.map((m: any): AlarmQuery => m.Expression !== undefined
      ? { id: m.Id, kind: 'expression', expression: m.Expression, returnData: m.ReturnData !== false }
      : { id: m.Id, kind: 'metric', returnData: m.ReturnData !== false, stat: m.MetricStat.Stat, periodSeconds: 60,
        metric: metricId(m.MetricStat.Metric.Namespace, m.MetricStat.Metric.MetricName, m.MetricStat.Metric.Dimensions, resolve) });
  }
  throw new Error(`${id}: unsupported target tracking metric ${JSON.stringify(c)}`);
}

function metricId(namespace: string, name: string, dimensions: any[] | undefined, resolve: (v: any) => any): MetricId {
  return sortedMetric(namespace, name, (dimensions ?? []).map((d: any) => [d.Name, String(resolve(d.Value))]));
}

export function sortedMetric(namespace: string, name: string, dimensions: Array<[string, string]>): MetricId {
  return { namespace, name, dimensions: [...dimensions].sort(([a], [b]) => a.localeCompare(b)) };
}

/** The key the metric store files a metric under. */
export function metricKey(m: MetricId): string {
  return `${m.namespace}|${m.name}|${m.dimensions.map(([k, v]) => `${k}=${v}`).join(',')}`;
}

/**
 * Resolves the intrinsics the scaling resources use to the names they name at deploy time: `GetAtt X.EndpointName`
 * (and any `...Name`) is X's literal name property when it has one, `Ref` of a scaling policy or target its logical
 * id, `Fn::Join` joined.
 */
function resolver(resources: Resources): (value: any) => any {
  const resolve = (value: any): any => {
    if (value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map(resolve);
    if ('Ref' in value) {
      const r = resources[value.Ref];
      return r ? value.Ref : `<${value.Ref}>`;
    }
    if ('Fn::GetAtt' in value) {
      const [logicalId, attribute] = value['Fn::GetAtt'];
      const literal = resources[logicalId]?.Properties?.[attribute];
      if (typeof literal === 'string') return literal;
      return `${logicalId}.${attribute}`;
    }
    if ('Fn::Join' in value) {
      const [separator, parts] = value['Fn::Join'];
      return parts.map(resolve).join(separator);
    }
    throw new Error(`unsupported intrinsic in a scaling resource: ${JSON.stringify(value)}`);
  };
  return resolve;
}
