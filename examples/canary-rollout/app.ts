// This scenario on its own: npx cdk synth --app "npx tsx examples/canary-rollout/app.ts"
// Roll out version 2: npx cdk deploy --app "npx tsx examples/canary-rollout/app.ts" -c modelVersion=2
import * as cdk from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CanaryRolloutStack } from './stack';

const app = new cdk.App();
new CanaryRolloutStack(app, 'PytorchCanaryRolloutExample');
cdk.Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
