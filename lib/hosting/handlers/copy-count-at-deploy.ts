// Lambda shell of the copy-count-at-deploy custom resource: reads the inference component with
// DescribeInferenceComponent and answers CloudFormation through the shared custom-resource runtime (the logic is in
// ../runtime/copy-count-at-deploy.ts).
import { DescribeInferenceComponentCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { CustomResourceEvent, lambdaLogHint, respondToCustomResource } from '../../common/runtime/custom-resource';
import { LambdaTimeBudget, workBudgetMs } from '../../common/runtime/deadline';
import { copyCountAtDeploy } from '../runtime/copy-count-at-deploy';
import { isMissingComponent } from '../runtime/copy-count-metrics';

const sagemaker = new SageMakerClient({});

interface LambdaContext extends LambdaTimeBudget {
  readonly logGroupName?: string;
  readonly logStreamName?: string;
}

export async function handler(event: CustomResourceEvent, context: LambdaContext): Promise<void> {
  console.log(JSON.stringify({ RequestType: event.RequestType, LogicalResourceId: event.LogicalResourceId, ResourceProperties: event.ResourceProperties }));
  await respondToCustomResource(event, () => copyCountAtDeploy(event, async (name) => {
    try {
      const described = await sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: name }));
      return described.RuntimeConfig ?? {};
    } catch (error) {
      if (isMissingComponent(error)) return undefined;
      throw error;
    }
  }), {
    timeoutMs: workBudgetMs(context, 10_000),
    logHint: lambdaLogHint(context),
    log: (message) => console.log(message),
  });
}
