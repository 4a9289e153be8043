// Integration test of examples/private-endpoint: deploys the example, asserts on the live resources, destroys it.
// Offline, `npm test` compares its synthesized templates with the committed snapshot (test/integ-snapshots.test.ts).
import * as cdk from 'aws-cdk-lib';
import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { PrivateEndpointStack } from '../../examples/private-endpoint/stack';
import { expectEndpointAnswers, expectInjectedCode } from './assertions';

const app = new cdk.App();
const stack = new PrivateEndpointStack(app, 'IntegPrivateEndpoint');
const integ = new IntegTest(app, 'PrivateEndpoint', {
  testCases: [stack],
  // The endpoint takes minutes to start; an example's resources are all deleted with its stack.
  cdkCommandOptions: { destroy: { args: { force: true } } },
});
expectEndpointAnswers(integ, stack.endpoint);
expectInjectedCode(integ, stack.endpoint);
app.synth();
