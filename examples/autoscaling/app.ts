// This scenario on its own: npx cdk synth --app "npx tsx examples/autoscaling/app.ts"
import * as cdk from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AutoscalingStack } from './stack';

const app = new cdk.App();
new AutoscalingStack(app, 'PytorchAutoscalingExample');
cdk.Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
