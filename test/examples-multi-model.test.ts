import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Template } from 'aws-cdk-lib/assertions';
import { MultiModelStack } from '../examples/multi-model/stack';
import { checkRequest, putScalingPolicyRequest, validateRequest } from './helpers/api-models';
import { evaluate } from './helpers/cfn-eval';
import { checkedApp, expectCleanSynth } from './helpers/synth-checks';

// The three-model example, synthesized as cdk.json's app would (checked context, cdk-nag AwsSolutions), once.
let template: Template;
let json: any;
beforeAll(() => {
  const app = checkedApp();
  const stack = new MultiModelStack(app, 'MultiModel', { archiveDir: fs.mkdtempSync(path.join(os.tmpdir(), 'example-archive-')) });
  // AwsSolutionsChecks by default.
  const result = expectCleanSynth(app);
  json = result.assembly.getStackByName(stack.stackName).template;
  template = Template.fromJSON(json);
});

function resourcesOf(type: string): Array<[string, any]> {
  return Object.entries<any>(json.Resources).filter(([, r]) => r.Type === type);
}

/** A resource's properties as the service receives them (intrinsics evaluated with realistic stand-ins). */
function deployed(resource: any): any {
  return JSON.parse(JSON.stringify(evaluate(resource.Properties, { template: json })));
}

describe('example: three models on one GPU fleet', () => {
  test('zero CloudFormation findings and zero unsuppressed AwsSolutions findings (checked in beforeAll); one endpoint, three components', () => {
    template.resourceCountIs('AWS::SageMaker::Endpoint', 1);
    template.resourceCountIs('AWS::SageMaker::EndpointConfig', 1);
    template.resourceCountIs('AWS::SageMaker::InferenceComponent', 3);
    template.resourceCountIs('AWS::SageMaker::Model', 3);
    // The endpoint config holds no model: adding, removing or changing a model never touches it.
    const [, config] = resourcesOf('AWS::SageMaker::EndpointConfig')[0];
    expect(config.Properties.ProductionVariants).toEqual([expect.not.objectContaining({ ModelName: expect.anything() })]);
    expect(config.Properties.ProductionVariants[0]).toMatchObject({
      InstanceType: 'ml.g5.xlarge', ManagedInstanceScaling: { Status: 'ENABLED', MinInstanceCount: 0, MaxInstanceCount: 3 },
    });
    // One training job, three code injections.
    template.resourceCountIs('Custom::SageMakerTrainingJob', 1);
  });

  test('every request the example implies is valid against the full API models', () => {
    const [, config] = resourcesOf('AWS::SageMaker::EndpointConfig')[0];
    validateRequest('sagemaker', 'CreateEndpointConfig', { EndpointConfigName: 'c', ...deployed(config) });
    const components = resourcesOf('AWS::SageMaker::InferenceComponent');
    expect(components).toHaveLength(3);
    for (const [, component] of components) {
      // RuntimeConfig.CopyCount is the custom resource's answer: at creation, the initial count. DeploymentConfig is
      // CloudFormation's, sent with UpdateInferenceComponent (checked below), not with the create.
      const { DeploymentConfig: _deployment, ...create } = deployed(component);
      const request = { ...create, RuntimeConfig: { CopyCount: 1 } };
      validateRequest('sagemaker', 'CreateInferenceComponent', request);
    }
    const classifier = deployed(components.find(([id]) => id.includes('Classifier'))![1]);
    expect(classifier.DeploymentConfig.RollingUpdatePolicy.MaximumBatchSize).toEqual({ Type: 'COPY_COUNT', Value: 1 });
    validateRequest('sagemaker', 'UpdateInferenceComponent', {
      InferenceComponentName: classifier.InferenceComponentName, Specification: classifier.Specification, DeploymentConfig: classifier.DeploymentConfig,
    });
    const targets = resourcesOf('AWS::ApplicationAutoScaling::ScalableTarget');
    expect(targets).toHaveLength(3);
    for (const [, target] of targets) validateRequest('application-autoscaling', 'RegisterScalableTarget', deployed(target));
    const policies = resourcesOf('AWS::ApplicationAutoScaling::ScalingPolicy');
    expect(policies).toHaveLength(6);
    for (const [, policy] of policies) validateRequest('application-autoscaling', 'PutScalingPolicy', putScalingPolicyRequest(json, policy.Properties));
    // The validator is live.
    expect(checkRequest('sagemaker', 'CreateEndpointConfig', { EndpointConfigName: 'c', ...deployed(config), Bogus: 1 })).toEqual([expect.stringMatching(/Bogus/)]);
  });

  test('outputs: a ready-to-run invoke command per model naming its component, a signed curl per route', () => {
    const outputs = json.Outputs;
    for (const id of ['Classifier', 'Scorer', 'Regressor']) {
      const name = outputs[`${id}InferenceComponentName`].Value;
      expect(name).toMatch(/^[a-z0-9-]+$/);
      const command = JSON.stringify(outputs[`${id}InvokeCommand`].Value);
      expect(command).toContain('aws sagemaker-runtime invoke-endpoint');
      expect(command).toContain(`--inference-component-name ${name} `);
      expect(JSON.stringify(outputs[`${id}CurlCommand`].Value)).toContain(`/models/${id.toLowerCase()}`);
    }
    expect(outputs.ColdStart.Value).toMatch(/FAILS/);
  });

  test('API: /models/<name> per model, IAM auth, validated body, the component header fixed per route, a role per route scoped to its model', () => {
    const methods = resourcesOf('AWS::ApiGateway::Method');
    expect(methods).toHaveLength(3);
    const names = ['Classifier', 'Scorer', 'Regressor'].map((id) => json.Outputs[`${id}InferenceComponentName`].Value);
    for (const [, method] of methods) {
      expect(method.Properties.AuthorizationType).toBe('AWS_IAM');
      expect(method.Properties.RequestValidatorId).toBeDefined();
      expect(method.Properties.RequestModels['application/json']).toBeDefined();
      const header = method.Properties.Integration.RequestParameters['integration.request.header.X-Amzn-SageMaker-Inference-Component'];
      // A static value (quoted), never a method request parameter: the client cannot pick a component.
      expect(header).toMatch(/^'[a-z0-9-]+'$/);
      expect(names).toContain(header.slice(1, -1));
      // The integration's role can invoke that one component (as named and lower-cased) on the fleet's endpoint.
      const roleId = method.Properties.Integration.Credentials['Fn::GetAtt'][0];
      const statements = resourcesOf('AWS::IAM::Policy').filter(([, p]) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
        .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
      expect(statements).toHaveLength(1);
      expect(statements[0].Action).toBe('sagemaker:InvokeEndpoint');
      const resources = JSON.stringify(statements[0].Resource);
      expect(resources).toContain(`inference-component/${header.slice(1, -1)}`);
      for (const other of names.filter((n) => n !== header.slice(1, -1))) expect(resources).not.toContain(`inference-component/${other}"`);
    }
    // The body schemas differ per model (4 features for the classifiers, 16 for the regressor).
    const models = resourcesOf('AWS::ApiGateway::Model').map(([, m]) => m.Properties.Schema.properties.inputs.items.minItems).sort();
    expect(models).toEqual([16, 4, 4]);
  });
});
