// This scenario on its own: npx cdk synth --app "npx tsx examples/scale-to-zero-realtime/app.ts"
import * as cdk from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ScaleToZeroRealtimeStack } from './stack';

const app = new cdk.App();
new ScaleToZeroRealtimeStack(app, 'PytorchScaleToZeroRealtimeExample');
cdk.Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
