// The run-time type checks of the classes every area takes (lib/common/validation.ts, checkPropTypes): how the
// message tells a JavaScript caller to make one. Internal: not exported from lib/index.ts.
import { quoteArgument, instanceOf, ExpectedClass } from '../common/validation';
import { ContainerImage, PytorchVersion } from './container-image';
import { InstanceType } from './instance-type';
import { ModelData } from './model-data';

/** `instanceType: 'ml.g5.xlarge'` -> `InstanceType.of('ml.g5.xlarge')`. */
export const INSTANCE_TYPE: ExpectedClass = instanceOf(InstanceType, (given) =>
  typeof given === 'string' ? `InstanceType.of(${quoteArgument(given)})` : 'InstanceType.ML_G5_XLARGE');

/** `model: 'model.tar.gz'` -> `ModelData.fromAsset('model.tar.gz')`, `'s3://...'` -> `ModelData.fromS3Uri('s3://...')`. */
export const MODEL_DATA: ExpectedClass = instanceOf(ModelData, (given) => {
  if (typeof given === 'string') return given.startsWith('s3://') ? `ModelData.fromS3Uri(${quoteArgument(given)})` : `ModelData.fromAsset(${quoteArgument(given)})`;
  return "ModelData.fromAsset('model.tar.gz')";
});

/** A serving image. */
export const INFERENCE_IMAGE: ExpectedClass = instanceOf(ContainerImage, (given) =>
  typeof given === 'string' ? `ContainerImage.fromImageUri(${quoteArgument(given)})` : 'ContainerImage.pytorchInference(PytorchVersion.V2_6_0)');

/** A training image. */
export const TRAINING_IMAGE: ExpectedClass = instanceOf(ContainerImage, (given) =>
  typeof given === 'string' ? `ContainerImage.fromImageUri(${quoteArgument(given)})` : 'ContainerImage.pytorchTraining(PytorchVersion.V2_8_0)');

/** `'2.6.0'` -> `PytorchVersion.of('2.6.0')`. */
export const PYTORCH_VERSION: ExpectedClass = instanceOf(PytorchVersion, (given) =>
  typeof given === 'string' ? `PytorchVersion.of(${quoteArgument(given)})` : 'PytorchVersion.V2_6_0');
