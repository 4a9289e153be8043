import { Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { isLiteral, ValidationError } from '../../common/validation';
import { CapacitySize } from './capacity-size';
import { DeploymentGuardrails, DeploymentKind } from './deployment-guardrails';
import {
  checkGuardrails, GuardrailFacts, MAXIMUM_EXECUTION_TIMEOUT_MAX_SECONDS, MAXIMUM_EXECUTION_TIMEOUT_MIN_SECONDS, totalWaitSeconds,
} from './guardrail-rules';

/** What the endpoint tells the deployment config about itself. */
export interface DeploymentContext {
  readonly instanceTypeName: string;
  /** The variant's instance count (an endpoint) or the most copies (an inference component). */
  readonly instanceCount: number;
  /** A scaling minimum of the variant's instances, when it has one (autoScaling, the asynchronous mode). */
  readonly minInstanceCount?: number;
  /** The option that sets `minInstanceCount` (or, for copies, `instanceCount`), as messages name it. */
  readonly countSetting?: string;
  /** The endpoint's own alarms (undefined when `enableAlarms` is false). */
  readonly endpointAlarms?: cloudwatch.IAlarm[];
  /**
   * The deployment kinds what is deployed does not take, as problems (e.g. an inference component's DeploymentConfig
   * holds a rolling update only: `inferenceComponentKindProblems`). Given by the one that renders the config, so no
   * code here asks which serving mode it is.
   *
   * @default - every kind is taken (an endpoint's DeploymentConfig)
   */
  readonly kindProblems?: (kind: string) => string[];
}

/** Provisioning the new fleet takes minutes on GPU instances: the default timeout leaves an hour for it. */
const PROVISIONING_ALLOWANCE_SECONDS = 3600;

/**
 * Checks the guardrails against the endpoint (throwing every problem at once, prefixed with the construct path) and
 * renders `AWS::SageMaker::Endpoint.DeploymentConfig`.
 */
export function renderDeploymentConfig(
  scope: Construct, guardrails: DeploymentGuardrails, context: DeploymentContext,
): sagemaker.CfnEndpoint.DeploymentConfigProperty {
  const { facts, alarms } = checkDeployment(scope, guardrails, context, 'instance');
  const autoRollbackConfiguration = rollbackConfiguration(alarms);
  if (guardrails.kind === DeploymentKind.ROLLING) {
    return {
      autoRollbackConfiguration,
      rollingUpdatePolicy: {
        maximumBatchSize: capacity(guardrails.size!),
        waitIntervalInSeconds: facts.waitIntervalSeconds!,
        maximumExecutionTimeoutInSeconds: facts.maximumExecutionTimeoutSeconds,
        rollbackMaximumBatchSize: guardrails.rollbackSize ? capacity(guardrails.rollbackSize) : undefined,
      },
    };
  }
  return {
    autoRollbackConfiguration,
    blueGreenUpdatePolicy: {
      trafficRoutingConfiguration: {
        type: guardrails.kind,
        // Required by the API even for ALL_AT_ONCE, where no step waits.
        waitIntervalInSeconds: facts.waitIntervalSeconds ?? 0,
        canarySize: guardrails.kind === DeploymentKind.CANARY ? capacity(guardrails.size!) : undefined,
        linearStepSize: guardrails.kind === DeploymentKind.LINEAR ? capacity(guardrails.size!) : undefined,
      },
      terminationWaitInSeconds: facts.terminationWaitSeconds,
      maximumExecutionTimeoutInSeconds: facts.maximumExecutionTimeoutSeconds,
    },
  };
}

/**
 * Checks a deployment against the serving mode, then (when the kind suits the mode) against every other rule, throwing
 * every problem at once, prefixed with the construct path. Returns the checked facts and the rollback alarms.
 */
export function checkDeployment(scope: Construct, guardrails: DeploymentGuardrails, context: DeploymentContext,
  unit: 'instance' | 'copy'): { facts: GuardrailFacts; alarms: cloudwatch.IAlarm[] } {
  // A kind the mode does not take makes the sizes and counts of that kind moot: say only that.
  const modeProblems = context.kindProblems?.(guardrails.kind) ?? [];
  if (modeProblems.length > 0) {
    throw new ValidationError(`deployment: ${modeProblems.join(' ')}`, scope);
  }
  const alarms = rollbackAlarms(scope, guardrails, context);
  const facts = guardrailFacts(guardrails, context, alarms.length, unit);
  const problems = checkGuardrails(facts);
  if (problems.length > 0) {
    throw new ValidationError(`deployment: ${problems.join(' ')}`, scope);
  }
  return { facts, alarms };
}

/** `AutoRollbackConfiguration` naming the alarms (in the same stack, by `Ref`), or nothing without alarms. */
export function rollbackConfiguration(alarms: cloudwatch.IAlarm[]): { alarms: Array<{ alarmName: string }> } | undefined {
  return alarms.length > 0 ? { alarms: alarms.map((alarm) => ({ alarmName: alarm.alarmName })) } : undefined;
}

/** The plain values the rules check, with the default maximum execution timeout worked out. */
export function guardrailFacts(guardrails: DeploymentGuardrails, context: DeploymentContext, alarmCount: number,
  unit: 'instance' | 'copy' = 'instance'): GuardrailFacts {
  const base = {
    unit,
    countSetting: context.countSetting,
    kind: guardrails.kind,
    size: guardrails.size,
    rollbackSize: guardrails.rollbackSize,
    waitIntervalSeconds: guardrails.waitInterval?.toSeconds(),
    terminationWaitSeconds: guardrails.terminationWait?.toSeconds(),
    instanceTypeName: context.instanceTypeName,
    instanceCount: context.instanceCount,
    minInstanceCount: context.minInstanceCount ?? context.instanceCount,
    alarmCount,
  };
  const maximumExecutionTimeoutSeconds = guardrails.maximumExecutionTimeout?.toSeconds() ?? Math.min(
    MAXIMUM_EXECUTION_TIMEOUT_MAX_SECONDS,
    Math.max(MAXIMUM_EXECUTION_TIMEOUT_MIN_SECONDS, totalWaitSeconds(base) + PROVISIONING_ALLOWANCE_SECONDS),
  );
  return { ...base, maximumExecutionTimeoutSeconds };
}

/** The endpoint's own alarms (unless switched off) and the user's, each in the endpoint's account and region. */
function rollbackAlarms(scope: Construct, guardrails: DeploymentGuardrails, context: DeploymentContext): cloudwatch.IAlarm[] {
  const own: cloudwatch.IAlarm[] = [];
  if (guardrails.useDefaultAlarms) {
    if (!context.endpointAlarms) {
      if (guardrails.useDefaultAlarmsGiven || guardrails.rollbackAlarms.length === 0) {
        throw new ValidationError(
          'deployment: the endpoint\'s alarms are off (enableAlarms: false), so nothing could roll ' +
          'a bad model back. Turn the alarms on, pass rollbackAlarms, or set useDefaultAlarms: false to deploy without ' +
          'automatic rollback.', scope);
      }
    } else {
      own.push(...context.endpointAlarms);
    }
  }
  const stack = Stack.of(scope);
  for (const alarm of guardrails.rollbackAlarms) {
    // SageMaker finds the alarms by name in the endpoint's account and region.
    const env = alarm.env;
    for (const [what, theirs, ours] of [['account', env.account, stack.account], ['region', env.region, stack.region]] as const) {
      if (isLiteral(theirs) && isLiteral(ours) && theirs !== ours) {
        throw new ValidationError(
          `deployment: rollback alarm ${alarm.node.path} is in ${what} ${theirs}, the endpoint in ` +
          `${ours}: SageMaker reads rollback alarms by name in the endpoint's own account and region.`, scope);
      }
    }
  }
  return [...own, ...guardrails.rollbackAlarms];
}

export function capacity(size: CapacitySize): { type: string; value: number } {
  return { type: size.type, value: size.value };
}
