// SageMaker hosting as a parameter set: endpoints and their variants, inference components and their copies on the
// variant's instances (managed instance scaling), asynchronous queues, and the per-minute metrics each publishes.
// Times are in seconds; metrics are filed by minute. Several components may share one variant: the instances follow
// what all their copies need, so a fleet reaches zero instances only when every component is at zero copies.
import { instanceCapacity } from '../../lib/hosting/instance-capacity';
import { Assumptions } from './assumptions';
import { MetricStore } from './cloudwatch';
import { CapacityApi } from './application-auto-scaling';
import { InferenceComponentSpec, ScalableTargetSpec, sortedMetric, VariantSpec } from './template';

interface Instance {
  readonly id: number;
  readonly createdAt: number;
  readonly readyAt: number;
  emptySince?: number;
}

interface Copy {
  readonly instance: Instance;
  readonly readyAt: number;
}

interface VariantState {
  readonly spec: VariantSpec;
  /** The instance count Application Auto Scaling (or the endpoint config) asks for; unused with managed scaling. */
  desired: number;
  instances: Instance[];
  /** Async only: queued requests (client id, arrival second). */
  queue: Array<{ readonly clientId: string; readonly arrivedAt: number }>;
  counters: Counters;
}

interface ComponentState {
  readonly spec: InferenceComponentSpec;
  readonly variant: VariantState;
  /** DesiredCopyCount: what Application Auto Scaling (or CloudFormation) asked for. */
  desired: number;
  copies: Copy[];
  counters: Counters;
}

interface Counters {
  served: number;
  refused: number;
  /** 1/capacity per served request (InvocationsPerCopy / InvocationsPerInstance samples). */
  perCapacity: number[];
}

const newCounters = (): Counters => ({ served: 0, refused: 0, perCapacity: [] });

export type Outcome = 'served' | 'refused' | 'queued';

/** A request the simulation sends: to an endpoint, and to one of its inference components when it hosts them. */
export interface InvokeRequest {
  readonly clientId: string;
  readonly endpointName: string;
  readonly componentName?: string;
}

/** An asynchronous request completed (its result written) at `second`. */
export interface Completion {
  readonly clientId: string;
  readonly second: number;
}

export class SageMaker {
  private readonly variants: VariantState[];
  private readonly components: ComponentState[];
  private nextInstanceId = 1;

  constructor(variants: ReadonlyArray<VariantSpec>, components: ReadonlyArray<InferenceComponentSpec>,
    private readonly metrics: MetricStore, private readonly assumptions: Assumptions) {
    // The stack has just been deployed and is in service: each variant runs its initial instances and each component
    // its initial copies (CreateEndpoint / CreateInferenceComponent finish when they are in service).
    this.variants = variants.map((spec) => ({
      spec, desired: spec.initialInstanceCount, queue: [], counters: newCounters(),
      instances: spec.managed ? [] : Array.from({ length: spec.initialInstanceCount }, () => this.instance(0, 0)),
    }));
    this.components = components.map((spec) => {
      const variant = this.variants.find((v) => v.spec.endpointName === spec.endpointName && v.spec.variantName === spec.variantName);
      if (!variant?.spec.managed) throw new Error(`inference component ${spec.name}: its variant must exist and have managed instance scaling`);
      return { spec, variant, desired: initialCopyCount(spec), copies: [], counters: newCounters() };
    });
    for (const c of this.components) this.placeCopies(c, 0, true);
  }

  /** Application Auto Scaling's view: the scalable dimension of each target. */
  public readonly capacity: CapacityApi = {
    get: (target) => this.scalable(target).get(),
    set: (target, value) => this.scalable(target).set(value),
  };

