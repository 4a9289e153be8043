// This scenario on its own: npx cdk synth --app "npx tsx examples/private-endpoint/app.ts"
import * as cdk from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { PrivateEndpointStack } from './stack';

const app = new cdk.App();
new PrivateEndpointStack(app, 'PytorchPrivateEndpointExample');
cdk.Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
