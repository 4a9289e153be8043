import * as cdk from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { checkedApp, expectCleanSynth, synthWithChecks } from './helpers/synth-checks';

// "Zero findings" is the bar of every expectCleanSynth in the suite; these canaries prove that each checker is
// really running there (an empty report would look the same if it were not).
describe('the synth checks can fail', () => {
  test('CloudFormation schema validation reports an invalid property', () => {
    const app = checkedApp();
    const stack = new cdk.Stack(app, 'Canary');
    new cdk.CfnResource(stack, 'Bucket', { type: 'AWS::S3::Bucket', properties: { NotAProperty: true } });
    const { findings } = synthWithChecks(app, { nagPacks: [] });
    expect(findings.some((f) => f.plugin === 'CloudFormation Validate')).toBe(true);
    expect(() => expectCleanSynth(checkedAppWith((s) => new cdk.CfnResource(s, 'B', { type: 'AWS::S3::Bucket', properties: { NotAProperty: 1 } })), { nagPacks: [] }))
      .toThrow(/Synthesis has findings/);
  });

  test('cdk-nag AwsSolutions reports an unencrypted, non-SSL bucket', () => {
    const { findings } = synthWithChecks(checkedAppWith((s) => new s3.CfnBucket(s, 'Plain')));
    const rules = findings.filter((f) => f.plugin === 'AwsSolutions').map((f) => f.rule);
    expect(rules).toEqual(expect.arrayContaining(['AwsSolutions-S10']));
  });
});

function checkedAppWith(build: (stack: cdk.Stack) => void): cdk.App {
  const app = checkedApp();
  build(new cdk.Stack(app, 'Canary'));
  return app;
}