  private scalable(target: ScalableTargetSpec): { get(): number; set(v: number): void } {
    if (target.dimension === 'sagemaker:inference-component:DesiredCopyCount') {
      const c = this.component(target.resourceId.replace(/^inference-component\//, ''));
      return { get: () => c.desired, set: (v) => { c.desired = v; } };
    }
    if (target.dimension === 'sagemaker:variant:DesiredInstanceCount') {
      const [, endpoint, , variantName] = target.resourceId.split('/');
      const v = this.variants.find((x) => x.spec.endpointName === endpoint && x.spec.variantName === variantName);
      if (!v) throw new Error(`no variant for ${target.resourceId}`);
      if (v.spec.managed) throw new Error(`${target.resourceId}: a variant with managed instance scaling is not an Application Auto Scaling target`);
      return { get: () => v.desired, set: (n) => { v.desired = n; } };
    }
    throw new Error(`unsupported scalable dimension ${target.dimension}`);
  }

  private component(name: string): ComponentState {
    const c = this.components.find((x) => x.spec.name === name);
    if (!c) throw new Error(`no inference component ${name}`);
    return c;
  }

  /** The copy count SageMaker wants for a component now (`DescribeInferenceComponent`'s DesiredCopyCount). */
  public desiredCopies(name: string): number {
    return this.component(name).desired;
  }

  /** CloudFormation updating a component's `RuntimeConfig.CopyCount` (a stack update that sends it). */
  public setDesiredCopies(name: string, copies: number): void {
    this.component(name).desired = copies;
  }

  /** A request at `second`. */
  public invoke(second: number, request: InvokeRequest): Outcome {
    const variant = this.variants.find((v) => v.spec.endpointName === request.endpointName);
    if (!variant) throw new Error(`no endpoint ${request.endpointName}`);
    if (variant.spec.async) {
      // "Autoscale an asynchronous endpoint": requests received while the endpoint has no instance are queued.
      variant.queue.push({ clientId: request.clientId, arrivedAt: second });
      return 'queued';
    }
    if (variant.spec.managed) {
      const c = request.componentName ? this.component(request.componentName)
        : this.components.length === 1 ? this.components[0] : undefined;
      if (!c) throw new Error(`endpoint ${request.endpointName} hosts several inference components: name one`);
      const running = c.copies.filter((copy) => copy.readyAt <= second).length;
      if (running === 0) {
        // "Scale an endpoint to zero instances": while no copy can serve, "any attempts to invoke the endpoint will
        // produce an error", and SageMaker emits NoCapacityInvocationFailures.
        c.counters.refused++;
        return 'refused';
      }
      c.counters.served++;
      c.counters.perCapacity.push(1 / running);
      return 'served';
    }
    const ready = variant.instances.filter((i) => i.readyAt <= second).length;
    if (ready === 0) {
      variant.counters.refused++;
      return 'refused';
    }
    variant.counters.served++;
    // "ScalingPolicyMetric" (SageMaker API Reference): InvocationsPerInstance sends 1/numberOfInstances per request.
    variant.counters.perCapacity.push(1 / ready);
    return 'served';
  }

  /** Brings copies and instances toward what is asked, at `second` (after Application Auto Scaling acted). */
  public reconcile(second: number): void {
    for (const c of this.components) this.placeCopies(c, second, false);
    for (const v of this.variants) {
      if (v.spec.managed) this.releaseEmptyInstances(v, second);
      else this.resizeVariant(v, second);
    }
  }

  /**
   * Publishes the metrics of minute `minute` (ending now) and completes what the asynchronous instances processed in
   * it. Returns the completions.
   */
  public endMinute(minute: number): Completion[] {
    const start = minute * 60;
    const end = (minute + 1) * 60;
    const completions: Completion[] = [];
    const a = this.assumptions;
    // An idle minute publishes 0 only where capacity served through the whole minute: a copy or instance that came
    // into service during the minute has had no full period to report (assumption publishesZeroWhileIdle covers
    // whether idle zeros exist at all).
    for (const c of this.components) {
      const dims: Array<[string, string]> = [['InferenceComponentName', c.spec.name]];
      const running = c.copies.filter((copy) => copy.readyAt <= start).length;
      const counted = c.counters.served + (a.refusedCountsAsInvocation ? c.counters.refused : 0);
      const idleZero = a.publishesZeroWhileIdle && running > 0;
      if (counted > 0) this.metrics.put(sortedMetric('AWS/SageMaker', 'Invocations', dims), minute, ...Array(counted).fill(1));
      else if (idleZero) this.metrics.put(sortedMetric('AWS/SageMaker', 'Invocations', dims), minute, 0);
      if (c.counters.perCapacity.length > 0) this.metrics.put(sortedMetric('AWS/SageMaker', 'InvocationsPerCopy', dims), minute, ...c.counters.perCapacity);
      else if (idleZero) this.metrics.put(sortedMetric('AWS/SageMaker', 'InvocationsPerCopy', dims), minute, 0);
      if (c.counters.refused > 0) {
        this.metrics.put(sortedMetric('AWS/SageMaker', 'NoCapacityInvocationFailures', dims), minute, ...Array(c.counters.refused).fill(1));
      } else if (a.publishesZeroFailures) {
        this.metrics.put(sortedMetric('AWS/SageMaker', 'NoCapacityInvocationFailures', dims), minute, 0);
      }
      c.counters = newCounters();
    }
    for (const v of this.variants.filter((x) => !x.spec.managed)) {
      const ready = v.instances.filter((i) => i.readyAt <= end).length;
      const servedWholeMinute = v.instances.filter((i) => i.readyAt <= start).length;
      if (v.spec.async) {
        const done = this.processQueue(v, ready, end);
        completions.push(...done);
        this.publishBacklog(v, ready, minute, done.length);
      } else {
        const dims: Array<[string, string]> = [['EndpointName', v.spec.endpointName], ['VariantName', v.spec.variantName]];
        const idleZero = a.publishesZeroWhileIdle && servedWholeMinute > 0;
        if (v.counters.served > 0) this.metrics.put(sortedMetric('AWS/SageMaker', 'Invocations', dims), minute, ...Array(v.counters.served).fill(1));
        else if (idleZero) this.metrics.put(sortedMetric('AWS/SageMaker', 'Invocations', dims), minute, 0);
        if (v.counters.perCapacity.length > 0) this.metrics.put(sortedMetric('AWS/SageMaker', 'InvocationsPerInstance', dims), minute, ...v.counters.perCapacity);
        else if (idleZero) this.metrics.put(sortedMetric('AWS/SageMaker', 'InvocationsPerInstance', dims), minute, 0);
      }
      v.counters = newCounters();
    }
    return completions;
  }

  /** Instances that exist (starting or in service) and are billed. */
  public billedInstances(): number {
    return this.variants.reduce((n, v) => n + v.instances.length, 0);
  }

  /** Copies of each component, running at `second`, and asked for. */
  public copyCounts(second: number): Array<{ name: string; running: number; placed: number; desired: number }> {
    return this.components.map((c) => ({
      name: c.spec.name, running: c.copies.filter((x) => x.readyAt <= second).length, placed: c.copies.length, desired: c.desired,
    }));
  }

  /** Instances per variant: existing and asked for (the latter for variants scaled by Application Auto Scaling). */
  public instanceCounts(second: number): Array<{ endpoint: string; variant: string; instances: number; ready: number; desired?: number; backlog: number }> {
    return this.variants.map((v) => ({
      endpoint: v.spec.endpointName, variant: v.spec.variantName, instances: v.instances.length,
      ready: v.instances.filter((i) => i.readyAt <= second).length,
      desired: v.spec.managed ? undefined : v.desired, backlog: v.queue.length,
    }));
  }

  private instance(createdAt: number, readyAt: number): Instance {
    return { id: this.nextInstanceId++, createdAt, readyAt };
  }

  /**
   * Copies follow the desired count: extra copies stop (starting ones first), missing copies are placed on an instance
   * with room, or on a new instance while the variant is below its MaxInstanceCount ("Scale an endpoint to zero
   * instances": when the step policy adds a copy, "SageMaker AI provisions the necessary instances to support the
   * inference component copies"). A copy serves `copyStartMinutes` after its instance is ready; an instance is ready
   * `instanceStartMinutes` after it is started. A copy that fits nowhere waits unplaced.
   */
  private placeCopies(c: ComponentState, second: number, atCreation: boolean): void {
    while (c.copies.length > c.desired) {
      const starting = c.copies.filter((copy) => copy.readyAt > second);
      const victim = (starting.length > 0 ? starting : c.copies).reduce((a, b) => (b.readyAt >= a.readyAt ? b : a));
      c.copies = c.copies.filter((copy) => copy !== victim);
    }
    const managed = c.variant.spec.managed!;
    while (c.copies.length < c.desired) {
      let host = c.variant.instances.find((i) => this.fits(c, i));
      if (!host) {
        if (c.variant.instances.length >= managed.max) break;
        host = atCreation ? this.instance(0, 0) : this.instance(second, second + this.assumptions.instanceStartMinutes * 60);
        c.variant.instances.push(host);
      }
      const readyAt = atCreation ? 0 : Math.max(second, host.readyAt) + this.assumptions.copyStartMinutes * 60;
      c.copies.push({ instance: host, readyAt });
      host.emptySince = undefined;
    }
  }

  /** Whether one more copy of `c` fits on `instance` next to the copies it hosts (accelerators, CPU cores, memory). */
  private fits(c: ComponentState, instance: Instance): boolean {
    const capacity = instanceCapacity(c.variant.spec.instanceType);
    if (!capacity) throw new Error(`the simulation needs the capacity of ${c.variant.spec.instanceType} (lib/hosting/instance-capacity.ts)`);
    const hosted = this.components.flatMap((other) => other.copies.filter((copy) => copy.instance === instance).map(() => other.spec));
    const used = (pick: (s: InferenceComponentSpec) => number) => hosted.reduce((n, s) => n + pick(s), 0);
    return used((s) => s.accelerators) + c.spec.accelerators <= capacity.gpus
      && used((s) => s.cpuCores) + c.spec.cpuCores <= capacity.vcpus
      && used((s) => s.memoryMb) + c.spec.memoryMb <= capacity.memoryGib * 1024;
  }

  /**
   * Managed instance scaling releases an instance that hosts no copy, keeping MinInstanceCount; how long it waits is
   * not documented (assumption `emptyInstanceReleaseMinutes`).
   */
  private releaseEmptyInstances(v: VariantState, second: number): void {
    const hosting = new Set(this.components.flatMap((c) => c.copies.map((copy) => copy.instance)));
    for (const instance of v.instances) {
      if (hosting.has(instance)) instance.emptySince = undefined;
      else instance.emptySince ??= second;
    }
    const min = v.spec.managed!.min;
    v.instances = v.instances.filter((instance) => {
      const release = instance.emptySince !== undefined && second - instance.emptySince >= this.assumptions.emptyInstanceReleaseMinutes * 60;
      return !release || v.instances.length <= min;
    });
    while (v.instances.length < min) v.instances.push(this.instance(second, second + this.assumptions.instanceStartMinutes * 60));
  }

  /**
   * An instance-backed variant follows its desired instance count: a new instance serves after the instance starts
   * and the model loads (`instanceStartMinutes` + `copyStartMinutes`); removed instances stop at once (newest first).
   */
  private resizeVariant(v: VariantState, second: number): void {
    while (v.instances.length > v.desired) {
      const newest = v.instances.reduce((a, b) => (b.createdAt >= a.createdAt ? b : a));
      v.instances = v.instances.filter((i) => i !== newest);
    }
    while (v.instances.length < v.desired) {
      v.instances.push(this.instance(second, second + (this.assumptions.instanceStartMinutes + this.assumptions.copyStartMinutes) * 60));
    }
  }

  private processQueue(v: VariantState, ready: number, end: number): Completion[] {
    const done = v.queue.splice(0, ready * this.assumptions.asyncRequestsPerInstancePerMinute);
    return done.map((r) => ({ clientId: r.clientId, second: end }));
  }

  /**
   * The queue metrics of an asynchronous endpoint ("Autoscale an asynchronous endpoint" and "Alarms and logs for
   * tracking metrics from asynchronous endpoints",
   * https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference-monitor.html), dimension EndpointName:
   * ApproximateBacklogSize, "the number of items in the queue for an endpoint that are currently being processed or
   * yet to be processed": the requests still queued at the end of the minute plus those in process, on average over
   * the minute (Little's law: an instance works on one request at a time, `asyncRequestsPerInstancePerMinute` a
   * minute, so `processed / asyncRequestsPerInstancePerMinute` requests were in process on average; a traffic the
   * instances keep up with therefore still shows a backlog above 0); ApproximateBacklogSizePerInstance (the backlog
   * divided by the instances; with none, assumption `backlogPerInstanceAtZero`); HasBacklogWithoutCapacity (1 while
   * requests wait and no instance is in service).
   */
  private publishBacklog(v: VariantState, ready: number, minute: number, processed: number): void {
    const a = this.assumptions;
    const dims: Array<[string, string]> = [['EndpointName', v.spec.endpointName]];
    const backlog = v.queue.length + processed / a.asyncRequestsPerInstancePerMinute;
    if (backlog > 0 || (a.publishesZeroWhileIdle && ready > 0)) {
      this.metrics.put(sortedMetric('AWS/SageMaker', 'ApproximateBacklogSize', dims), minute, backlog);
      if (ready > 0) this.metrics.put(sortedMetric('AWS/SageMaker', 'ApproximateBacklogSizePerInstance', dims), minute, backlog / ready);
      else if (a.backlogPerInstanceAtZero === 'backlog') this.metrics.put(sortedMetric('AWS/SageMaker', 'ApproximateBacklogSizePerInstance', dims), minute, backlog);
    }
    const withoutCapacity = v.queue.length > 0 && ready === 0;
    if (withoutCapacity || a.publishesZeroFailures) {
      this.metrics.put(sortedMetric('AWS/SageMaker', 'HasBacklogWithoutCapacity', dims), minute, withoutCapacity ? 1 : 0);
    }
  }
}

/**
 * The copies a component is created with: the template's number, or, for the library's
 * `Custom::InferenceComponentCopyCount`, its answer while the component does not exist yet: the initial count it is
 * given (lib/hosting/runtime/copy-count-at-deploy.ts, tested against the local SageMaker).
 */
function initialCopyCount(spec: InferenceComponentSpec): number {
  if (typeof spec.copyCount === 'number') return spec.copyCount;
  if (spec.copyCount.initialCopyCount !== undefined) return spec.copyCount.initialCopyCount;
  throw new Error(`inference component ${spec.name}: its initial copy count comes from ${spec.copyCount.resourceType}, which the simulation does not model`);
}
