// Integration test of examples/multi-model: deploys the example, asserts on the live resources, destroys it.
// Offline, `npm test` compares its synthesized templates with the committed snapshot (test/integ-snapshots.test.ts).
import * as cdk from 'aws-cdk-lib';
import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { MultiModelStack } from '../../examples/multi-model/stack';
import { expectApiAnswers, expectModelAnswers } from './assertions';

const app = new cdk.App();
const stack = new MultiModelStack(app, 'IntegMultiModel');
const integ = new IntegTest(app, 'MultiModel', {
  testCases: [stack],
  // Three models, a training job and the fleet's instances take a while; everything goes with the stack.
  cdkCommandOptions: { destroy: { args: { force: true } } },
});
// Right after the deploy every model has its initial copy: each answers through SageMaker Runtime with its component
// name, and through its API route (TestInvokeMethod: the request model and the integration with the fixed component
// header; an unsigned request to the stage is refused).
for (const { model, route, sampleRequest, answerField } of stack.models) {
  expectModelAnswers(integ, model, sampleRequest, `"${answerField}"`);
  expectApiAnswers(integ, stack.api, stack.routes[route], stack.api.urlForPath(`/models/${route}`), sampleRequest, `"${answerField}"`);
}
app.synth();
