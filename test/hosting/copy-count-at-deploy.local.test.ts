// The copy count an inference component gets on a stack update (issue 17, "what a stack update does to a copy count
// that Application Auto Scaling changed"): the custom resource that reads it at deploy time, its pure logic, the
// template it wires, and its Lambda shell end to end: the real @aws-sdk/client-sagemaker against the local SageMaker
// (../helpers/local-sagemaker: every request and answer validated against the API model) and its answer PUT to a real
// HTTP server on 127.0.0.1 standing in for CloudFormation's presigned URL.
import * as path from 'path';
import * as cdk from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CustomResourceEvent } from '../../lib/common/runtime/custom-resource';
import { handler } from '../../lib/hosting/handlers/copy-count-at-deploy';
import { copyCountAtDeploy } from '../../lib/hosting/runtime/copy-count-at-deploy';
import { DeploymentGuardrails, ModelData, RealtimeEndpoint, ServingMode } from '../../lib';
import { deliveredProperties } from '../helpers/cfn-eval';
import { LocalSageMaker, useLocalAwsEnvironment } from '../helpers/local-sagemaker';
import { fastApp } from '../helpers/synth-checks';
import { startServer } from '../training/local-http';

const RESOURCE_TYPE = 'Custom::InferenceComponentCopyCount';

function stackWith(modelUri: string, servingMode = ServingMode.realtimeScaleToZero({ maxInstanceCount: 2, maxCopyCount: 2 }), extra: object = {}) {
  const stack = new cdk.Stack(fastApp(), 'S');
  new RealtimeEndpoint(stack, 'Endpoint', { modelData: ModelData.fromS3Uri(modelUri), endpointName: 'shop', servingMode, ...extra });
  return Template.fromStack(stack).toJSON();
}

function event(requestType: 'Create' | 'Update' | 'Delete', props: Record<string, unknown>, responseUrl = 'http://127.0.0.1:9/unused'): CustomResourceEvent {
  return {
    RequestType: requestType, ResponseURL: responseUrl, StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/S/1', RequestId: `req-${requestType}`,
    LogicalResourceId: 'CopyCountAtDeploy', ResourceType: RESOURCE_TYPE, ResourceProperties: props,
    ...(requestType === 'Create' ? {} : { PhysicalResourceId: 'shop-ic' }),
  };
}

describe('copyCountAtDeploy (the logic)', () => {
  const props = { InferenceComponentName: 'shop-ic', InitialCopyCount: '1' };

  test('a component that does not exist yet is created with the initial count', async () => {
    const seen: string[] = [];
    const outcome = await copyCountAtDeploy(event('Create', props), async (name) => { seen.push(name); return undefined; });
    expect(seen).toEqual(['shop-ic']);
    expect(outcome).toEqual({ physicalResourceId: 'shop-ic', data: { CopyCount: '1', Source: 'InitialCopyCount' } });
  });

  test('an update keeps what Application Auto Scaling set: 3 copies under load, 0 when idle', async () => {
    expect((await copyCountAtDeploy(event('Update', props), async () => ({ CurrentCopyCount: 2, DesiredCopyCount: 3 }))).data)
      .toEqual({ CopyCount: '3', Source: 'DescribeInferenceComponent' });
    expect((await copyCountAtDeploy(event('Update', props), async () => ({ CurrentCopyCount: 0, DesiredCopyCount: 0 }))).data!.CopyCount).toBe('0');
    // No desired count reported (yet): the count running, then the initial one.
    expect((await copyCountAtDeploy(event('Update', props), async () => ({ CurrentCopyCount: 2 }))).data!.CopyCount).toBe('2');
    expect((await copyCountAtDeploy(event('Update', props), async () => ({}))).data!.CopyCount).toBe('1');
  });

  test('delete removes nothing and reads nothing (the resource owns nothing)', async () => {
    const outcome = await copyCountAtDeploy(event('Delete', props), async () => { throw new Error('must not be called'); });
    expect(outcome).toEqual({ physicalResourceId: 'shop-ic' });
  });

  test('properties the library would not write are refused with the reason', async () => {
    await expect(copyCountAtDeploy(event('Create', { ...props, InitialCopyCount: '-1' }), async () => undefined)).rejects.toThrow(/InitialCopyCount must be a whole number >= 0, got "-1"/);
    await expect(copyCountAtDeploy(event('Create', { InitialCopyCount: '1' }), async () => undefined)).rejects.toThrow(/InferenceComponentName is missing/);
  });
});

