// This scenario on its own: npx cdk synth --app "npx tsx examples/uncompressed-model/app.ts"
import * as cdk from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { UncompressedModelStack } from './stack';

const app = new cdk.App();
new UncompressedModelStack(app, 'PytorchUncompressedModelExample');
cdk.Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
