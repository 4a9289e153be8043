// The example CDK app that `cdk synth` runs (see cdk.json): one stack per example, checked by cdk-nag.
import * as cdk from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ExistingArtifactStack } from './existing-artifact/stack';

const app = new cdk.App();
new ExistingArtifactStack(app, 'PytorchExistingArtifactExample');
cdk.Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
