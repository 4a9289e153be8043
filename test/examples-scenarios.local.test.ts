import { execFileSync, spawn } from 'child_process';
import { once } from 'events';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as readline from 'readline';
import * as cdk from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ApiGatewayStack, SAMPLE_REQUEST } from '../examples/api-gateway/stack';
import { AutoscalingStack } from '../examples/autoscaling/stack';
import { CanaryRolloutStack } from '../examples/canary-rollout/stack';
import { CodeInjectionStack } from '../examples/code-injection/stack';
import { PrivateEndpointStack } from '../examples/private-endpoint/stack';
import { TrainAndServeStack } from '../examples/train-and-serve/stack';
import { UncompressedModelStack } from '../examples/uncompressed-model/stack';
import { deployedProperties, validateRequest } from './helpers/api-models';
import { evaluate } from './helpers/cfn-eval';
import { checkedApp, expectCleanSynth } from './helpers/synth-checks';

const EXAMPLES = path.join(__dirname, '..', 'examples');

function synthesized(stackName: string, build: (app: ReturnType<typeof checkedApp>) => void): Template {
  const app = checkedApp();
  build(app);
  const result = expectCleanSynth(app);
  return Template.fromJSON(result.assembly.getStackByName(stackName).template);
}

/** Every SageMaker request CloudFormation makes for the stack's model and endpoint, checked against the API model. */
function expectValidSageMakerRequests(template: Template): void {
  const json = template.toJSON();
  validateRequest('sagemaker', 'CreateModel', { ModelName: 'm', ...deployedProperties(json, 'AWS::SageMaker::Model') });
  validateRequest('sagemaker', 'CreateEndpointConfig', { EndpointConfigName: 'c', ...deployedProperties(json, 'AWS::SageMaker::EndpointConfig') });
  // RetainAllVariantProperties is an UpdateEndpoint member; CloudFormation sends it on updates only.
  const { RetainAllVariantProperties: retain, ...endpoint } = deployedProperties(json, 'AWS::SageMaker::Endpoint');
  validateRequest('sagemaker', 'CreateEndpoint', endpoint);
  const { Tags: _tags, ...update }: { [key: string]: any } = { ...endpoint, RetainAllVariantProperties: retain };
  validateRequest('sagemaker', 'UpdateEndpoint', update);
}

function expectEndpointOutputs(template: Template): void {
  const outputs = template.toJSON().Outputs;
  expect(outputs.EndpointName).toBeDefined();
  const command = JSON.stringify(outputs.InvokeCommand.Value);
  expect(command).toContain('aws sagemaker-runtime invoke-endpoint');
  expect(command).toContain(JSON.stringify(outputs.EndpointName.Value));
}

