// Lambda shell of the training job custom resources: the logic lives in ../runtime (tested there); this file only
// wires the AWS SDK, and the shared custom-resource runtime answers CloudFormation.
import {
  CreateTrainingJobCommand, CreateTrainingJobCommandInput, DescribeTrainingJobCommand, ListTrainingJobsCommand, SageMakerClient,
  StopTrainingJobCommand,
} from '@aws-sdk/client-sagemaker';
import { CustomResourceEvent, lambdaLogHint, respondToCustomResource } from '../../common/runtime/custom-resource';
import { LambdaTimeBudget, workBudgetMs } from '../../common/runtime/deadline';
import { putToPresignedUrl } from '../../common/runtime/presigned-put';
import { failedCreatePhysicalId } from '../runtime/job-name';
import { TrainingJobsApi, handleLifecycleEvent } from '../runtime/lifecycle';

const sagemaker = new SageMakerClient({});

const api: TrainingJobsApi = {
  async createTrainingJob(request) {
    await sagemaker.send(new CreateTrainingJobCommand(request as unknown as CreateTrainingJobCommandInput));
  },
  async describeTrainingJob(name) {
    try {
      const job = await sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));
      return {
        status: job.TrainingJobStatus ?? 'Unknown',
        secondaryStatus: job.SecondaryStatus,
        failureReason: job.FailureReason,
        modelArtifacts: job.ModelArtifacts?.S3ModelArtifacts,
        hyperParameters: job.HyperParameters,
        roleArn: job.RoleArn,
        trainingImage: job.AlgorithmSpecification?.TrainingImage,
        s3OutputPath: job.OutputDataConfig?.S3OutputPath,
        compressionType: job.OutputDataConfig?.CompressionType,
      };
    } catch (error) {
      // DescribeTrainingJob answers ValidationException "Requested resource not found" for an unknown name.
      if (/not found/i.test((error as Error).message)) return undefined;
      throw error;
    }
  },
  async stopTrainingJob(name) {
    await sagemaker.send(new StopTrainingJobCommand({ TrainingJobName: name }));
  },
  async listCompletedTrainingJobs(prefix) {
    const page = await sagemaker.send(new ListTrainingJobsCommand({
      NameContains: prefix, StatusEquals: 'Completed', SortBy: 'CreationTime', SortOrder: 'Descending', MaxResults: 10,
    }));
    return (page.TrainingJobSummaries ?? []).map((job) => job.TrainingJobName ?? '');
  },
  signalWaitCondition: (url, body) => putToPresignedUrl(url, body),
};

/** Leave this much of the Lambda timeout to send the response: a custom resource must never time out. */
const RESPONSE_RESERVE_MS = 15_000;

interface LambdaContext extends LambdaTimeBudget {
  readonly logGroupName?: string;
  readonly logStreamName?: string;
}

export async function handler(event: CustomResourceEvent, context: LambdaContext): Promise<void> {
  console.log(JSON.stringify({ RequestType: event.RequestType, ResourceType: event.ResourceType, LogicalResourceId: event.LogicalResourceId, PhysicalResourceId: event.PhysicalResourceId }));
  await respondToCustomResource(event, () => handleLifecycleEvent(event, api), {
    timeoutMs: workBudgetMs(context, RESPONSE_RESERVE_MS),
    // The SageMaker calls take no abort signal; past the deadline they are abandoned at once.
    graceMs: 0,
    timeoutError: () => new Error('the SageMaker calls did not finish in time'),
    failedCreatePhysicalId,
    logHint: lambdaLogHint(context),
    log: (message) => console.log(message),
  });
}
