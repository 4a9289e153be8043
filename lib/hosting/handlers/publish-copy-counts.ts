// Lambda shell of the copy-count publisher: an EventBridge schedule invokes it every minute; it reads the inference
// component's copy counts and records them as CloudWatch metrics (see ../runtime/copy-count-metrics.ts).
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeInferenceComponentCommand, DescribeInferenceComponentCommandOutput, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { INFERENCE_COMPONENT_NAME_ENV } from '../monitoring/copy-count-names';
import { copyCountMetricData, isMissingComponent } from '../runtime/copy-count-metrics';

const sagemaker = new SageMakerClient({});
const cloudwatch = new CloudWatchClient({});

export async function handler(): Promise<void> {
  const componentName = process.env[INFERENCE_COMPONENT_NAME_ENV];
  if (!componentName) {
    throw new Error(`${INFERENCE_COMPONENT_NAME_ENV} is not set: the function is deployed by the library, which sets it`);
  }
  let described: DescribeInferenceComponentCommandOutput;
  try {
    described = await sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: componentName }));
  } catch (error) {
    if (isMissingComponent(error)) {
      // Before the stack creates the component, or after it deleted it: nothing to count, nothing to fail.
      console.log(JSON.stringify({ component: componentName, published: false, reason: (error as Error).message }));
      return;
    }
    throw error;
  }
  const request = copyCountMetricData(componentName, described.RuntimeConfig, new Date());
  if (request) {
    await cloudwatch.send(new PutMetricDataCommand(request));
  }
  console.log(JSON.stringify({
    component: componentName,
    status: described.InferenceComponentStatus,
    published: request !== undefined,
    current: described.RuntimeConfig?.CurrentCopyCount,
    desired: described.RuntimeConfig?.DesiredCopyCount,
  }));
}
