// This scenario on its own: npx cdk synth --app "npx tsx examples/async-inference/app.ts"
import * as cdk from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AsyncInferenceStack } from './stack';

const app = new cdk.App();
new AsyncInferenceStack(app, 'PytorchAsyncInferenceExample');
cdk.Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
