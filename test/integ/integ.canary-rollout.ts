// Integration test of examples/canary-rollout: deploys the example, asserts on the live resources, destroys it.
// Offline, `npm test` compares its synthesized templates with the committed snapshot (test/integ-snapshots.test.ts).
//
// It deploys version 1 (a create: the canary applies to updates). To watch the canary, deploy the example app with
// `-c modelVersion=2` afterwards; its outputs' invoke command answers throughout the rollout.
import * as cdk from 'aws-cdk-lib';
import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { CanaryRolloutStack } from '../../examples/canary-rollout/stack';
import { expectEndpointAnswers, expectInstanceCount } from './assertions';

const app = new cdk.App();
const stack = new CanaryRolloutStack(app, 'IntegCanaryRollout', { modelVersion: 1 });
const integ = new IntegTest(app, 'CanaryRollout', {
  testCases: [stack],
  // The endpoint takes minutes to start; an example's resources are all deleted with its stack.
  cdkCommandOptions: { destroy: { args: { force: true } } },
});
expectEndpointAnswers(integ, stack.endpoint);
// The two instances a one-instance canary needs are running.
expectInstanceCount(integ, stack.endpoint, 2);
app.synth();
