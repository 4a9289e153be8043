import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { COPY_COUNT_NAMESPACE, INFERENCE_COMPONENT_NAME_ENV } from './copy-count-names';
import { handlerFunction } from '../../common/handler-code';
import { acknowledgeWildcardResource } from '../../common/nag-acknowledgements';
import { putMetricDataStatement } from '../../common/put-metric-data';
import { inferenceComponentArns } from '../inference-component';

/** Properties of a {@link CopyCountPublisher}. */
export interface CopyCountPublisherProps {
  /** The inference component whose copy counts are published (a literal name). */
  readonly inferenceComponentName: string;
}

/**
 * Publishes an inference component's current and desired copy counts to CloudWatch every minute
 * (`CdkPytorchSageMaker/InferenceComponents`, dimension `InferenceComponentName`), because SageMaker reports them only
 * through `DescribeInferenceComponent`. A schedule invokes a small function; a failed run is not retried (the next
 * minute publishes again). Cost: one Lambda invocation a minute (within the free tier) and two custom metrics.
 */
export class CopyCountPublisher extends Construct {
  /** The function that reads and publishes the counts. */
  public readonly publisherFunction: lambda.Function;
  /** The schedule that invokes it every minute. */
  public readonly schedule: events.Rule;

  constructor(scope: Construct, id: string, props: CopyCountPublisherProps) {
    super(scope, id);
    const name = props.inferenceComponentName;
    this.publisherFunction = handlerFunction(this, 'Publisher', 'publish-copy-counts',
      `Publishes the copy counts of SageMaker inference component ${name} to CloudWatch every minute`,
      Duration.seconds(30), 256);
    this.publisherFunction.addEnvironment(INFERENCE_COMPONENT_NAME_ENV, name);
    this.grantPublish(this.publisherFunction, name);
    this.schedule = new events.Rule(this, 'EveryMinute', {
      description: `Publishes the copy counts of inference component ${name}`,
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [new targets.LambdaFunction(this.publisherFunction, { retryAttempts: 0, maxEventAge: Duration.minutes(1) })],
    });
  }

  private grantPublish(fn: lambda.Function, name: string): void {
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['sagemaker:DescribeInferenceComponent'], resources: inferenceComponentArns(this, name) }));
    fn.addToRolePolicy(putMetricDataStatement(COPY_COUNT_NAMESPACE));
    acknowledgeWildcardResource(this, '*', `cloudwatch:PutMetricData has no resource type; the statement is conditioned on the namespace ${COPY_COUNT_NAMESPACE}.`);
  }
}
