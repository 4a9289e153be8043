import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { ContainerImage } from '../core/container-image';
import { EndpointSettings } from './endpoint-settings-values';
import { bindModelNetwork } from './model-network';
import { RealtimeEndpointProps } from './realtime-endpoint-props';

/** The rendered model of a real-time endpoint and what the endpoint exposes of it. */
export interface EndpointModel {
  readonly model: sagemaker.CfnModel;
  readonly imageUri: string;
  /** The security groups of the model's containers; undefined outside a VPC. */
  readonly connections?: ec2.Connections;
}

/**
 * The `AWS::SageMaker::Model`: binds the image, the model data and the VPC placement (each grants `role` what it
 * needs) and renders the primary container and `VpcConfig` from them.
 */
export function renderModel(scope: Construct, props: RealtimeEndpointProps, settings: Pick<EndpointSettings, 'instanceType' | 'environment'>,
  role: iam.IRole): EndpointModel {
  const image = (props.image ?? ContainerImage.pytorchInference()).bind(scope, { instanceType: settings.instanceType, grantee: role });
  const modelData = props.modelData.bind(scope, role);
  const network = bindModelNetwork(scope, props, role);

  const model = new sagemaker.CfnModel(scope, 'Model', {
    executionRoleArn: role.roleArn,
    enableNetworkIsolation: props.enableNetworkIsolation ?? false,
    vpcConfig: network?.vpcConfig,
    primaryContainer: {
      image: image.imageUri,
      modelDataUrl: modelData.modelDataUrl,
      modelDataSource: modelData.modelDataSource,
      environment: settings.environment,
    },
  });
  // CreateModel checks that the role can pull the image and read the artifacts: the policies must exist first.
  model.node.addDependency(role);
  return { model, imageUri: image.imageUri, connections: network?.connections };
}
