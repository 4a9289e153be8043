import { AsyncInferenceOptions } from './async-inference-options';
import { ScaleToZeroOptions } from './scale-to-zero-options';
import { checkPropTypes } from '../common/validation';
import { AlwaysOnServingMode } from './modes/always-on';
import { AsynchronousServingMode } from './modes/asynchronous';
import { BoundServingMode, ServingModeContext } from './modes/binding';
import { ScaleToZeroServingMode } from './modes/scale-to-zero';
import { ASYNC_OPTION_TYPES, SCALE_TO_ZERO_OPTION_TYPES } from './option-types';

/**
 * The kind of endpoint a `ServingMode` makes.
 */
export enum ServingModeKind {
  /** A real-time endpoint on dedicated, always-on instances. */
  REALTIME = 'REALTIME',
  /** A real-time endpoint hosting the model as an inference component, scaling to zero instances when idle. */
  REALTIME_SCALE_TO_ZERO = 'REALTIME_SCALE_TO_ZERO',
  /** An asynchronous endpoint (`InvokeEndpointAsync`), scaling to zero instances when its queue is empty. */
  ASYNCHRONOUS = 'ASYNCHRONOUS',
}

/** Binds a mode to one endpoint: the class of `modes/` that owns the mode's rules and resources. */
type ModeBinder = (context: ServingModeContext) => BoundServingMode;

/**
 * How an endpoint serves its model, and what it costs when idle. The model, image, inference code, VPC, KMS, data
 * capture and alarms options are the same in every mode.
 *
 * - `realtime()` (the default): always-on instances, no cold start, billed every hour.
 * - `realtimeScaleToZero()`: `InvokeEndpoint` as usual; up to about 25 minutes after the last request no instance runs, and
 *   the first request after that fails while an instance starts (several minutes).
 * - `asynchronous()`: `InvokeEndpointAsync` with payloads in S3; requests queue while an instance starts.
 *
 * Each mode binds itself to the endpoint (as `ModelData` and `ContainerImage` do): one class per mode under
 * `lib/hosting/modes/` owns its settings rules, its production variant, scaling, alarms, dashboard widgets, grants
 * and metrics.
 */
export class ServingMode {
  /** Today's real-time endpoint: dedicated instances that always run. The template is unchanged. */
  public static realtime(): ServingMode {
    return new ServingMode(ServingModeKind.REALTIME, false, (context) => new AlwaysOnServingMode(context));
  }

  /**
   * A real-time endpoint that hosts the model as an inference component on a variant with managed instance scaling
   * down to 0 instances, as "Scale an endpoint to zero instances" wires it: target tracking on invocations per copy
   * (min 0) takes the copies to 0 when idle, a step policy on the `NoCapacityInvocationFailures` alarm brings the first
   * copy back.
   */
  public static realtimeScaleToZero(options: ScaleToZeroOptions = {}): ServingMode {
    checkPropTypes('ServingMode.realtimeScaleToZero: ', options, SCALE_TO_ZERO_OPTION_TYPES);
    return new ServingMode(ServingModeKind.REALTIME_SCALE_TO_ZERO, true,
      (context) => new ScaleToZeroServingMode(context, options ?? {}), options, undefined);
  }

  /**
   * An asynchronous endpoint (`AsyncInferenceConfig`): results in S3, optional SNS notifications, the variant scaled
   * on its backlog down to 0 instances and woken by the `HasBacklogWithoutCapacity` alarm.
   */
  public static asynchronous(options: AsyncInferenceOptions = {}): ServingMode {
    checkPropTypes('ServingMode.asynchronous: ', options, ASYNC_OPTION_TYPES);
    return new ServingMode(ServingModeKind.ASYNCHRONOUS, true,
      (context) => new AsynchronousServingMode(context, options ?? {}), undefined, options);
  }

  private constructor(
    /** Which kind of endpoint this mode makes (for reading; the endpoint itself never asks). */
    public readonly kind: ServingModeKind,
    /** Whether this mode lets the endpoint run no instance at all while idle. */
    public readonly scalesToZero: boolean,
    private readonly binder: ModeBinder,
    /** The options of `realtimeScaleToZero()`, else undefined. */
    public readonly scaleToZero?: ScaleToZeroOptions,
    /** The options of `asynchronous()`, else undefined. */
    public readonly asyncInference?: AsyncInferenceOptions,
  ) {}

  /**
   * Checks the mode's settings against the endpoint's and returns the mode bound to it.
   *
   * @internal
   */
  public _bind(context: ServingModeContext): BoundServingMode {
    return this.binder(context);
  }
}
