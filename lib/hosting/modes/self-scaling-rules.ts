import { Duration } from 'aws-cdk-lib';
import { ValidationError } from '../../common/validation';
import { ServingModeContext } from './binding';

/** The period of the scale-to-zero modes' alarms and graphs: SageMaker publishes every minute. */
export const PERIOD = Duration.minutes(1);

/**
 * The rule both modes that scale themselves share: props that configure the always-on variant's scaling, or an alarm
 * on idleness, are contradictions, not silent no-ops.
 *
 * @param kind the mode as messages name it (`ServingModeKind`)
 * @param limits the mode's own options that replace `autoScaling`
 */
export function refuseAlwaysOnOptions(context: ServingModeContext, kind: string, limits: string): void {
  if (context.autoScaling) {
    throw new ValidationError(`autoScaling configures the always-on real-time variant, but servingMode is ${kind}, which ` +
      `scales itself: remove autoScaling and set the limits in the mode's options (${limits}).`, context.scope);
  }
  if (context.alarms?.noInvocations?.enabled) {
    throw new ValidationError('alarms.noInvocations would fire every time the endpoint is idle, which a scale-to-zero mode is ' +
      'on purpose; remove it.', context.scope);
  }
}