describe('the template', () => {
  test('the component\'s CopyCount is the resource\'s answer; the resource\'s function may only describe this component', () => {
    const template = stackWith('s3://bkt/model.tar.gz');
    const resources = Object.entries<any>(template.Resources);
    const [crId, cr] = resources.find(([, r]) => r.Type === RESOURCE_TYPE)!;
    const [, component] = resources.find(([, r]) => r.Type === 'AWS::SageMaker::InferenceComponent')!;
    expect(component.Properties.RuntimeConfig).toEqual({ CopyCount: { 'Fn::GetAtt': [crId, 'CopyCount'] } });
    expect(cr.Properties).toMatchObject({ InferenceComponentName: 'shop-ic', InitialCopyCount: 1 });
    const functionId = cr.Properties.ServiceToken['Fn::GetAtt'][0];
    const roleId = template.Resources[functionId].Properties.Role['Fn::GetAtt'][0];
    const statements = resources.filter(([, r]) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(roleId))
      .flatMap(([, r]) => r.Properties.PolicyDocument.Statement);
    const arn = (name: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:inference-component/${name}`]] });
    expect(statements.map((s: any) => s.Action)).toEqual([['logs:CreateLogStream', 'logs:PutLogEvents'], 'sagemaker:DescribeInferenceComponent']);
    expect(statements[1].Resource).toEqual(arn('shop-ic'));
    // The resource is invoked only once its function may describe the component.
    expect(cr.DependsOn).toEqual(expect.arrayContaining([roleId, expect.stringMatching(/CopyCountAtDeployFunctionRoleDefaultPolicy/)]));
  });

  test('whatever makes CloudFormation update the component updates the resource first: a new model, a new rolling policy', () => {
    const parts = (template: any) => {
      const resources = Object.values<any>(template.Resources);
      return { cr: resources.find((r) => r.Type === RESOURCE_TYPE).Properties, component: resources.find((r) => r.Type === 'AWS::SageMaker::InferenceComponent').Properties };
    };
    const base = parts(stackWith('s3://bkt/model.tar.gz'));
    // The resource carries the component's own values (the same tokens): a new model replaces the CfnModel, whose
    // new name both receive through the same GetAtt, so CloudFormation updates the resource, then the component.
    expect(base.cr.Component.Specification.modelName).toEqual(base.component.Specification.ModelName);
    expect(base.cr.Component.EndpointName).toEqual(base.component.EndpointName);
    expect(base.cr.Component.VariantName).toBe(base.component.VariantName);
    expect(base.cr.Component.DeploymentConfig).toBeUndefined();
    // A rolling policy (alarms by Ref) is in both too.
    const rolling = parts(stackWith('s3://bkt/model.tar.gz', undefined, { deployment: DeploymentGuardrails.rolling() }));
    expect(rolling.cr.Component.DeploymentConfig.autoRollbackConfiguration.alarms.map((a: any) => a.alarmName))
      .toEqual(rolling.component.DeploymentConfig.AutoRollbackConfiguration.Alarms.map((a: any) => a.AlarmName));
    expect(rolling.cr.Component.DeploymentConfig.rollingUpdatePolicy.waitIntervalInSeconds).toBe(rolling.component.DeploymentConfig.RollingUpdatePolicy.WaitIntervalInSeconds);
  });
});

describe('the function against a local SageMaker, answering a local CloudFormation', () => {
  const context = { getRemainingTimeInMillis: () => 60_000, logGroupName: '/aws/lambda/f', logStreamName: 'stream-1' };
  let sagemaker: LocalSageMaker;
  let restoreEnvironment: () => void;

  beforeAll(async () => {
    sagemaker = await LocalSageMaker.start();
    restoreEnvironment = useLocalAwsEnvironment({ SAGEMAKER: sagemaker.endpoint });
  });
  afterAll(async () => {
    restoreEnvironment?.();
    await sagemaker?.close();
  });
  beforeEach(() => {
    sagemaker.resetComponents();
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => {
    jest.restoreAllMocks();
    expect(sagemaker.problems.splice(0)).toEqual([]);
  });

  /** Runs a request with the properties CloudFormation delivers for the synthesized resource; returns the answer. */
  async function answer(run: (e: CustomResourceEvent, c: typeof context) => Promise<void>, requestType: 'Create' | 'Update'): Promise<any> {
    const server = await startServer();
    try {
      const props = deliveredProperties(stackWith('s3://bkt/model.tar.gz'), RESOURCE_TYPE);
      await run(event(requestType, props, server.url), context);
      expect(server.received).toHaveLength(1);
      expect(server.received[0].method).toBe('PUT');
      return JSON.parse(server.received[0].body);
    } finally {
      await server.close();
    }
  }

  test('create: the component does not exist yet, so SUCCESS with the initial count', async () => {
    const body = await answer(handler, 'Create');
    expect(body).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'shop-ic', Data: { CopyCount: '1', Source: 'InitialCopyCount' } });
    expect(sagemaker.calls).toEqual([{ operation: 'DescribeInferenceComponent', input: { InferenceComponentName: 'shop-ic' } }]);
  });

  test('update under load (3 copies asked for) and idle (0): SUCCESS with that count', async () => {
    sagemaker.addInferenceComponent('shop-ic', { CurrentCopyCount: 2, DesiredCopyCount: 3 });
    expect((await answer(handler, 'Update')).Data).toEqual({ CopyCount: '3', Source: 'DescribeInferenceComponent' });
    sagemaker.addInferenceComponent('shop-ic', { CurrentCopyCount: 0, DesiredCopyCount: 0 });
    expect((await answer(handler, 'Update')).Data.CopyCount).toBe('0');
  });

  test('a SageMaker error fails the update with its reason and where to read more (the stack rolls back)', async () => {
    sagemaker.addInferenceComponent('shop-ic', { CurrentCopyCount: 1, DesiredCopyCount: 1 });
    sagemaker.failWith = { type: 'AccessDeniedException', message: 'not authorized to perform: sagemaker:DescribeInferenceComponent', status: 400 };
    const body = await answer(handler, 'Update');
    expect(body.Status).toBe('FAILED');
    expect(body.Reason).toMatch(/not authorized to perform: sagemaker:DescribeInferenceComponent \(log: \/aws\/lambda\/f stream-1\)/);
    expect(body.PhysicalResourceId).toBe('shop-ic');
  });

  test('the bundle that is deployed (assets/handlers/copy-count-at-deploy/index.js) answers the same', async () => {
    sagemaker.addInferenceComponent('shop-ic', { CurrentCopyCount: 2, DesiredCopyCount: 2 });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const bundled = require(path.join(__dirname, '..', '..', 'assets', 'handlers', 'copy-count-at-deploy', 'index.js'));
    expect((await answer(bundled.handler, 'Update')).Data).toEqual({ CopyCount: '2', Source: 'DescribeInferenceComponent' });
  });
});
