// Integration test of examples/train-and-serve: deploys the example, asserts on the live resources, destroys it.
// Offline, `npm test` compares its synthesized templates with the committed snapshot (test/integ-snapshots.test.ts).
import * as cdk from 'aws-cdk-lib';
import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { TrainAndServeStack } from '../../examples/train-and-serve/stack';
import { expectEndpointAnswers, expectInjectedCode, expectTrainingCompleted } from './assertions';

const app = new cdk.App();
const stack = new TrainAndServeStack(app, 'IntegTrainAndServe');
const integ = new IntegTest(app, 'TrainAndServe', {
  testCases: [stack],
  // The endpoint takes minutes to start; an example's resources are all deleted with its stack.
  cdkCommandOptions: { destroy: { args: { force: true } } },
});
expectTrainingCompleted(integ, stack.endpoint);
expectInjectedCode(integ, stack.endpoint);
expectEndpointAnswers(integ, stack.endpoint, `{"inputs": [${JSON.stringify(Array.from({ length: 16 }, () => 0.5))}]}`,
  // examples/train-and-serve/serving/inference.py's output_fn answers {"outputs": [...]}.
  '"outputs"');
app.synth();
