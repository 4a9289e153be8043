import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IDependable } from 'constructs';

/** The scalable dimension of a SageMaker production variant: its instance count (real-time and async variants). */
export const VARIANT_INSTANCE_COUNT = 'sagemaker:variant:DesiredInstanceCount';

/** What SageMaker resource Application Auto Scaling scales, and between which bounds. */
export interface SageMakerScalableTargetProps {
  /** `endpoint/<name>/variant/<variant>` or `inference-component/<name>`. */
  readonly resourceId: string;
  /** `sagemaker:variant:DesiredInstanceCount` or `sagemaker:inference-component:DesiredCopyCount`. */
  readonly scalableDimension: string;
  readonly minCapacity: number;
  readonly maxCapacity: number;
  /** The resource must exist before it is registered. */
  readonly dependsOn?: IDependable;
}

/**
 * The scalable target every SageMaker scaling construct of this library registers (variant instances, async
 * instances, inference-component copies): one place for how the role and the dependency are handled.
 */
export function sagemakerScalableTarget(scope: Construct, id: string, props: SageMakerScalableTargetProps): appscaling.ScalableTarget {
  const target = new appscaling.ScalableTarget(scope, id, {
    serviceNamespace: appscaling.ServiceNamespace.SAGEMAKER,
    resourceId: props.resourceId,
    scalableDimension: props.scalableDimension,
    minCapacity: props.minCapacity,
    maxCapacity: props.maxCapacity,
    // ScalableTarget would otherwise create a role with no permissions, useless here: SageMaker endpoints scale
    // through Application Auto Scaling's service-linked role. An imported placeholder creates nothing, and its ARN
    // is removed from the template below.
    role: iam.Role.fromRoleName(scope, 'UnusedRole', 'unused'),
  });
  useServiceLinkedRole(target);
  if (props.dependsOn) target.node.addDependency(props.dependsOn);
  return target;
}

/**
 * Drops the role from the scalable target: without `RoleARN`, Application Auto Scaling uses (and creates if
 * needed) its service-linked role for SageMaker endpoints, which is what AWS recommends for this service.
 */
function useServiceLinkedRole(target: appscaling.ScalableTarget): void {
  const cfn = target.node.defaultChild as appscaling.CfnScalableTarget;
  cfn.addPropertyDeletionOverride('RoleARN');
}
