// The copy count a stack update gives an inference component, free of AWS calls: CloudFormation's custom resource
// reads what SageMaker holds now (through `describe`) and answers it, so that the component's RuntimeConfig.CopyCount
// in the template is the count Application Auto Scaling has set, not the initial one. The shell
// (../handlers/copy-count-at-deploy.ts) makes the SageMaker call and answers CloudFormation.
import { CustomResourceEvent, CustomResourceOutcome } from '../../common/runtime/custom-resource';
import { InferenceComponentRuntime } from './copy-count-metrics';

/** The resource's properties, as CloudFormation delivers them (every scalar a string). */
export interface CopyCountAtDeployProperties {
  readonly InferenceComponentName: string;
  /** The copies the component is created with. */
  readonly InitialCopyCount: string;
}

/** What `describe` answers: the component's runtime, or `undefined` when the component does not exist. */
export type DescribeRuntime = (componentName: string) => Promise<InferenceComponentRuntime | undefined>;

/**
 * Create and Update: the count to render, `CopyCount` in the answer's data. A component that does not exist yet (the
 * stack creates it next) gets the initial count; an existing one keeps the count SageMaker wants now (DesiredCopyCount:
 * what Application Auto Scaling last set, 0 when the endpoint is idle), or, while it has none yet, the count running.
 * Delete: the resource owns nothing, so there is nothing to remove.
 */
export async function copyCountAtDeploy(event: CustomResourceEvent, describe: DescribeRuntime): Promise<CustomResourceOutcome> {
  const props = event.ResourceProperties as unknown as CopyCountAtDeployProperties;
  const name = props.InferenceComponentName;
  if (typeof name !== 'string' || name === '') {
    throw new Error('InferenceComponentName is missing from the resource properties: the library sets it; was the template edited?');
  }
  const physicalResourceId = event.PhysicalResourceId ?? name;
  if (event.RequestType === 'Delete') {
    return { physicalResourceId };
  }
  const initial = Number(props.InitialCopyCount);
  if (!Number.isInteger(initial) || initial < 0) {
    throw new Error(`InitialCopyCount must be a whole number >= 0, got ${JSON.stringify(props.InitialCopyCount)}.`);
  }
  const runtime = await describe(name);
  const copyCount = runtime?.DesiredCopyCount ?? runtime?.CurrentCopyCount ?? initial;
  return { physicalResourceId: name, data: { CopyCount: String(copyCount), Source: runtime ? 'DescribeInferenceComponent' : 'InitialCopyCount' } };
}
