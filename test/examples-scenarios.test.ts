import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Template } from 'aws-cdk-lib/assertions';
import { CodeInjectionStack } from '../examples/code-injection/stack';
import { TrainAndServeStack } from '../examples/train-and-serve/stack';
import { checkedApp, expectCleanSynth } from './helpers/synth-checks';

const EXAMPLES = path.join(__dirname, '..', 'examples');

function synthesized(stackName: string, build: (app: ReturnType<typeof checkedApp>) => void): Template {
  const app = checkedApp();
  build(app);
  const result = expectCleanSynth(app);
  return Template.fromJSON(result.assembly.getStackByName(stackName).template);
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

  test('every scenario runs on its own and is part of the app that cdk.json synthesizes', () => {
    const scenarios = fs.readdirSync(EXAMPLES).filter((d) => fs.existsSync(path.join(EXAMPLES, d, 'stack.ts'))).sort();
    expect(scenarios.length).toBeGreaterThanOrEqual(3);
    const app = fs.readFileSync(path.join(EXAMPLES, 'app.ts'), 'utf8');
    for (const scenario of scenarios) {
      expect({ scenario, hasApp: fs.existsSync(path.join(EXAMPLES, scenario, 'app.ts')) }).toEqual({ scenario, hasApp: true });
      expect({ scenario, inMainApp: app.includes(`'./${scenario}/stack'`) }).toEqual({ scenario, inMainApp: true });
    }
  });
});
