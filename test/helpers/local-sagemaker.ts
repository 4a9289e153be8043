// A SageMaker API endpoint on 127.0.0.1 for the real @aws-sdk/client-sagemaker (AWS_ENDPOINT_URL_SAGEMAKER points
// the client at it). The SageMaker service cannot run here; the client, its serializer, signer, retry logic and
// error parsing can, so only the service is replaced. The server speaks the model's protocol (awsJson 1.1: POST /,
// `X-Amz-Target: SageMaker.<Operation>`, JSON bodies), validates every request against the real API model
// (botocore's full model, test/helpers/api-models: patterns, enums, lengths and ranges included), answers from a
// small in-memory state of training jobs and inference components, and validates its own answers against the model's output shapes too, so a test cannot pass on a reply the real service would never send.
import * as http from 'http';
import { AddressInfo } from 'net';
import { hasOperation, outputShape, protocolOf, shapeNamed, validateRequest, validateResponse } from './api-models';

/** One request the client sent, after it passed the model's validation. */
export interface SageMakerCall {
  /** Wire name of the operation, e.g. `CreateTrainingJob`. */
  readonly operation: string;
  /** The JSON body, as the client serialized it. */
  readonly input: any;
}

/** A training job as DescribeTrainingJob returns it. */
export type TrainingJobRecord = { [member: string]: any };

/** An inference component as DescribeInferenceComponent returns it. */
export type InferenceComponentRecord = { [member: string]: any };

/** The region and credentials the tests give the client (SigV4 needs some; no AWS is reached). */
export const LOCAL_AWS_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIDLOCALSAGEMAKER',
  AWS_SECRET_ACCESS_KEY: 'local-secret-not-used-by-aws',
} as const;

/**
 * Points the SDK clients a handler builds at import with no configuration (`new SageMakerClient({})`) at local
 * servers, as Lambda's environment would point them at AWS: region and credentials from `LOCAL_AWS_ENV`, one endpoint
 * per service (`AWS_ENDPOINT_URL_<SERVICE>`; the clients read them when they first send). Returns the function that
 * restores the environment.
 */
export function useLocalAwsEnvironment(endpoints: { readonly [service: string]: string }): () => void {
  const saved = { ...process.env };
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS;
  Object.assign(process.env, LOCAL_AWS_ENV);
  for (const [service, url] of Object.entries(endpoints)) process.env[`AWS_ENDPOINT_URL_${service}`] = url;
  return () => { process.env = saved; };
}

const ACCOUNT = '123456789012';
const PROTOCOL = protocolOf('sagemaker');
const CONTENT_TYPE = `application/x-amz-json-${PROTOCOL.jsonVersion}`;

class ServiceError extends Error {
  constructor(public readonly type: string, message: string) {
    super(message);
  }
}

/** DescribeTrainingJob / StopTrainingJob of an unknown name: the real service answers ValidationException (aws/aws-sdk#165). */
const notFound = () => new ServiceError('ValidationException', 'Requested resource not found.');

/** DescribeInferenceComponent of an unknown name: a ValidationException as well, naming the component. */
const componentNotFound = (name: string) => new ServiceError('ValidationException', `Could not find inference component "${name}".`);

export class LocalSageMaker {
  public static async start(): Promise<LocalSageMaker> {
    const local = new LocalSageMaker();
    await new Promise<void>((resolve) => local.server.listen(0, '127.0.0.1', resolve));
    return local;
  }

  /** Every request that passed validation, in order. */
  public readonly calls: SageMakerCall[] = [];
  /** Every request the model rejects, and every answer of this server the model rejects: a test expects none. */
  public readonly problems: string[] = [];
  /** The service's state: training jobs by name. */
  public readonly jobs = new Map<string, TrainingJobRecord>();
  /** The service's state: inference components by name. */
  public readonly inferenceComponents = new Map<string, InferenceComponentRecord>();
  /** When set, every request is answered with this error (e.g. throttling), as the service would. */
  public failWith?: { readonly type: string; readonly message: string; readonly status: number };
  /** When set, requests are recorded but not answered (a call that never returns) until release(). */
  public hang = false;

  private readonly server = http.createServer((req, res) => this.receive(req, res));
  private readonly waiting: Array<(call: SageMakerCall) => void> = [];
  private readonly held: http.ServerResponse[] = [];
  private created = 0;

  private constructor() {}

  /** The endpoint URL for AWS_ENDPOINT_URL_SAGEMAKER. */
  public get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Forgets the calls, the inference components and any planted failure (between tests). */
  public resetComponents(): void {
    this.calls.length = 0;
    this.inferenceComponents.clear();
    this.failWith = undefined;
  }

