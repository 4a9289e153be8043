// Lambda shell of the training job custom resources: the logic lives in ../runtime (tested there); this file only
// wires the AWS SDK and the CloudFormation response.
import {
  CreateTrainingJobCommand, CreateTrainingJobCommandInput, DescribeTrainingJobCommand, ListTrainingJobsCommand, SageMakerClient,
  StopTrainingJobCommand,
} from '@aws-sdk/client-sagemaker';
import { buildResponseBody, putToPresignedUrl } from '../runtime/cfn-response';
import { CustomResourceEvent, TrainingJobsApi, handleLifecycleEvent } from '../runtime/lifecycle';

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
  signalWaitCondition: putToPresignedUrl,
};

/** Leave this much of the Lambda timeout to send the response: a custom resource must never time out. */
const RESPONSE_RESERVE_MS = 15_000;

export async function handler(event: CustomResourceEvent, context: { getRemainingTimeInMillis(): number; logStreamName?: string }): Promise<void> {
  console.log(JSON.stringify({ RequestType: event.RequestType, ResourceType: event.ResourceType, LogicalResourceId: event.LogicalResourceId, PhysicalResourceId: event.PhysicalResourceId }));
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('the SageMaker calls did not finish in time')), Math.max(1000, context.getRemainingTimeInMillis() - RESPONSE_RESERVE_MS));
  });
  let body: string;
  try {
    const outcome = await Promise.race([handleLifecycleEvent(event, api), deadline]);
    body = buildResponseBody(event, { outcome });
  } catch (error) {
    console.error(error);
    body = buildResponseBody(event, { error: error as Error }, context.logStreamName);
  } finally {
    clearTimeout(timer);
  }
  await putToPresignedUrl(event.ResponseURL, body);
}