describe('example scenarios', () => {
  test('code injection: a weights-only artifact gets serving/ injected with SCAN, clean synth', () => {
    const archiveDir = fs.mkdtempSync(path.join(os.tmpdir(), 'example-injection-'));
    const template = synthesized('Injection', (app) => new CodeInjectionStack(app, 'Injection', { archiveDir }));
    template.hasResourceProperties('Custom::InferenceCodeInjection', { Strategy: 'scan' });
    template.resourceCountIs('AWS::SageMaker::Endpoint', 1);
    expectEndpointOutputs(template);
  });

  test('train and serve: training job, wait condition, injection and endpoint in one clean stack', () => {
    const template = synthesized('TrainAndServe', (app) => new TrainAndServeStack(app, 'TrainAndServe'));
    template.resourceCountIs('AWS::CloudFormation::WaitCondition', 1);
    template.resourceCountIs('Custom::InferenceCodeInjection', 1);
    template.resourceCountIs('AWS::SageMaker::Endpoint', 1);
    // Typed hyperparameters, JSON-encoded as the SageMaker SDK does; the deploy-time one is encoded by the handler.
    const job = Object.values(template.findResources('Custom::SageMakerTrainingJob'))[0];
    const hps = JSON.stringify(job.Properties);
    for (const fragment of ['0.001', '"false"', '\\"adam\\"', '[64,32]']) expect(hps).toContain(fragment);
    expect(template.toJSON().Parameters.Epochs.Type).toBe('Number');
    expectEndpointOutputs(template);
    expect(template.toJSON().Outputs.TrainingJobName).toBeDefined();
  });

  test('uncompressed model: the training job writes a prefix, the injection copies it, the endpoint serves the copy, clean synth', () => {
    const template = synthesized('Uncompressed', (app) => new UncompressedModelStack(app, 'Uncompressed'));
    const job = Object.values(template.findResources('Custom::SageMakerTrainingJob'))[0];
    expect(JSON.stringify(job.Properties)).toContain('"CompressionType":"NONE"');
    const injection = Object.values(template.findResources('Custom::InferenceCodeInjection'))[0];
    expect(injection.Properties.SourceKey).toBeUndefined();
    expect(JSON.stringify(injection.Properties.SourcePrefix)).toMatch(/TrainingResult/);
    const model = Object.values(template.findResources('AWS::SageMaker::Model'))[0];
    expect(model.Properties.PrimaryContainer.ModelDataUrl).toBeUndefined();
    expect(model.Properties.PrimaryContainer.ModelDataSource.S3DataSource).toMatchObject({ S3DataType: 'S3Prefix', CompressionType: 'None' });
    template.resourceCountIs('AWS::SageMaker::Endpoint', 1);
    expectEndpointOutputs(template);
    expect(template.toJSON().Outputs.ServedModelData).toBeDefined();
  });

  test('train and serve: the loss line train.py prints is captured by the train:loss regex (Python re), and graphed', () => {
    const stack = new TrainAndServeStack(new cdk.App({ builtinCloudFormationValidation: false }), 'TrainAndServe');
    const json = Template.fromStack(stack).toJSON();
    const job = Object.values<any>(json.Resources).find((r) => r.Type === 'Custom::SageMakerTrainingJob').Properties;
    const definitions = job.AlgorithmSpecification.MetricDefinitions;
    expect(definitions).toEqual([{ Name: 'train:loss', Regex: expect.any(String) }]);
    // The format string of train.py's print, filled in as the script does, matched as SageMaker matches log lines.
    const python = [
      'import ast, json, re, sys',
      'tree = ast.parse(open(sys.argv[1]).read())',
      'formats = [n.left.value for n in ast.walk(tree) if isinstance(n, ast.BinOp) and isinstance(n.left, ast.Constant)',
      '           and isinstance(n.left.value, str) and "loss=" in n.left.value]',
      'lines = [f % (e, l) for f in formats for e, l in [(0, 12.5), (19, 0.000123)]] + ["hyperparameters: {}"]',
      'print(json.dumps([[m.group(1) for m in [re.search(sys.argv[2], line)] if m] for line in lines]))',
    ].join('\n');
    const captured = JSON.parse(execFileSync('python3', ['-c', python, path.join(EXAMPLES, 'train-and-serve', 'training', 'train.py'), definitions[0].Regex], { encoding: 'utf8' }));
    expect(captured).toEqual([['12.500000'], ['0.000123'], []]);
    const body = JSON.stringify(Object.values<any>(json.Resources).find((r) => r.Type === 'AWS::CloudWatch::Dashboard').Properties.DashboardBody);
    expect(body).toContain('\\"train:loss\\"');
  });

  test('autoscaling: 1-4 instances on invocations and GPU utilization, alarms to an encrypted topic, clean synth', () => {
    const archiveDir = fs.mkdtempSync(path.join(os.tmpdir(), 'example-scaling-'));
    const template = synthesized('Scaling', (app) => new AutoscalingStack(app, 'Scaling', { archiveDir }));
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 1, MaxCapacity: 4 });
    template.resourceCountIs('AWS::ApplicationAutoScaling::ScalingPolicy', 2);
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.length).toBeGreaterThanOrEqual(2);
    for (const alarm of alarms) expect(JSON.stringify(alarm.Properties.AlarmActions)).toContain('EndpointAlarms');
    expectEndpointOutputs(template);
    expect(template.toJSON().Outputs.DashboardUrl).toBeDefined();
  });

  test('private endpoint: VPC, network isolation, KMS-encrypted artifact and data capture, clean synth', () => {
    const archiveDir = fs.mkdtempSync(path.join(os.tmpdir(), 'example-private-'));
    const template = synthesized('Private', (app) => new PrivateEndpointStack(app, 'Private', { archiveDir }));
    const model = Object.values(template.findResources('AWS::SageMaker::Model'))[0];
    expect(model.Properties.EnableNetworkIsolation).toBe(true);
    expect(model.Properties.VpcConfig.Subnets).toHaveLength(2);
    const config = Object.values(template.findResources('AWS::SageMaker::EndpointConfig'))[0];
    expect(config.Properties.DataCaptureConfig.InitialSamplingPercentage).toBe(10);
    // Captured data is encrypted with the stack's customer managed key (ModelKey), not any key.
    expect(JSON.stringify(config.Properties.DataCaptureConfig.KmsKeyId)).toMatch(/ModelKey/);
    // The injecting function runs in the VPC too, after the S3 gateway endpoint exists.
    const [, fn] = Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) => id.includes('CodeInjection'))!;
    expect(fn.Properties.VpcConfig.SubnetIds).toHaveLength(2);
    const injection = Object.values(template.findResources('Custom::InferenceCodeInjection'))[0];
    expect(injection.DependsOn.some((d: string) => d.startsWith('VpcS3'))).toBe(true);
    // The injected artifact is written with the customer managed key.
    const bucket = Object.entries(template.findResources('AWS::S3::Bucket')).find(([id]) => id.includes('CodeInjection'));
    expect(JSON.stringify(bucket![1].Properties.BucketEncryption)).toContain('aws:kms');
    expectEndpointOutputs(template);
  });

  test('canary rollout: two CPU instances, a one-instance canary rolled back by the endpoint\'s alarms, clean synth', () => {
    const archiveDir = fs.mkdtempSync(path.join(os.tmpdir(), 'example-canary-'));
    const template = synthesized('Canary', (app) => new CanaryRolloutStack(app, 'Canary', { archiveDir }));
    template.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      ProductionVariants: [{ InstanceType: 'ml.m5.large', InitialInstanceCount: 2 }],
    });
    const endpoint = Object.values(template.findResources('AWS::SageMaker::Endpoint'))[0].Properties;
    expect(endpoint.DeploymentConfig.BlueGreenUpdatePolicy).toEqual({
      TrafficRoutingConfiguration: { Type: 'CANARY', WaitIntervalInSeconds: 600, CanarySize: { Type: 'INSTANCE_COUNT', Value: 1 } },
      TerminationWaitInSeconds: 300,
      MaximumExecutionTimeoutInSeconds: 600 + 300 + 3600,
    });
    // The rollback alarms are the endpoint's own 5xx-rate and latency alarms, in this stack.
    const alarms = endpoint.DeploymentConfig.AutoRollbackConfiguration.Alarms;
    expect(alarms).toHaveLength(2);
    for (const { AlarmName } of alarms) expect(template.toJSON().Resources[AlarmName.Ref].Type).toBe('AWS::CloudWatch::Alarm');
    expectValidSageMakerRequests(template);
    expectEndpointOutputs(template);
    expect(template.toJSON().Outputs.ModelVersion.Value).toBe('1');
  });

  test('canary rollout: -c modelVersion=2 ships other weights (a new asset, so a new Model and EndpointConfig) through the same canary', () => {
    const archiveDir = fs.mkdtempSync(path.join(os.tmpdir(), 'example-canary-'));
    const versions = ['1', '2'].map((modelVersion) => {
      const app = new cdk.App({ builtinCloudFormationValidation: false, context: { modelVersion } });
      const stack = new CanaryRolloutStack(app, 'Canary', { archiveDir });
      const template = Template.fromStack(stack).toJSON();
      const model = Object.entries<any>(template.Resources).find(([, r]) => r.Type === 'AWS::SageMaker::Model')!;
      const config = Object.entries<any>(template.Resources).find(([, r]) => r.Type === 'AWS::SageMaker::EndpointConfig')!;
      const endpoint = Object.values<any>(template.Resources).find((r) => r.Type === 'AWS::SageMaker::Endpoint');
      return { version: stack.modelVersion, modelUrl: JSON.stringify(model[1].Properties.PrimaryContainer.ModelDataUrl), model: model[0], config: config[0], endpoint };
    });
    expect(versions.map((v) => v.version)).toEqual([1, 2]);
    expect(versions[0].modelUrl).not.toEqual(versions[1].modelUrl);
    // Same logical ids: CloudFormation replaces the Model (a new ModelDataUrl requires replacement; it has no fixed
    // name) and so the EndpointConfig (its ModelName changes), and updates the Endpoint (same name) in place, which
    // is the UpdateEndpoint the canary applies to.
    expect(versions[1].model).toEqual(versions[0].model);
    expect(versions[1].config).toEqual(versions[0].config);
    expect(versions[0].endpoint.Properties.EndpointName).toEqual(versions[1].endpoint.Properties.EndpointName);
    expect(versions[1].endpoint.Properties.DeploymentConfig).toEqual(versions[0].endpoint.Properties.DeploymentConfig);
    // The archives hold different weights.json files, both in the serving layout.
    const listings = [1, 2].map((v) => execFileSync('tar', ['-xzOf', path.join(archiveDir, `v${v}`, 'model.tar.gz'), 'weights.json'], { encoding: 'utf8' }));
    expect(JSON.parse(listings[0]).weight).not.toEqual(JSON.parse(listings[1]).weight);
  });

  test('canary rollout: an unknown model version is refused with the versions there are', () => {
    const app = new cdk.App({ builtinCloudFormationValidation: false, context: { modelVersion: '3' } });
    expect(() => new CanaryRolloutStack(app, 'Canary', { archiveDir: fs.mkdtempSync(path.join(os.tmpdir(), 'example-canary-')) }))
      .toThrow("modelVersion '3' is not a model version: use one of 1, 2 (e.g. cdk deploy -c modelVersion=2).");
  });

  test('api gateway: POST /predict -> InvokeEndpoint, IAM-authorized, validated, logged; clean synth with reasons', () => {
    const archiveDir = fs.mkdtempSync(path.join(os.tmpdir(), 'example-api-'));
    const app = checkedApp();
    const stack = new ApiGatewayStack(app, 'Api', { archiveDir });
    const result = expectCleanSynth(app);
    const template = Template.fromJSON(result.assembly.getStackByName(stack.stackName).template);
    const json = template.toJSON();
    expect(result.acknowledgements.map((a) => a.id)).toEqual(expect.arrayContaining(['AwsSolutions-APIG3', 'AwsSolutions-COG4']));

    const method = Object.values<any>(template.findResources('AWS::ApiGateway::Method')).find((m) => m.Properties.HttpMethod === 'POST')!.Properties;
    expect(method.AuthorizationType).toBe('AWS_IAM');
    // The integration calls SageMaker Runtime for this stack's endpoint, with a role that may invoke it only.
    const uri = evaluate(method.Integration.Uri, { template: json });
    const endpointName = evaluate(json.Outputs.EndpointName.Value, { template: json });
    expect(uri).toBe(`arn:aws:apigateway:us-east-1:runtime.sagemaker:path/endpoints/${endpointName}/invocations`);
    const roleId = method.Integration.Credentials['Fn::GetAtt'][0];
    const rolePolicies = Object.values<any>(template.findResources('AWS::IAM::Policy'))
      .filter((p) => p.Properties.Roles.some((r: any) => r.Ref === roleId)).flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(rolePolicies.map((s: any) => s.Action)).toEqual(['sagemaker:InvokeEndpoint']);
    // SageMaker's errors are not reported as 200s.
    expect(method.Integration.IntegrationResponses.map((r: any) => [r.StatusCode, r.SelectionPattern])).toEqual([
      ['200', undefined], ['400', '4\\d{2}'], ['502', '5\\d{2}'],
    ]);
    expect(method.Integration.PassthroughBehavior).toBe('NEVER');

    // Body and Content-Type validated, against the model in this API.
    const validator = json.Resources[method.RequestValidatorId.Ref].Properties;
    expect(validator).toMatchObject({ ValidateRequestBody: true, ValidateRequestParameters: true });
    expect(method.RequestParameters).toEqual({ 'method.request.header.Content-Type': true });
    const model = json.Resources[method.RequestModels['application/json'].Ref];
    expect(model.Type).toBe('AWS::ApiGateway::Model');
    // The schema, checked by a real JSON Schema (draft 4) validator: the sample passes, malformed bodies do not.
    const check = [
      'import json, sys, jsonschema',
      'schema = json.loads(sys.argv[1])',
      'jsonschema.Draft4Validator.check_schema(schema)',
      'v = jsonschema.Draft4Validator(schema)',
      'print(json.dumps([v.is_valid(json.loads(b)) for b in sys.argv[2:]]))',
    ].join('\n');
    const bodies = [SAMPLE_REQUEST, '{"inputs": [[1, 2, 3]]}', '{"inputs": []}', '{"inputs": [["a", 2, 3, 4]]}', '{"rows": [[1, 2, 3, 4]]}', '{"inputs": [[1, 2, 3, 4]], "x": 1}'];
    expect(JSON.parse(execFileSync('python3', ['-c', check, JSON.stringify(model.Properties.Schema), ...bodies], { encoding: 'utf8' })))
      .toEqual([true, false, false, false, false, false]);

    // Access logs in JSON to a log group with a retention; execution logs and throttling on every method.
    const stage = Object.values<any>(template.findResources('AWS::ApiGateway::Stage'))[0].Properties;
    expect(json.Resources[stage.AccessLogSetting.DestinationArn['Fn::GetAtt'][0]]).toMatchObject({ Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 30 } });
    expect(JSON.parse(stage.AccessLogSetting.Format)).toMatchObject({ requestId: '$context.requestId', status: '$context.status' });
    expect(stage.MethodSettings).toEqual([expect.objectContaining({ LoggingLevel: 'ERROR', ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 })]);

    // Callers get execute-api:Invoke on exactly POST /predict of the stage.
    const invoke = evaluate(json.Resources[stack.getLogicalId(stack.invokePolicy.node.defaultChild as cdk.CfnElement)].Properties.PolicyDocument, { template: json });
    expect(invoke.Statement).toEqual([{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: expect.stringMatching(/^arn:aws:execute-api:us-east-1:123456789012:\w+\/\w+\/POST\/predict$/) }]);
    expectValidSageMakerRequests(template);
    expectEndpointOutputs(template);
  });

  test('api gateway: the curl command in the outputs signs with SigV4 for execute-api and sends the validated sample', async () => {
    const app = new cdk.App({ builtinCloudFormationValidation: false });
    const stack = new ApiGatewayStack(app, 'Api', { archiveDir: fs.mkdtempSync(path.join(os.tmpdir(), 'example-api-')) });
    const json = Template.fromStack(stack).toJSON();
    const command: string = evaluate(json.Outputs.CurlCommand.Value, { template: json });
    const url: string = evaluate(json.Outputs.PredictUrl.Value, { template: json });
    expect(command.startsWith('eval "$(aws configure export-credentials --format env)" && curl ')).toBe(true);
    expect(command.endsWith(` ${url}`)).toBe(true);
    expect(url).toMatch(/^https:\/\/\w+\.execute-api\.us-east-1\.amazonaws\.com\/\w+\/predict$/);
    expect(command).toContain('--aws-sigv4 "aws:amz:us-east-1:execute-api"');

    // Run it with bash and the real curl against a server on 127.0.0.1 that recomputes the signature with botocore.
    // The credentials come from the environment, as `aws configure export-credentials --format env` sets them
    // (AWS CLI v2; the v1 here lacks it, so the test sets them itself).
    const server = spawn('python3', [path.join(__dirname, 'fixtures', 'sigv4-echo-server.py'), 'execute-api', 'us-east-1', 'test-secret']);
    const output = readline.createInterface({ input: server.stdout });
    try {
      const lines = output[Symbol.asyncIterator]();
      const port = Number((await lines.next()).value);
      const local = command.replace(/^eval "\$\(aws configure export-credentials --format env\)" && /, '')
        .replace(url, `http://127.0.0.1:${port}/prod/predict`);
      const env = { ...process.env, AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'test-secret', AWS_SESSION_TOKEN: 'session-token' };
      const answer = execFileSync('bash', ['-c', local], { env, encoding: 'utf8' });
      expect(JSON.parse(answer)).toEqual({ predicted: [0] });
      const seen = JSON.parse((await lines.next()).value);
      expect(seen).toMatchObject({ valid: true, scope: ['us-east-1', 'execute-api'], body: SAMPLE_REQUEST, securityToken: 'session-token' });
      expect(seen.signedHeaders).toEqual(expect.arrayContaining(['content-type', 'host', 'x-amz-date']));
    } finally {
      output.close();
      // It exits after its one request; a failed test kills it.
      if (server.exitCode === null) server.kill();
      await once(server, 'exit');
    }
  });

  test('every scenario runs on its own and is part of the app that cdk.json synthesizes', () => {
    const scenarios = fs.readdirSync(EXAMPLES).filter((d) => fs.existsSync(path.join(EXAMPLES, d, 'stack.ts'))).sort();
    expect(scenarios.length).toBeGreaterThanOrEqual(7);
    const app = fs.readFileSync(path.join(EXAMPLES, 'app.ts'), 'utf8');
    for (const scenario of scenarios) {
      expect({ scenario, hasApp: fs.existsSync(path.join(EXAMPLES, scenario, 'app.ts')) }).toEqual({ scenario, hasApp: true });
      expect({ scenario, inMainApp: app.includes(`'./${scenario}/stack'`) }).toEqual({ scenario, inMainApp: true });
    }
  });
});