  /** Resolves with the next request that arrives (an event, not a wait in time). */
  public nextCall(): Promise<SageMakerCall> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Puts a job in the state, as if CreateTrainingJob had made it, then gives it `status`. */
  public addJob(name: string, status: string, extra: TrainingJobRecord = {}): TrainingJobRecord {
    const job = this.newJob({
      TrainingJobName: name,
      AlgorithmSpecification: { TrainingImage: '763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.5-gpu-py311', TrainingInputMode: 'File' },
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/training`,
      OutputDataConfig: { S3OutputPath: 's3://bucket/training' },
      ResourceConfig: { InstanceType: 'ml.g5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30 },
      StoppingCondition: { MaxRuntimeInSeconds: 86400 },
    });
    this.jobs.set(name, { ...job, ...extra, TrainingJobStatus: status });
    return this.jobs.get(name)!;
  }

  /**
   * Puts an inference component in the state, as CreateInferenceComponent and Application Auto Scaling would have
   * left it: `InService` with the given copy counts (`runtime` undefined: no runtime yet, as while it is created).
   */
  public addInferenceComponent(name: string, runtime?: { CurrentCopyCount: number; DesiredCopyCount: number }, status = 'InService'): InferenceComponentRecord {
    const record: InferenceComponentRecord = {
      InferenceComponentName: name,
      InferenceComponentArn: `arn:aws:sagemaker:${LOCAL_AWS_ENV.AWS_REGION}:${ACCOUNT}:inference-component/${name.toLowerCase()}`,
      EndpointName: 'endpoint',
      EndpointArn: `arn:aws:sagemaker:${LOCAL_AWS_ENV.AWS_REGION}:${ACCOUNT}:endpoint/endpoint`,
      VariantName: 'AllTraffic',
      Specification: {
        ModelName: 'model',
        ComputeResourceRequirements: { NumberOfAcceleratorDevicesRequired: 1, NumberOfCpuCoresRequired: 2, MinMemoryRequiredInMb: 8192 },
      },
      ...(runtime ? { RuntimeConfig: runtime } : {}),
      CreationTime: 1_700_000_000,
      LastModifiedTime: 1_700_000_000,
      InferenceComponentStatus: status,
    };
    this.inferenceComponents.set(name, record);
    return record;
  }

  /** What SageMaker does when a job ends well: Completed, with its artifact. */
  public complete(name: string): TrainingJobRecord {
    const job = this.jobs.get(name);
    if (!job) throw new Error(`no job ${name} in the local SageMaker`);
    this.jobs.set(name, { ...job, TrainingJobStatus: 'Completed', SecondaryStatus: 'Completed', TrainingEndTime: job.CreationTime + 600 });
    return this.jobs.get(name)!;
  }

  /**
   * Answers the requests `hang` held with an error the client does not retry, so its call settles now instead of
   * retrying a dropped connection after the test has ended.
   */
  public release(): void {
    for (const res of this.held.splice(0)) {
      this.answer(res, 400, undefined, { __type: 'ValidationException', message: 'released by the test' });
    }
  }

  public close(): Promise<void> {
    this.release();
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private receive(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let operation = '?';
      try {
        operation = this.checkProtocol(req);
        const input = this.checkInput(operation, Buffer.concat(chunks).toString());
        const call = { operation, input };
        this.calls.push(call);
        this.waiting.splice(0).forEach((resolve) => resolve(call));
        if (this.hang) {
          this.held.push(res);
          return;
        }
        if (this.failWith) {
          this.answer(res, this.failWith.status, undefined, { __type: this.failWith.type, message: this.failWith.message });
          return;
        }
        this.answer(res, 200, operation, this.operate(operation, input));
      } catch (error) {
        const type = error instanceof ServiceError ? error.type : 'InternalFailure';
        if (!(error instanceof ServiceError)) this.problems.push(`${operation}: ${(error as Error).message}`);
        this.answer(res, type === 'InternalFailure' ? 500 : 400, undefined, { __type: type, message: (error as Error).message });
      }
    });
  }

  /** The awsJson 1.1 envelope and a SigV4 signature scoped to the region and SageMaker's signing name. */
  private checkProtocol(req: http.IncomingMessage): string {
    const target = String(req.headers['x-amz-target'] ?? '');
    const [prefix, operation] = target.split('.');
    const problems = [
      req.method !== 'POST' || req.url !== '/' ? `${req.method} ${req.url}, not POST /` : '',
      req.headers['content-type'] !== CONTENT_TYPE ? `Content-Type ${req.headers['content-type']}, not ${CONTENT_TYPE}` : '',
      prefix !== PROTOCOL.targetPrefix || !operation || !hasOperation('sagemaker', operation) ? `X-Amz-Target '${target}' names no SageMaker operation` : '',
      !String(req.headers.authorization ?? '').startsWith(`AWS4-HMAC-SHA256 Credential=${LOCAL_AWS_ENV.AWS_ACCESS_KEY_ID}/`)
        || !String(req.headers.authorization).includes(`/${LOCAL_AWS_ENV.AWS_REGION}/${PROTOCOL.signingName}/aws4_request`)
        ? `Authorization '${req.headers.authorization}' is not a SigV4 signature for ${PROTOCOL.signingName} in ${LOCAL_AWS_ENV.AWS_REGION}` : '',
    ].filter(Boolean);
    if (problems.length > 0) {
      this.problems.push(...problems);
      throw new ServiceError('ValidationException', problems.join('; '));
    }
    return operation;
  }

  /** The body against the operation's input shape: every constraint of the full model (numbers strictly numbers). */
  private checkInput(operation: string, body: string): any {
    try {
      const input = JSON.parse(body);
      validateRequest('sagemaker', operation, input);
      return input;
    } catch (error) {
      this.problems.push(`${operation} request rejected by the API model: ${(error as Error).message}`);
      throw new ServiceError('ValidationException', (error as Error).message);
    }
  }

  private operate(operation: string, input: any): unknown {
    switch (operation) {
      case 'CreateTrainingJob': {
        const name = input.TrainingJobName;
        if (this.jobs.has(name)) {
          throw new ServiceError('ResourceInUse', `Training job names must be unique within an AWS account and region, and a training job with this name already exists (${this.jobs.get(name)!.TrainingJobArn})`);
        }
        const job = this.newJob(input);
        this.jobs.set(name, job);
        return { TrainingJobArn: job.TrainingJobArn };
      }
      case 'DescribeTrainingJob': {
        const job = this.jobs.get(input.TrainingJobName);
        if (!job) throw notFound();
        return job;
      }
      case 'StopTrainingJob': {
        const job = this.jobs.get(input.TrainingJobName);
        if (!job) throw notFound();
        if (job.TrainingJobStatus !== 'InProgress') {
          throw new ServiceError('ValidationException', `The request was rejected because the training job is in status ${job.TrainingJobStatus}.`);
        }
        this.jobs.set(input.TrainingJobName, { ...job, TrainingJobStatus: 'Stopping', SecondaryStatus: 'Stopping' });
        return {};
      }
      case 'ListTrainingJobs': {
        const sortKey = ({ CreationTime: 'CreationTime', Name: 'TrainingJobName', Status: 'TrainingJobStatus' } as { [k: string]: string })[input.SortBy ?? 'CreationTime'];
        const direction = input.SortOrder === 'Descending' ? -1 : 1;
        const summaries = [...this.jobs.values()]
          .filter((job) => input.NameContains === undefined || job.TrainingJobName.includes(input.NameContains))
          .filter((job) => input.StatusEquals === undefined || job.TrainingJobStatus === input.StatusEquals)
          .sort((a, b) => (a[sortKey] < b[sortKey] ? -direction : a[sortKey] > b[sortKey] ? direction : 0))
          .slice(0, input.MaxResults ?? 100)
          .map((job) => ({
            TrainingJobName: job.TrainingJobName, TrainingJobArn: job.TrainingJobArn, CreationTime: job.CreationTime,
            LastModifiedTime: job.CreationTime, TrainingJobStatus: job.TrainingJobStatus,
          }));
        return { TrainingJobSummaries: summaries };
      }
      case 'DescribeInferenceComponent': {
        const component = this.inferenceComponents.get(input.InferenceComponentName);
        if (!component) throw componentNotFound(input.InferenceComponentName);
        return component;
      }
      default:
        throw new ServiceError('UnknownOperationException', `the local SageMaker does not implement ${operation}`);
    }
  }

  /** A DescribeTrainingJob record for a new job: every create member the describe output also has, plus status. */
  private newJob(input: any): TrainingJobRecord {
    const describable = shapeNamed('sagemaker', outputShape('sagemaker', 'DescribeTrainingJob')).members!;
    const copied = Object.fromEntries(Object.entries(input).filter(([member]) => describable[member] !== undefined));
    const name = input.TrainingJobName;
    return {
      ...copied,
      TrainingJobArn: `arn:aws:sagemaker:${LOCAL_AWS_ENV.AWS_REGION}:${ACCOUNT}:training-job/${name.toLowerCase()}`,
      TrainingJobStatus: 'InProgress',
      SecondaryStatus: 'Starting',
      // Where SageMaker writes the artifact: <S3OutputPath>/<job name>/output/model.tar.gz.
      ModelArtifacts: { S3ModelArtifacts: `${input.OutputDataConfig.S3OutputPath.replace(/\/$/, '')}/${name}/output/model.tar.gz` },
      // Epoch seconds, in creation order; no clock, so sorting never depends on timing.
      CreationTime: 1_700_000_000 + this.created++,
    };
  }

  private answer(res: http.ServerResponse, status: number, operation: string | undefined, body: unknown): void {
    if (operation !== undefined) {
      try {
        validateResponse('sagemaker', operation, body);
      } catch (error) {
        this.problems.push(`the local SageMaker's own ${operation} answer is invalid: ${(error as Error).message}`);
      }
    }
    res.writeHead(status, { 'Content-Type': CONTENT_TYPE, 'x-amzn-RequestId': `local-${this.calls.length}` });
    res.end(JSON.stringify(body));
  }
}
