import * as fs from 'fs';
import { ProductionVariantInstanceType } from '@aws-sdk/client-sagemaker';
import * as cdk from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { InstanceType, ModelData, RealtimeEndpoint } from '../../lib';
import { HOSTING_INSTANCE_TYPES } from '../../lib/hosting/hosting-instance-types';
import { HOSTING_LIST, REGENERATE_COMMAND, renderInstanceTypeFile } from '../../scripts/generate-instance-types';
import { fastApp } from '../helpers/synth-checks';

test('the synth-time hosting instance type list equals the SDK\'s ProductionVariantInstanceType enum', () => {
  expect([...HOSTING_INSTANCE_TYPES]).toEqual(Object.values(ProductionVariantInstanceType).sort());
});

test(`lib/hosting/hosting-instance-types.ts is exactly what the generator writes (regenerate: ${REGENERATE_COMMAND})`, () => {
  expect(fs.readFileSync(HOSTING_LIST.file, 'utf8')).toBe(renderInstanceTypeFile(HOSTING_LIST));
});

function endpoint(instanceType: InstanceType, allowUnlistedInstanceType?: boolean): cdk.Stack {
  const stack = new cdk.Stack(fastApp(), 'S');
  new RealtimeEndpoint(stack, 'E', {
    modelData: ModelData.fromS3Uri('s3://models/model.tar.gz'),
    instanceType,
    allowUnlistedInstanceType,
  });
  return stack;
}

describe('hosting instance types are checked at synth', () => {
  test('a training-only type (ml.p3dn has no hosting variant) fails with what to do', () => {
    expect(() => endpoint(InstanceType.ML_P3DN_24XLARGE))
      .toThrow(/ml\.p3dn\.24xlarge is not a SageMaker real-time hosting instance type .* Pick one such as ml\.g5\.xlarge, or set allowUnlistedInstanceType/);
  });

  test('a well-formed but unknown type fails, unless allowUnlistedInstanceType says it is newer than the library', () => {
    expect(() => endpoint(InstanceType.of('ml.g99.xlarge'))).toThrow(/not a SageMaker real-time hosting instance type/);
    const stack = endpoint(InstanceType.of('ml.g99.xlarge'), true);
    Template.fromStack(stack).hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      ProductionVariants: [{ InstanceType: 'ml.g99.xlarge' }],
    });
  });

  test('every InstanceType constant but the training-only ml.p3dn serves an endpoint', () => {
    const constants = Object.values(InstanceType).filter((v): v is InstanceType => v instanceof InstanceType);
    expect(constants.filter((t) => !HOSTING_INSTANCE_TYPES.includes(t.name)).map((t) => t.name)).toEqual(['ml.p3dn.24xlarge']);
    for (const type of constants.filter((t) => t.name !== 'ml.p3dn.24xlarge')) expect(() => endpoint(type)).not.toThrow();
  });
});
