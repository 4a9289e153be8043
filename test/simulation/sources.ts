// The AWS pages the simulation's rules come from, by title and address. Each rule's comment names its page; the
// report table and the README print them. A rule without a page is a named assumption (./assumptions.ts).

export interface Source {
  readonly title: string;
  readonly url: string;
}

export const SOURCES = {
  scaleToZero: {
    title: 'Scale an endpoint to zero instances (Amazon SageMaker AI Developer Guide)',
    url: 'https://docs.aws.amazon.com/sagemaker/latest/dg/endpoint-auto-scaling-zero-instances.html',
  },
  asyncAutoscale: {
    title: 'Autoscale an asynchronous endpoint (Amazon SageMaker AI Developer Guide)',
    url: 'https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference-autoscale.html',
  },
  asyncMonitor: {
    title: 'Alarms and logs for tracking metrics from asynchronous endpoints (Amazon SageMaker AI Developer Guide)',
    url: 'https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference-monitor.html',
  },
  scalingPolicyMetric: {
    title: 'ScalingPolicyMetric (Amazon SageMaker API Reference): InvocationsPerInstance sends 1/numberOfInstances per request',
    url: 'https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ScalingPolicyMetric.html',
  },
  alarmActions: {
    title: 'Alarm actions (Amazon CloudWatch User Guide): except for Auto Scaling actions, actions happen only on state transitions',
    url: 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-actions.html',
  },
  alarmActionRepeat: {
    title: 'Why doesn\'t my CloudWatch alarm\'s state change invoke my Amazon EC2 Auto Scaling policy? (AWS re:Post Knowledge Center): '
      + 'an alarm invokes an Auto Scaling action once each minute while it remains in the new state',
    url: 'https://repost.aws/knowledge-center/autoscaling-policy-cloudwatch-alarm',
  },
  alarmEvaluation: {
    title: 'Using Amazon CloudWatch alarms: Evaluating an alarm (period, evaluation periods, datapoints to alarm)',
    url: 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html',
  },
  missingData: {
    title: 'Configuring how CloudWatch alarms treat missing data (Amazon CloudWatch User Guide)',
    url: 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html',
  },
  metricMath: {
    title: 'Using metric math (Amazon CloudWatch User Guide): FILL, arithmetic treats missing values as 0',
    url: 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html',
  },
  statistics: {
    title: 'CloudWatch statistics definitions (Amazon CloudWatch User Guide)',
    url: 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html',
  },
  stepScaling: {
    title: 'Step scaling policies for Application Auto Scaling (Application Auto Scaling User Guide)',
    url: 'https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-step-scaling-policies.html',
  },
  stepScalingConfiguration: {
    title: 'StepScalingPolicyConfiguration (Application Auto Scaling API Reference)',
    url: 'https://docs.aws.amazon.com/autoscaling/application/APIReference/API_StepScalingPolicyConfiguration.html',
  },
  targetTracking: {
    title: 'Target tracking scaling policies for Application Auto Scaling (Application Auto Scaling User Guide)',
    url: 'https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-target-tracking.html',
  },
  targetTrackingOverview: {
    title: 'How target tracking scaling for Application Auto Scaling works (Application Auto Scaling User Guide)',
    url: 'https://docs.aws.amazon.com/autoscaling/application/userguide/target-tracking-scaling-policy-overview.html',
  },
  putScalingPolicy: {
    title: 'PutScalingPolicy (Application Auto Scaling API Reference): multiple scaling policies, largest capacity wins',
    url: 'https://docs.aws.amazon.com/autoscaling/application/APIReference/API_PutScalingPolicy.html',
  },
  awsSampleScaleToZero: {
    title: 'aws-samples/sagemaker-genai-hosting-examples, 03-features/autoscaling/scale_down_to_zero.ipynb (boto3 wiring of '
      + 'scale to zero: target tracking plus a NoCapacityInvocationFailures step policy; observed times)',
    url: 'https://github.com/aws-samples/sagemaker-genai-hosting-examples/blob/main/03-features/autoscaling/scale_down_to_zero.ipynb',
  },
  awsBlogScaleToZero: {
    title: 'Unlock cost savings with the new scale down to zero feature in SageMaker Inference (AWS Machine Learning Blog)',
    url: 'https://aws.amazon.com/blogs/machine-learning/unlock-cost-savings-with-the-new-scale-down-to-zero-feature-in-amazon-sagemaker-inference/',
  },
} satisfies Record<string, Source>;
