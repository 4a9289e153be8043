import * as cdk from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { AutoScalingOptions, VariantAutoScaling, VariantAutoScalingProps } from '../../../lib/hosting/scaling';
import { checkRequest, deployedProperties } from '../../helpers/api-models';
import { evaluate } from '../../helpers/cfn-eval';
import { checkedApp, expectCleanSynth } from '../../helpers/synth-checks';

const BASE: VariantAutoScalingProps = {
  endpointName: 'my-endpoint',
  variantName: 'AllTraffic',
  initialInstanceCount: 1,
  maxInstanceCount: 4,
  invocationsPerInstanceTarget: 100,
};

function template(props: Partial<VariantAutoScalingProps> = {}): Template {
  const stack = new cdk.Stack();
  new VariantAutoScaling(stack, 'Scaling', { ...BASE, ...props });
  return Template.fromStack(stack);
}

function build(props: Partial<VariantAutoScalingProps>): () => VariantAutoScaling {
  return () => new VariantAutoScaling(new cdk.Stack(), 'Scaling', { ...BASE, ...props });
}

/** The only resource of a type in a template, with its properties. */
function only(t: Template, type: string): { [key: string]: any } {
  const found = Object.values(t.findResources(type));
  expect(found).toHaveLength(1);
  return found[0];
}

describe('scalable target', () => {
  test('registers the variant instance count of the endpoint with Application Auto Scaling', () => {
    template().hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      ServiceNamespace: 'sagemaker',
      ResourceId: 'endpoint/my-endpoint/variant/AllTraffic',
      ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
      MinCapacity: 1,
      MaxCapacity: 4,
    });
  });

  test('uses the service-linked role: no RoleARN and no IAM role in the stack', () => {
    const t = template();
    expect(only(t, 'AWS::ApplicationAutoScaling::ScalableTarget').Properties.RoleARN).toBeUndefined();
    t.resourceCountIs('AWS::IAM::Role', 0);
    t.resourceCountIs('AWS::IAM::Policy', 0);
  });

  test('min and max instance counts are passed through', () => {
    template({ minInstanceCount: 2, initialInstanceCount: 3, maxInstanceCount: 8 })
      .hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 2, MaxCapacity: 8 });
  });

  test('depends on the endpoint when given', () => {
    const stack = new cdk.Stack();
    const endpoint = new sagemaker.CfnEndpoint(stack, 'Endpoint', { endpointConfigName: 'config' });
    new VariantAutoScaling(stack, 'Scaling', { ...BASE, endpoint });
    const target = only(Template.fromStack(stack), 'AWS::ApplicationAutoScaling::ScalableTarget');
    expect(target.DependsOn).toEqual([stack.getLogicalId(endpoint)]);
  });

  test('takes the endpoint name as a token (a reference to the endpoint)', () => {
    const stack = new cdk.Stack();
    const endpoint = new sagemaker.CfnEndpoint(stack, 'Endpoint', { endpointConfigName: 'config' });
    new VariantAutoScaling(stack, 'Scaling', { ...BASE, endpointName: endpoint.attrEndpointName });
    Template.fromStack(stack).hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      ResourceId: {
        'Fn::Join': ['', ['endpoint/', { 'Fn::GetAtt': [stack.getLogicalId(endpoint), 'EndpointName'] }, '/variant/AllTraffic']],
      },
    });
  });
});

