import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { CapacitySize } from './capacity-size';
import { checkPropTypes } from '../../common/validation';
import { GUARDRAIL_OPTION_TYPES } from '../option-types';

/** What every kind of guardrailed deployment takes. */
export interface DeploymentGuardrailsOptions {
  /**
   * More CloudWatch alarms that roll the deployment back when they fire during a baking period, on top of the
   * endpoint's own alarms (see `useDefaultAlarms`). They must be in the endpoint's account and region (SageMaker looks
   * them up by name there); at most 10 alarms in all.
   *
   * @default - none: only the endpoint's own alarms
   */
  readonly rollbackAlarms?: cloudwatch.IAlarm[];

  /**
   * Whether the endpoint's own alarms (the 5xx error rate and p90 model latency alarms by default, and any other
   * alarm enabled in `alarms`) roll the deployment back. When true, the endpoint's alarms must be enabled.
   *
   * @default true
   */
  readonly useDefaultAlarms?: boolean;

  /**
   * How long the whole deployment may take before SageMaker gives up and rolls back, 10 minutes to 8 hours. It must be
   * longer than the baking periods added up.
   *
   * @default - the baking periods added up plus one hour for provisioning, at least 10 minutes, at most 8 hours
   */
  readonly maximumExecutionTimeout?: Duration;
}

/** What a blue/green deployment adds. */
export interface BlueGreenDeploymentOptions extends DeploymentGuardrailsOptions {
  /**
   * The final baking period: how long the old fleet is kept after all traffic reached the new one, 0 to 60 minutes.
   * The rollback alarms are still watched then, and a rollback is instant because the old fleet still runs (and is
   * still billed).
   *
   * @default Duration.minutes(5)
   */
  readonly terminationWait?: Duration;
}

/** A canary deployment. */
export interface CanaryDeploymentOptions extends BlueGreenDeploymentOptions {
  /**
   * How much of the new fleet receives traffic first: at most half the variant's instance count.
   *
   * @default CapacitySize.instanceCount(1)
   */
  readonly canarySize?: CapacitySize;

  /**
   * How long the canary bakes before the rest of the traffic shifts, 0 to 60 minutes.
   *
   * @default Duration.minutes(10)
   */
  readonly waitInterval?: Duration;
}

/** A linear deployment. */
export interface LinearDeploymentOptions extends BlueGreenDeploymentOptions {
  /**
   * How much of the new fleet is turned on at each step: 10 to 50 % of the variant's instance count.
   *
   * @default CapacitySize.percent(50)
   */
  readonly stepSize?: CapacitySize;

  /**
   * How long each step bakes before the next, 0 to 60 minutes.
   *
   * @default Duration.minutes(5)
   */
  readonly waitInterval?: Duration;
}

/** A rolling deployment. */
export interface RollingDeploymentOptions extends DeploymentGuardrailsOptions {
  /**
   * How many instances are replaced at each step: 5 to 50 % of the variant's instance count. With
   * `ServingMode.realtimeScaleToZero()` the inference component is updated in batches of copies instead: 5 to 50 % of
   * its copies (`CapacitySize.copyCount(n)` or `CapacitySize.percent(n)`), checked against `maxCopyCount`.
   *
   * @default CapacitySize.percent(50)
   */
  readonly maximumBatchSize?: CapacitySize;

  /**
   * How long each batch bakes before the next, 0 to 60 minutes.
   *
   * @default Duration.minutes(5)
   */
  readonly waitInterval?: Duration;

  /**
   * How many instances (inference component: copies) are brought back at each step of a rollback.
   *
   * @default - SageMaker's: the whole old fleet at once
   */
  readonly rollbackMaximumBatchSize?: CapacitySize;
}

/** The kind of deployment, as `DeploymentGuardrails.kind` reports it. */
export enum DeploymentKind {
  /** Blue/green, all traffic at once. */
  ALL_AT_ONCE = 'ALL_AT_ONCE',
  /** Blue/green, a canary first. */
  CANARY = 'CANARY',
  /** Blue/green, in equal steps. */
  LINEAR = 'LINEAR',
  /** Rolling batches of instances. */
  ROLLING = 'ROLLING',
}

