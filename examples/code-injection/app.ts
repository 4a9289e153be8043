// This scenario on its own: npx cdk synth --app "npx tsx examples/code-injection/app.ts"
import * as cdk from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CodeInjectionStack } from './stack';

const app = new cdk.App();
new CodeInjectionStack(app, 'PytorchCodeInjectionExample');
cdk.Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
