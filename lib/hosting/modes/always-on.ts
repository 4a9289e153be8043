import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { DeploymentGuardrails } from '../deployment/deployment-guardrails';
import { renderDeploymentConfig } from '../deployment/render-deployment-config';
import { BoundServingMode, EndpointConfigModeParts, ServingModeContext, ServingModeResources, noAsyncInvocation } from './binding';
import { endpointLogGroups } from '../execution-role';
import { VariantAutoScaling } from '../scaling/variant-auto-scaling';

/**
 * `ServingMode.realtime()`: the model on dedicated instances that always run, optionally scaled by `autoScaling`
 * (`VariantAutoScaling`). The endpoint config's own instance variant serves it; there is nothing else to add.
 */
export class AlwaysOnServingMode implements BoundServingMode {
  public readonly logGroupNames: string[];
  public readonly variantAutoScaled: boolean;
  public autoScaling?: VariantAutoScaling;
  private endpoint?: sagemaker.CfnEndpoint;

  constructor(private readonly context: ServingModeContext) {
    this.logGroupNames = endpointLogGroups(context.settings.endpointName);
    this.variantAutoScaled = context.autoScaling !== undefined;
  }

  public renderEndpointConfigParts(): EndpointConfigModeParts {
    return {};
  }

  public addResources(resources: ServingModeResources): void {
    this.endpoint = resources.endpoint;
    const { autoScaling, scope, settings } = this.context;
    if (autoScaling) {
      this.autoScaling = new VariantAutoScaling(scope, 'AutoScaling', {
        ...autoScaling,
        endpointName: resources.endpoint.attrEndpointName,
        variantName: settings.variantName,
        initialInstanceCount: settings.instanceCount,
        endpoint: resources.endpoint,
      });
    }
  }

  public addAlarms(): void {
    // The endpoint's own alarms cover an always-on variant.
  }

  public renderDeployment(guardrails: DeploymentGuardrails, alarms: cloudwatch.IAlarm[] | undefined): void {
    const { autoScaling, scope, settings } = this.context;
    this.endpoint!.deploymentConfig = renderDeploymentConfig(scope, guardrails, {
      instanceTypeName: settings.instanceType.name,
      instanceCount: settings.instanceCount,
      minInstanceCount: autoScaling ? autoScaling.minInstanceCount ?? 1 : undefined,
      countSetting: autoScaling ? 'autoScaling.minInstanceCount' : 'instanceCount',
      endpointAlarms: alarms,
    });
  }

  public addDashboardWidgets(): void {
    // The endpoint's dashboard shows everything an always-on variant has.
  }

  public invokeResourceArns(): string[] {
    return [];
  }

  public grantInvokeAsync(_grantee: iam.IGrantable, _endpointArn: string): iam.Grant {
    throw noAsyncInvocation(this.context.scope);
  }
}
