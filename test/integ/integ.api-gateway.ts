// Integration test of examples/api-gateway: deploys the example, asserts on the live resources, destroys it.
// Offline, `npm test` compares its synthesized templates with the committed snapshot (test/integ-snapshots.test.ts).
import * as cdk from 'aws-cdk-lib';
import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { ApiGatewayStack } from '../../examples/api-gateway/stack';
import { expectApiAnswers, expectEndpointAnswers } from './assertions';

const app = new cdk.App();
const stack = new ApiGatewayStack(app, 'IntegApiGateway');
const integ = new IntegTest(app, 'ApiGateway', {
  testCases: [stack],
  // The endpoint takes minutes to start; an example's resources are all deleted with its stack.
  cdkCommandOptions: { destroy: { args: { force: true } } },
});
expectEndpointAnswers(integ, stack.endpoint);
expectApiAnswers(integ, stack.api, stack.predict, stack.api.urlForPath('/predict'));
app.synth();
