// Shared by the construct and the lifecycle handler (no aws-cdk-lib import: the handler bundle includes it).

/** The custom resource that starts the job: its properties are the CreateTrainingJob request (all but the name). */
export const TRAINING_JOB_RESOURCE_TYPE = 'Custom::SageMakerTrainingJob';
/** The custom resource that reads the finished job's artifact location, after the wait condition. */
export const TRAINING_RESULT_RESOURCE_TYPE = 'Custom::SageMakerTrainingJobResult';
/** CloudFormation's own properties of a custom resource: not training inputs. */
export const CLOUDFORMATION_PROPERTIES = ['ServiceToken', 'ServiceTimeout'];
/** Properties of the job resource that the handler reads but does not send to SageMaker. */
export const HANDLER_ONLY_PROPERTIES = ['ServiceToken', 'ServiceTimeout', 'TrainingJobNamePrefix', 'HyperParameterTypes', 'DeployTimeHyperParameters', 'WaitConditionHandle'];
