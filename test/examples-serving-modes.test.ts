import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Template } from 'aws-cdk-lib/assertions';
import { AsyncInferenceStack } from '../examples/async-inference/stack';
import { ScaleToZeroRealtimeStack } from '../examples/scale-to-zero-realtime/stack';
import { checkedApp, expectCleanSynth } from './helpers/synth-checks';

// The serving-mode examples, synthesized as cdk.json's app would (checked context, cdk-nag AwsSolutions).
function synth<T extends { stackName: string }>(make: (app: ReturnType<typeof checkedApp>, archiveDir: string) => T) {
  const app = checkedApp();
  const stack = make(app, fs.mkdtempSync(path.join(os.tmpdir(), 'example-archive-')));
  const result = expectCleanSynth(app);
  return Template.fromJSON(result.assembly.getStackByName(stack.stackName).template);
}

describe('example: real-time endpoint that scales to zero', () => {
  test('zero CloudFormation findings, zero unsuppressed AwsSolutions findings; an inference component; the outputs', () => {
    const template = synth((app, archiveDir) => new ScaleToZeroRealtimeStack(app, 'ScaleToZero', { archiveDir }));
    template.resourceCountIs('AWS::SageMaker::InferenceComponent', 1);
    template.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      ProductionVariants: [{ InstanceType: 'ml.g5.xlarge', ManagedInstanceScaling: { Status: 'ENABLED', MinInstanceCount: 0, MaxInstanceCount: 2 } }],
    });
    const outputs = template.toJSON().Outputs;
    expect(Object.keys(outputs).sort()).toEqual(['ColdStart', 'DashboardUrl', 'EndpointName', 'InferenceComponentName', 'InvokeCommand']);
    // An endpoint that hosts inference components refuses requests that do not name one.
    expect(JSON.stringify(outputs.InvokeCommand.Value)).toContain('--inference-component-name ');
    expect(JSON.stringify(outputs.InvokeCommand.Value)).toContain(JSON.stringify(outputs.InferenceComponentName.Value).slice(1, -1));
    expect(outputs.ColdStart.Value).toMatch(/first request after that FAILS/);
    expect(outputs.ColdStart.Value).toMatch(/several minutes/);
    expect(outputs.ColdStart.Value).toMatch(/Retry/);
    // The copy counts are published every minute (on by default).
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)' });
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: { INFERENCE_COMPONENT_NAME: outputs.InferenceComponentName.Value } } });
  });
});

describe('example: asynchronous endpoint that scales to zero', () => {
  test('zero findings; AsyncInferenceConfig with topics and a key; a ready-to-run invoke-endpoint-async command', () => {
    const template = synth((app, archiveDir) => new AsyncInferenceStack(app, 'Async', { archiveDir }));
    const config = Object.values(template.findResources('AWS::SageMaker::EndpointConfig'))[0] as any;
    expect(Object.keys(config.Properties.AsyncInferenceConfig.OutputConfig).sort())
      .toEqual(['KmsKeyId', 'NotificationConfig', 'S3FailurePath', 'S3OutputPath']);
    const outputs = template.toJSON().Outputs;
    const command = JSON.stringify(outputs.InvokeAsyncCommand.Value);
    expect(command).toContain('aws sagemaker-runtime invoke-endpoint-async');
    expect(command).toContain('--input-location s3://');
    expect(command).toContain('/async-inference/input/request.json');
    expect(command).toContain(JSON.stringify(outputs.EndpointName.Value));
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 0, MaxCapacity: 2 });
  });
});
