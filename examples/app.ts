// The example CDK app that `cdk synth` runs (see cdk.json): one stack per scenario, all checked by cdk-nag.
// Each scenario also runs on its own: `npx cdk synth --app "npx tsx examples/<scenario>/app.ts"`.
import * as cdk from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AsyncInferenceStack } from './async-inference/stack';
import { ApiGatewayStack } from './api-gateway/stack';
import { AutoscalingStack } from './autoscaling/stack';
import { CanaryRolloutStack } from './canary-rollout/stack';
import { CodeInjectionStack } from './code-injection/stack';
import { ExistingArtifactStack } from './existing-artifact/stack';
import { MultiModelStack } from './multi-model/stack';
import { PrivateEndpointStack } from './private-endpoint/stack';
import { ScaleToZeroRealtimeStack } from './scale-to-zero-realtime/stack';
import { TrainAndServeStack } from './train-and-serve/stack';
import { UncompressedModelStack } from './uncompressed-model/stack';

const app = new cdk.App();
new ExistingArtifactStack(app, 'PytorchExistingArtifactExample');
new CodeInjectionStack(app, 'PytorchCodeInjectionExample');
new TrainAndServeStack(app, 'PytorchTrainAndServeExample');
new AutoscalingStack(app, 'PytorchAutoscalingExample');
new PrivateEndpointStack(app, 'PytorchPrivateEndpointExample');
new ScaleToZeroRealtimeStack(app, 'PytorchScaleToZeroRealtimeExample');
new AsyncInferenceStack(app, 'PytorchAsyncInferenceExample');
new UncompressedModelStack(app, 'PytorchUncompressedModelExample');
new CanaryRolloutStack(app, 'PytorchCanaryRolloutExample');
new ApiGatewayStack(app, 'PytorchApiGatewayExample');
new MultiModelStack(app, 'PytorchMultiModelExample');
cdk.Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
