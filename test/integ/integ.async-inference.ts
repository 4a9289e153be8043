// Integration test of examples/async-inference: deploys the example, asserts on the live resources, destroys it.
// Offline, `npm test` compares its synthesized templates with the committed snapshot (test/integ-snapshots.test.ts).
import * as cdk from 'aws-cdk-lib';
import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { AsyncInferenceStack } from '../../examples/async-inference/stack';
import { expectAsyncRequestQueued, expectEndpointInService } from './assertions';

const app = new cdk.App();
const stack = new AsyncInferenceStack(app, 'IntegAsyncInference');
const integ = new IntegTest(app, 'AsyncInference', {
  testCases: [stack],
  cdkCommandOptions: { destroy: { args: { force: true } } },
});
expectEndpointInService(integ, stack.endpoint);
expectAsyncRequestQueued(integ, stack.endpoint);
app.synth();
