// This scenario on its own: npx cdk synth --app "npx tsx examples/multi-model/app.ts"
import * as cdk from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { MultiModelStack } from './stack';

const app = new cdk.App();
new MultiModelStack(app, 'PytorchMultiModelExample');
cdk.Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
