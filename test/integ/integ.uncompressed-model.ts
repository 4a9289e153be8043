// Integration test of examples/uncompressed-model: deploys the example, asserts on the live resources, destroys it.
// Offline, `npm test` compares its synthesized templates with the committed snapshot (test/integ-snapshots.test.ts).
import * as cdk from 'aws-cdk-lib';
import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { UncompressedModelStack } from '../../examples/uncompressed-model/stack';
import { expectEndpointAnswers, expectInjectedCode, expectTrainingCompleted } from './assertions';

const app = new cdk.App();
const stack = new UncompressedModelStack(app, 'IntegUncompressedModel');
const integ = new IntegTest(app, 'UncompressedModel', {
  testCases: [stack],
  cdkCommandOptions: { destroy: { args: { force: true } } },
});
expectTrainingCompleted(integ, stack.endpoint);
expectInjectedCode(integ, stack.endpoint);
expectEndpointAnswers(integ, stack.endpoint, `{"inputs": [${JSON.stringify(Array.from({ length: 16 }, () => 0.5))}]}`,
  // examples/train-and-serve/serving/inference.py's output_fn answers {"outputs": [...]}.
  '"outputs"');
app.synth();