/**
 * How `cdk deploy` of a changed model (a new endpoint config) reaches the endpoint's traffic, and which alarms roll
 * it back: `AWS::SageMaker::Endpoint.DeploymentConfig`. With `ServingMode.realtimeScaleToZero()` the model lives in an
 * inference component and only `rolling()` applies, rendered as `AWS::SageMaker::InferenceComponent.DeploymentConfig`
 * (batches of copies).
 *
 * ```ts fixture=with-stack
 * new PytorchCustomEndpoint(stack, 'Classifier', {
 *   model: ModelData.fromAsset('build/model.tar.gz'),
 *   endpoint: {
 *     instanceCount: 4,
 *     deployment: DeploymentGuardrails.canary({ canarySize: CapacitySize.percent(25), waitInterval: Duration.minutes(10) }),
 *   },
 * });
 * ```
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails.html
 */
export class DeploymentGuardrails {
  /** Blue/green: the new fleet gets all traffic at once, the old one is kept for `terminationWait`, then removed. */
  public static allAtOnce(options: BlueGreenDeploymentOptions = {}): DeploymentGuardrails {
    return new DeploymentGuardrails(DeploymentKind.ALL_AT_ONCE, options, {});
  }

  /** Blue/green: a canary share of the new fleet gets traffic first; after `waitInterval` without alarm, the rest. */
  public static canary(options: CanaryDeploymentOptions = {}): DeploymentGuardrails {
    return new DeploymentGuardrails(DeploymentKind.CANARY, options, {
      size: options.canarySize ?? CapacitySize.instanceCount(1),
      waitInterval: options.waitInterval ?? Duration.minutes(10),
    });
  }

  /** Blue/green: traffic shifts in steps of `stepSize`, each baking for `waitInterval`. */
  public static linear(options: LinearDeploymentOptions = {}): DeploymentGuardrails {
    return new DeploymentGuardrails(DeploymentKind.LINEAR, options, {
      size: options.stepSize ?? CapacitySize.percent(50),
      waitInterval: options.waitInterval ?? Duration.minutes(5),
    });
  }

  /**
   * Rolling: batches of instances are replaced one after the other, so at most one batch of extra instances runs
   * (blue/green needs a whole second fleet). An inference component (`ServingMode.realtimeScaleToZero()`) is updated
   * in batches of copies.
   */
  public static rolling(options: RollingDeploymentOptions = {}): DeploymentGuardrails {
    return new DeploymentGuardrails(DeploymentKind.ROLLING, options, {
      size: options.maximumBatchSize ?? CapacitySize.percent(50),
      waitInterval: options.waitInterval ?? Duration.minutes(5),
      rollbackSize: options.rollbackMaximumBatchSize,
    });
  }

  /** The kind of deployment. */
  public readonly kind: DeploymentKind;
  /** The canary, the linear step or the rolling batch (undefined for all at once). */
  public readonly size?: CapacitySize;
  /** The rolling rollback batch. */
  public readonly rollbackSize?: CapacitySize;
  /** The baking period between steps (undefined for all at once). */
  public readonly waitInterval?: Duration;
  /** The final baking period of a blue/green deployment. */
  public readonly terminationWait?: Duration;
  /** The given maximum execution timeout. */
  public readonly maximumExecutionTimeout?: Duration;
  /** The user's rollback alarms. */
  public readonly rollbackAlarms: cloudwatch.IAlarm[];
  /** Whether the endpoint's own alarms roll back. */
  public readonly useDefaultAlarms: boolean;
  /** Whether `useDefaultAlarms` was given (rather than defaulted). */
  public readonly useDefaultAlarmsGiven: boolean;

  private constructor(kind: DeploymentKind, options: BlueGreenDeploymentOptions, steps: Steps) {
    // The factory's name in messages: ALL_AT_ONCE -> DeploymentGuardrails.allAtOnce.
    checkPropTypes(`DeploymentGuardrails.${kind.toLowerCase().replace(/_(.)/g, (_m, c: string) => c.toUpperCase())}: `, options, GUARDRAIL_OPTION_TYPES);
    this.kind = kind;
    this.size = steps.size;
    this.rollbackSize = steps.rollbackSize;
    this.waitInterval = steps.waitInterval;
    this.terminationWait = kind === DeploymentKind.ROLLING ? undefined : options.terminationWait ?? Duration.minutes(5);
    this.maximumExecutionTimeout = options.maximumExecutionTimeout;
    this.rollbackAlarms = options.rollbackAlarms ?? [];
    this.useDefaultAlarms = options.useDefaultAlarms ?? true;
    this.useDefaultAlarmsGiven = options.useDefaultAlarms !== undefined;
  }
}

interface Steps {
  readonly size?: CapacitySize;
  readonly rollbackSize?: CapacitySize;
  readonly waitInterval?: Duration;
}
