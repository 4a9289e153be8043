// Integration test of examples/scale-to-zero-realtime: deploys the example, asserts on the live resources, destroys it.
// Offline, `npm test` compares its synthesized templates with the committed snapshot (test/integ-snapshots.test.ts).
import * as cdk from 'aws-cdk-lib';
import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { ScaleToZeroRealtimeStack } from '../../examples/scale-to-zero-realtime/stack';
import { expectCopyCountsPublished, expectEndpointAnswers } from './assertions';

const app = new cdk.App();
const stack = new ScaleToZeroRealtimeStack(app, 'IntegScaleToZeroRealtime');
const integ = new IntegTest(app, 'ScaleToZeroRealtime', {
  testCases: [stack],
  cdkCommandOptions: { destroy: { args: { force: true } } },
});
// Right after the deploy the inference component has its initial copy, so the first request is answered.
expectEndpointAnswers(integ, stack.endpoint);
// The copy-count publisher reads the component every minute: its metric shows up in CloudWatch.
expectCopyCountsPublished(integ, stack.endpoint);
app.synth();
