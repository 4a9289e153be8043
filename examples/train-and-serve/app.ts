// This scenario on its own: npx cdk synth --app "npx tsx examples/train-and-serve/app.ts"
import * as cdk from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { TrainAndServeStack } from './stack';

const app = new cdk.App();
new TrainAndServeStack(app, 'PytorchTrainAndServeExample');
cdk.Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
