// This scenario on its own: npx cdk synth --app "npx tsx examples/existing-artifact/app.ts"
import * as cdk from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ExistingArtifactStack } from './stack';

const app = new cdk.App();
new ExistingArtifactStack(app, 'PytorchExistingArtifactExample');
cdk.Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
