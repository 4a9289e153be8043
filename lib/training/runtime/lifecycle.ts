import { CLOUDFORMATION_PROPERTIES, HANDLER_ONLY_PROPERTIES, TRAINING_JOB_RESOURCE_TYPE, TRAINING_RESULT_RESOURCE_TYPE } from '../resource-types';
import { CREATE_TRAINING_JOB_INPUT } from './api-shape';
import { fromCloudFormation } from './cloudformation-types';
import { finalizeHyperparameters } from './deploy-time-hyperparameters';
import { isTrainingJobName, trainingJobName } from './job-name';
import { CustomResourceEvent, CustomResourceOutcome } from '../../common/runtime/custom-resource';
import { parseS3Uri } from '../../common/s3-uri';
import { stableStringify } from '../../common/stable-json';

/** What the handler learns from DescribeTrainingJob. */
export interface TrainingJobDescription {
  readonly status: string;
  readonly secondaryStatus?: string;
  readonly failureReason?: string;
  readonly modelArtifacts?: string;
  readonly hyperParameters?: { [name: string]: string };
  readonly roleArn?: string;
  readonly trainingImage?: string;
  readonly s3OutputPath?: string;
  /** `OutputDataConfig.CompressionType`: `NONE` when the model was uploaded as objects under a prefix. */
  readonly compressionType?: string;
}

/** The SageMaker calls the handler makes (the shell implements them with the AWS SDK; tests with a fake). */
export interface TrainingJobsApi {
  /** CreateTrainingJob; rejects with an error named `ResourceInUse` when the name is taken. */
  createTrainingJob(request: { [key: string]: unknown }): Promise<void>;
  /** DescribeTrainingJob, or undefined when no such job exists. */
  describeTrainingJob(name: string): Promise<TrainingJobDescription | undefined>;
  stopTrainingJob(name: string): Promise<void>;
  /** Names of the Completed jobs whose name starts with `prefix`, newest first (ListTrainingJobs). */
  listCompletedTrainingJobs(prefix: string): Promise<string[]>;
  /** PUTs a wait condition signal to a handle URL. */
  signalWaitCondition(url: string, body: string): Promise<void>;
}

/** How many completed jobs of the same inputs are examined for reuse. */
const MAX_REUSE_CANDIDATES = 5;

/**
 * The CreateTrainingJob request a job resource's properties describe: the handler-only properties removed, the
 * strings CloudFormation made of every scalar converted back to the API model's types, deploy-time
 * hyperparameters encoded and every hyperparameter checked against its declared type, and the name added.
 */
export function buildCreateTrainingJobRequest(properties: { [key: string]: unknown }, jobName: string): { [key: string]: unknown } {
  const apiFields: { [key: string]: unknown } = {};
  for (const [key, value] of Object.entries(properties)) {
    if (!HANDLER_ONLY_PROPERTIES.includes(key)) apiFields[key] = value;
  }
  const request = fromCloudFormation(apiFields, CREATE_TRAINING_JOB_INPUT, 'CreateTrainingJob') as { [key: string]: unknown };
  request.HyperParameters = finalizeHyperparameters(
    (request.HyperParameters ?? {}) as { [name: string]: string },
    (properties.HyperParameterTypes ?? {}) as { [name: string]: string },
    (properties.DeployTimeHyperParameters ?? {}) as { [name: string]: string },
    jobName,
  );
  return { TrainingJobName: jobName, ...request };
}

/** Handles one custom resource request; throws (with a one-line reason) to fail it. */
export async function handleLifecycleEvent(event: CustomResourceEvent, api: TrainingJobsApi): Promise<CustomResourceOutcome> {
  switch (event.ResourceType) {
    case TRAINING_JOB_RESOURCE_TYPE: return handleJob(event, api);
    case TRAINING_RESULT_RESOURCE_TYPE: return handleResult(event, api);
    default: throw new Error(`unexpected resource type ${event.ResourceType}`);
  }
}

async function handleJob(event: CustomResourceEvent, api: TrainingJobsApi): Promise<CustomResourceOutcome> {
  const props = event.ResourceProperties;
  if (event.RequestType === 'Delete') {
    await stopIfRunning(event.PhysicalResourceId, api);
    return { physicalResourceId: event.PhysicalResourceId ?? event.LogicalResourceId };
  }
  const prefix = String(props.TrainingJobNamePrefix);
  const update = event.RequestType === 'Update' && isTrainingJobName(event.PhysicalResourceId);
  const old = event.OldResourceProperties ?? {};
  if (update && sameTrainingInputs(old, props)) {
    // Nothing the job depends on changed: keep the job (and its artifact), start nothing.
    return { physicalResourceId: event.PhysicalResourceId!, data: { TrainingJobName: event.PhysicalResourceId! } };
  }
  // A completed job of exactly these inputs exists (a rollback to them, inputs changed back, a replaced stack
  // writing to the same place): use it, and signal the wait condition, which no job event will.
  const reusable = await findCompletedJob(props, prefix, api);
  if (reusable) {
    if (props.WaitConditionHandle) {
      await api.signalWaitCondition(String(props.WaitConditionHandle), JSON.stringify({
        Status: 'SUCCESS', Reason: `Reused completed training job ${reusable} of the same inputs`, UniqueId: reusable, Data: '',
      }));
    }
    return { physicalResourceId: reusable, data: { TrainingJobName: reusable } };
  }
  if (update) {
    if (old.TrainingJobNamePrefix === props.TrainingJobNamePrefix) {
      // Only deploy-time values changed: the synthesized template (and so the wait condition) is the same, and a
      // wait condition waits only once, so the deploy could not wait for a new job.
      throw new Error(`only deploy-time values (CloudFormation parameters) of training ${props.TrainingJobNamePrefix}* changed; a new training needs a new wait condition, which only a change in the synthesized template makes: change a synth-time input too (e.g. a hyperparameter or the source), or deploy the previous parameter values.`);
    }
  }
  const jobName = trainingJobName(prefix, event.RequestId);
  const request = buildCreateTrainingJobRequest(props, jobName);
  try {
    await api.createTrainingJob(request);
  } catch (error) {
    // A retried delivery of the same request (same name) finds the job it started: that is success.
    if ((error as Error).name !== 'ResourceInUse' || !(await api.describeTrainingJob(jobName))) throw error;
  }
  return { physicalResourceId: jobName, data: { TrainingJobName: jobName } };
}