describe('target tracking policies', () => {
  test('invocations per instance: predefined metric, target and default cooldowns', () => {
    const t = template();
    t.resourceCountIs('AWS::ApplicationAutoScaling::ScalingPolicy', 1);
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      ScalingTargetId: { Ref: Match.stringLikeRegexp('ScalingTarget') },
      TargetTrackingScalingPolicyConfiguration: {
        PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
        TargetValue: 100,
        ScaleInCooldown: 600,
        ScaleOutCooldown: 300,
        DisableScaleIn: false,
      },
    });
  });

  test('GPU utilization: custom metric on the variant, averaged over instances, no unit filter', () => {
    const t = template({ invocationsPerInstanceTarget: undefined, gpuUtilizationTarget: 280 });
    const policy = only(t, 'AWS::ApplicationAutoScaling::ScalingPolicy');
    expect(policy.Properties.TargetTrackingScalingPolicyConfiguration).toEqual({
      CustomizedMetricSpecification: {
        Namespace: '/aws/sagemaker/Endpoints',
        MetricName: 'GPUUtilization',
        Dimensions: [
          { Name: 'EndpointName', Value: 'my-endpoint' },
          { Name: 'VariantName', Value: 'AllTraffic' },
        ],
        Statistic: 'Average',
      },
      TargetValue: 280,
      ScaleInCooldown: 600,
      ScaleOutCooldown: 300,
      DisableScaleIn: false,
    });
  });

  test('both targets make two policies on the same scalable target', () => {
    const stack = new cdk.Stack();
    const scaling = new VariantAutoScaling(stack, 'Scaling', { ...BASE, gpuUtilizationTarget: 70 });
    expect(scaling.invocationsPerInstancePolicy).toBeDefined();
    expect(scaling.gpuUtilizationPolicy).toBeDefined();
    const t = Template.fromStack(stack);
    const targetId = stack.getLogicalId(scaling.scalableTarget.node.defaultChild as cdk.CfnElement);
    const policies = Object.values(t.findResources('AWS::ApplicationAutoScaling::ScalingPolicy'));
    expect(policies.map((p) => p.Properties.ScalingTargetId)).toEqual([{ Ref: targetId }, { Ref: targetId }]);
  });

  test('only the GPU policy when only a GPU target is given', () => {
    const stack = new cdk.Stack();
    const scaling = new VariantAutoScaling(stack, 'Scaling', { ...BASE, invocationsPerInstanceTarget: undefined, gpuUtilizationTarget: 70 });
    expect(scaling.invocationsPerInstancePolicy).toBeUndefined();
    Template.fromStack(stack).resourceCountIs('AWS::ApplicationAutoScaling::ScalingPolicy', 1);
  });

  test('cooldowns and scale-in switch are configurable', () => {
    template({ scaleInCooldown: cdk.Duration.minutes(20), scaleOutCooldown: cdk.Duration.seconds(90), disableScaleIn: true })
      .hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
        TargetTrackingScalingPolicyConfiguration: Match.objectLike({
          ScaleInCooldown: 1200,
          ScaleOutCooldown: 90,
          DisableScaleIn: true,
        }),
      });
  });
});

describe('what Application Auto Scaling and CloudFormation accept', () => {
  /**
   * Rebuilds the RegisterScalableTarget and PutScalingPolicy requests CloudFormation makes from the template
   * (the scalable target's identity replaces the policy's ScalingTargetId) and validates them against botocore's full
   * API model (enums, patterns, lengths included). The values are also compared with the ones AWS documents.
   */
  test('requests match the API model and the documented values', () => {
    const t = template({ gpuUtilizationTarget: 280, minInstanceCount: 1, maxInstanceCount: 3 });
    const json = t.toJSON();
    const target = deployedProperties(json, 'AWS::ApplicationAutoScaling::ScalableTarget');
    expect(checkRequest('application-autoscaling', 'RegisterScalableTarget', target)).toEqual([]);

    const identity = {
      ServiceNamespace: target.ServiceNamespace,
      ResourceId: target.ResourceId,
      ScalableDimension: target.ScalableDimension,
    };
    const policies = Object.values(t.findResources('AWS::ApplicationAutoScaling::ScalingPolicy'));
    expect(policies).toHaveLength(2);
    // One policy of each kind: the predefined invocations metric and the customized GPU metric.
    const kinds = policies.map((p: any) => (p.Properties.TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification ? 'predefined' : 'customized'));
    expect(kinds.sort()).toEqual(['customized', 'predefined']);
    for (const policy of policies) {
      const { ScalingTargetId: _target, ...rest } = evaluate(policy.Properties, { template: json });
      const request = { ...rest, ...identity };
      expect(checkRequest('application-autoscaling', 'PutScalingPolicy', request)).toEqual([]);
      const config = request.TargetTrackingScalingPolicyConfiguration;
      // https://docs.aws.amazon.com/autoscaling/application/APIReference/API_PredefinedMetricSpecification.html
      // https://docs.aws.amazon.com/autoscaling/application/APIReference/API_CustomizedMetricSpecification.html
      if (config.PredefinedMetricSpecification) {
        expect(config.PredefinedMetricSpecification.PredefinedMetricType).toBe('SageMakerVariantInvocationsPerInstance');
      } else {
        expect(['Average', 'Minimum', 'Maximum', 'SampleCount', 'Sum']).toContain(config.CustomizedMetricSpecification.Statistic);
      }
    }
    // https://docs.aws.amazon.com/autoscaling/application/APIReference/API_RegisterScalableTarget.html
    expect(identity.ServiceNamespace).toBe('sagemaker');
    expect(identity.ScalableDimension).toBe('sagemaker:variant:DesiredInstanceCount');
    expect(identity.ResourceId).toMatch(/^endpoint\/[^/]+\/variant\/[^/]+$/);
  });

  test('the API model check rejects a malformed policy (the check can fail)', () => {
    expect(checkRequest('application-autoscaling', 'PutScalingPolicy', {
      PolicyName: 'p', ServiceNamespace: 'sagemaker', ResourceId: 'endpoint/e/variant/v',
      ScalableDimension: 'sagemaker:variant:DesiredInstanceCount', PolicyType: 'TargetTracking',
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 'one hundred', ScaleInCooldown: 600, Cooldown: 60,
        PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerinstance' },
      },
    })).toEqual([
      'PolicyType: \'TargetTracking\' is not one of StepScaling, TargetTrackingScaling, PredictiveScaling',
      expect.stringMatching(/^TargetTrackingScalingPolicyConfiguration\.TargetValue: 'one hundred' is a string, expected a number/),
      expect.stringMatching(/^TargetTrackingScalingPolicyConfiguration\.Cooldown: unknown member/),
      expect.stringMatching(/^TargetTrackingScalingPolicyConfiguration\.PredefinedMetricSpecification\.PredefinedMetricType: 'SageMakerVariantInvocationsPerinstance' is not one of/),
    ]);
  });

  test('synthesizes with zero CloudFormation schema and cdk-nag findings', () => {
    const app = checkedApp();
    const stack = new cdk.Stack(app, 'Scaling');
    new VariantAutoScaling(stack, 'Scaling', { ...BASE, gpuUtilizationTarget: 70 });
    expectCleanSynth(app);
  });
});

