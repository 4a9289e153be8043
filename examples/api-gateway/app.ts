// This scenario on its own: npx cdk synth --app "npx tsx examples/api-gateway/app.ts"
import * as cdk from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ApiGatewayStack } from './stack';

const app = new cdk.App();
new ApiGatewayStack(app, 'PytorchApiGatewayExample');
cdk.Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
