import { Aws, CfnWaitCondition, CfnWaitConditionHandle, CustomResource, Duration, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct, IDependable } from 'constructs';
import { handlerFunction } from '../common/handler-code';
import { acknowledgeWildcardResource } from '../common/nag-acknowledgements';
import { CreateTrainingJobRequest } from './create-training-job-request';
import { TRAINING_JOB_RESOURCE_TYPE, TRAINING_RESULT_RESOURCE_TYPE } from './resource-types';

/** How long CloudFormation waits for the lifecycle function's answer (its timeout is 2 minutes). */
const LIFECYCLE_SERVICE_TIMEOUT = Duration.minutes(5);

/** Properties of the job resource that the lifecycle handler reads besides the request (HANDLER_ONLY_PROPERTIES). */
export interface HandlerOnlyProperties {
  readonly HyperParameterTypes: { [name: string]: string };
  readonly DeployTimeHyperParameters: { [name: string]: string };
}

/** What the lifecycle of one training job needs. */
export interface TrainingJobLifecycleOptions {
  readonly request: CreateTrainingJobRequest;
  readonly handlerOnly: HandlerOnlyProperties;
  /** The execution role the request passes to SageMaker. */
  readonly role: iam.IRole;
  /** The user's start of job names: the lifecycle function may act on every job under it. */
  readonly userJobNamePrefix: string;
  /** The start of the names of this inputs hash's jobs: `<userJobNamePrefix>-<inputs hash>-`. */
  readonly jobNamePrefix: string;
  readonly inputsHash: string;
  readonly completionTimeout: Duration;
}

/** The resources that run one training job through a deploy, and what they give. */
export interface TrainingJobLifecycle {
  readonly lifecycleFunction: lambda.IFunction;
  readonly signalFunction: lambda.IFunction;
  readonly trainingJobName: string;
  readonly completion: IDependable;
  /** The custom resource that reads the finished job's artifact location. */
  readonly result: CustomResource;
}

/**
 * Start, wait for the state-change event, read the result: a custom resource starts the job, a rule on SageMaker's
 * job state-change events signals a wait condition that holds the deploy, and a second custom resource reads the
 * artifact once the job completed.
 */
export function createTrainingJobLifecycle(scope: Construct, options: TrainingJobLifecycleOptions): TrainingJobLifecycle {
  const lifecycle = handlerFunction(scope, 'Lifecycle', 'training-job-lifecycle',
    `Starts, stops and describes the SageMaker training jobs of ${scope.node.path}`, Duration.minutes(2), 256);
  grantLifecycle(scope, lifecycle, options);
  const signaller = handlerFunction(scope, 'Signal', 'training-job-signaller',
    `Signals the wait condition of ${scope.node.path} when its SageMaker training job ends`, Duration.seconds(30), 128);

  // Wait conditions cannot be updated: a changed training gets a new handle and condition (new logical ids).
  const handle = new CfnWaitConditionHandle(scope, `CompletionHandle${options.inputsHash}`);
  const rule = new events.Rule(scope, 'JobStateChange', {
    description: `Training job state changes of ${scope.node.path}`,
    eventPattern: {
      source: ['aws.sagemaker'],
      detailType: ['SageMaker Training Job State Change'],
      detail: { TrainingJobName: [{ prefix: options.jobNamePrefix }] },
    },
  });
  rule.addTarget(new targets.LambdaFunction(signaller, {
    event: events.RuleTargetInput.fromObject({
      waitHandleUrl: handle.ref,
      detail: events.EventField.fromPath('$.detail'),
    }),
    retryAttempts: 20,
    maxEventAge: Duration.hours(2),
  }));

  const job = new CustomResource(scope, 'Resource', {
    resourceType: TRAINING_JOB_RESOURCE_TYPE,
    serviceToken: lifecycle.functionArn,
    // Longer than the function's timeout, so its own FAILED answer always comes first; a crashed function fails
    // the deploy after minutes, not after CloudFormation's default hour.
    serviceTimeout: LIFECYCLE_SERVICE_TIMEOUT,
    properties: {
      ...options.request,
      TrainingJobNamePrefix: options.jobNamePrefix,
      ...options.handlerOnly,
      // For a job reused from an earlier deploy, the handler signals the wait condition itself.
      WaitConditionHandle: handle.ref,
    },
  });
  // The rule (and its target input, the handle URL) must exist before a job can end.
  job.node.addDependency(rule);
  job.node.addDependency(lifecycle);
  const trainingJobName = job.getAttString('TrainingJobName');

  const waitCondition = new CfnWaitCondition(scope, `Completion${options.inputsHash}`, {
    handle: handle.ref,
    timeout: String(options.completionTimeout.toSeconds()),
    count: 1,
  });
  waitCondition.node.addDependency(job);

  const result = new CustomResource(scope, 'Result', {
    resourceType: TRAINING_RESULT_RESOURCE_TYPE,
    serviceToken: lifecycle.functionArn,
    serviceTimeout: LIFECYCLE_SERVICE_TIMEOUT,
    properties: { TrainingJobName: trainingJobName },
  });
  result.node.addDependency(waitCondition);
  // The role and its policy must exist before SageMaker assumes it for the job.
  job.node.addDependency(options.role);
  return { lifecycleFunction: lifecycle, signalFunction: signaller, trainingJobName, completion: waitCondition, result };
}

/** The lifecycle function may start, stop and describe this construct's jobs only, and pass the role to SageMaker only. */
function grantLifecycle(scope: Construct, lifecycle: lambda.Function, options: TrainingJobLifecycleOptions): void {
  const jobArns = `arn:${Aws.PARTITION}:sagemaker:${Aws.REGION}:${Aws.ACCOUNT_ID}:training-job/${options.userJobNamePrefix}-*`;
  acknowledgeWildcardResource(scope, jobArns, 'Job names end in a hash of the training inputs and an attempt suffix known only at deploy time; confined to this construct\'s job name prefix.');
  lifecycle.addToRolePolicy(new iam.PolicyStatement({
    actions: ['sagemaker:CreateTrainingJob', 'sagemaker:DescribeTrainingJob', 'sagemaker:StopTrainingJob',
      ...(options.request.Tags ? ['sagemaker:AddTags'] : [])],
    // SageMaker ARNs carry the job name in lower case; the prefix (without the hash) covers the jobs of
    // earlier inputs too, which a later deploy stops or describes.
    resources: [jobArns],
  }));
  // ListTrainingJobs has no resource type; it finds a completed job of the same inputs to reuse (rollbacks).
  lifecycle.addToRolePolicy(new iam.PolicyStatement({ actions: ['sagemaker:ListTrainingJobs'], resources: ['*'] }));
  Validations.of(lifecycle.role!).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'sagemaker:ListTrainingJobs has no resource type; it only lists job names to find a completed job of the same inputs.',
  });
  lifecycle.addToRolePolicy(new iam.PolicyStatement({
    actions: ['iam:PassRole'],
    resources: [options.role.roleArn],
    conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
  }));
}