describe('validation', () => {
  test.each<[string, Partial<AutoScalingOptions & VariantAutoScalingProps>, RegExp]>([
    ['min of 0', { minInstanceCount: 0 }, /minInstanceCount must be a whole number of at least 1, got 0/],
    ['fractional max', { maxInstanceCount: 2.5 }, /maxInstanceCount must be a whole number of at least 1, got 2.5/],
    ['min above max', { minInstanceCount: 5, initialInstanceCount: 5, maxInstanceCount: 4 },
      /minInstanceCount \(5\) is above autoScaling.maxInstanceCount \(4\): lower the minimum or raise the maximum/],
    ['initial below min', { minInstanceCount: 2, initialInstanceCount: 1 },
      /initial instance count \(1\) is below autoScaling.minInstanceCount \(2\): raise the instance count of the endpoint or lower the minimum/],
    ['initial above max', { initialInstanceCount: 5, maxInstanceCount: 4 },
      /initial instance count \(5\) is above autoScaling.maxInstanceCount \(4\): raise the maximum or lower the instance count/],
    ['no target', { invocationsPerInstanceTarget: undefined },
      /autoScaling needs a metric to track: set invocationsPerInstanceTarget .* gpuUtilizationTarget/],
    ['zero invocations target', { invocationsPerInstanceTarget: 0 }, /invocationsPerInstanceTarget must be above 0, got 0/],
    ['negative GPU target', { gpuUtilizationTarget: -5 }, /gpuUtilizationTarget must be above 0, got -5/],
  ])('%s is rejected with a message that says what to change', (_name, props, message) => {
    expect(build(props)).toThrow(message);
  });

  test('errors name the construct', () => {
    expect(build({ minInstanceCount: 0 })).toThrow(/^Default\/Scaling: /);
  });

  test('counts given as tokens are not compared at synth time', () => {
    const stack = new cdk.Stack();
    const initial = new cdk.CfnParameter(stack, 'Initial', { type: 'Number' }).valueAsNumber;
    const max = new cdk.CfnParameter(stack, 'Max', { type: 'Number' }).valueAsNumber;
    new VariantAutoScaling(stack, 'Scaling', { ...BASE, initialInstanceCount: initial, maxInstanceCount: max });
    // Referenced, so that the template stays valid (an unused parameter is a CloudFormation validation warning).
    new cdk.CfnOutput(stack, 'InitialCount', { value: cdk.Token.asString(initial) });
    Template.fromStack(stack).hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 1,
      MaxCapacity: { Ref: 'Max' },
    });
  });

  test('min = initial = max is allowed (a fixed fleet that is registered for later tuning)', () => {
    expect(build({ minInstanceCount: 2, initialInstanceCount: 2, maxInstanceCount: 2 })).not.toThrow();
  });
});