/**
 * The newest Completed job whose name carries these inputs' hash and whose request resolved to the same values
 * (deploy-time hyperparameters, role, image, output path: what the synthesized hash cannot see).
 */
async function findCompletedJob(props: { [key: string]: unknown }, prefix: string, api: TrainingJobsApi): Promise<string | undefined> {
  const candidates = (await api.listCompletedTrainingJobs(prefix)).filter((name) => name.startsWith(prefix)).slice(0, MAX_REUSE_CANDIDATES);
  for (const name of candidates) {
    const job = await api.describeTrainingJob(name);
    if (job?.status === 'Completed' && job.modelArtifacts && sameResolvedRequest(job, buildCreateTrainingJobRequest(props, name) as ComparedRequestFields)) {
      return name;
    }
  }
  return undefined;
}

/** The members of a CreateTrainingJob request that a reused job must match. */
interface ComparedRequestFields {
  readonly HyperParameters?: { [name: string]: string };
  readonly RoleArn?: string;
  readonly AlgorithmSpecification?: { readonly TrainingImage?: string };
  readonly OutputDataConfig?: { readonly S3OutputPath?: string };
}

/** Whether a described job was started from the same resolved request (its own name aside). */
export function sameResolvedRequest(job: TrainingJobDescription, request: ComparedRequestFields): boolean {
  const withoutName = (hps: { [name: string]: string } | undefined) => {
    const { sagemaker_job_name: _name, ...rest } = hps ?? {};
    return rest;
  };
  return stableStringify(withoutName(job.hyperParameters)) === stableStringify(withoutName(request.HyperParameters))
    && job.roleArn === request.RoleArn
    && job.trainingImage === request.AlgorithmSpecification?.TrainingImage
    && trimSlash(job.s3OutputPath) === trimSlash(request.OutputDataConfig?.S3OutputPath);
}

function trimSlash(value: string | undefined): string | undefined {
  return value?.replace(/\/+$/, '');
}

async function stopIfRunning(physicalId: string | undefined, api: TrainingJobsApi): Promise<void> {
  if (!isTrainingJobName(physicalId)) return; // the failed-Create marker: a failed create that never named a job
  const job = await api.describeTrainingJob(physicalId);
  if (job?.status === 'InProgress') {
    await api.stopTrainingJob(physicalId);
  }
}

async function handleResult(event: CustomResourceEvent, api: TrainingJobsApi): Promise<CustomResourceOutcome> {
  const name = String(event.ResourceProperties.TrainingJobName);
  if (event.RequestType === 'Delete') {
    return { physicalResourceId: event.PhysicalResourceId ?? name };
  }
  const job = await api.describeTrainingJob(name);
  if (!job) throw new Error(`training job ${name} does not exist.`);
  if (job.status !== 'Completed' || !job.modelArtifacts) {
    throw new Error(`training job ${name} is ${job.status}${job.secondaryStatus ? ` (${job.secondaryStatus})` : ''}${job.failureReason ? `: ${job.failureReason}` : ''}; its model artifacts are not available.`);
  }
  // Uncompressed output: S3ModelArtifacts names the prefix of the model's files. SageMaker's ModelDataSource needs
  // it to end with '/', and a prefix without one would also match its sibling keys.
  const uri = job.compressionType === 'NONE' && !job.modelArtifacts.endsWith('/') ? `${job.modelArtifacts}/` : job.modelArtifacts;
  const location = parseS3Uri(uri);
  if (!location) throw new Error(`'${job.modelArtifacts}' is not an s3:// URI.`);
  return {
    physicalResourceId: name,
    data: { ModelDataUrl: uri, ModelArtifactBucket: location.bucket, ModelArtifactKey: location.key },
  };
}

/** Whether two property sets describe the same training (the service token and timeout may differ). */
export function sameTrainingInputs(a: { [key: string]: unknown }, b: { [key: string]: unknown }): boolean {
  const strip = (p: { [key: string]: unknown }) => Object.fromEntries(Object.entries(p).filter(([k]) => !CLOUDFORMATION_PROPERTIES.includes(k)));
  return stableStringify(strip(a)) === stableStringify(strip(b));
}
