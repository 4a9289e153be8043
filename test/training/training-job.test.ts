import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CfnParameter, Duration, Size, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ContainerImage, InstanceType, PytorchVersion } from '../../lib';
import {
  Hyperparameter, HyperparameterType, S3DataDistribution, TrainingDistribution, TrainingInput, TrainingInputMode, TrainingJob,
  TrainingJobProps,
} from '../../lib/training';
import { SOURCE, VENDORED_SOURCE, allStatements, jobProperties, synthJob } from './helpers';

describe('defaults', () => {
  const { json, template, job, stack } = synthJob({ hyperparameters: { epochs: Hyperparameter.integer(3), amp: Hyperparameter.boolean(false) } });
  const props = jobProperties(json);

  test('the custom resource carries the CreateTrainingJob request in the API field names', () => {
    expect(props.AlgorithmSpecification.TrainingInputMode).toBe('File');
    expect(JSON.stringify(props.AlgorithmSpecification.TrainingImage)).toContain('/pytorch-training:2.8.0-gpu-py312');
    expect(props.RoleArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^TrainExecutionRole/), 'Arn'] });
    expect(props.ResourceConfig).toEqual({ InstanceType: 'ml.g5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30 });
    expect(props.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 3.5 * 3600 });
    expect(props.OutputDataConfig).toEqual({ S3OutputPath: { 'Fn::Join': ['', ['s3://', { Ref: expect.stringMatching(/^TrainOutputBucket/) }, '/training']] } });
    expect(props.EnableNetworkIsolation).toBe(false);
    expect(props.EnableManagedSpotTraining).toBe(false);
    expect(props.EnableInterContainerTrafficEncryption).toBe(false);
    expect(props.InputDataConfig).toBeUndefined();
    expect(props.VpcConfig).toBeUndefined();
    expect(props.TrainingJobName).toBeUndefined();
  });

  test('hyperparameters: JSON per value plus the sagemaker_* keys', () => {
    expect(props.HyperParameters).toMatchObject({
      epochs: '3',
      amp: 'false',
      sagemaker_program: '"train.py"',
      sagemaker_container_log_level: '20',
      sagemaker_region: { 'Fn::Join': ['', ['"', { Ref: 'AWS::Region' }, '"']] },
    });
    expect(JSON.stringify(props.HyperParameters.sagemaker_submit_directory)).toMatch(/"\\"",\{"Fn::Sub":"s3:\/\/cdk-[^"]+\.gz"\},"\\""/);
    expect(props.HyperParameterTypes).toEqual({ epochs: 'integer', amp: 'boolean' });
    expect(props.DeployTimeHyperParameters).toEqual({});
  });

  test('job names start with <prefix>-<inputs hash>-, and the rule matches exactly those', () => {
    expect(job.jobNamePrefix).toMatch(/^[a-z0-9]+-[0-9a-f]{16}-$/);
    expect(props.TrainingJobNamePrefix).toBe(job.jobNamePrefix);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.sagemaker'],
        'detail-type': ['SageMaker Training Job State Change'],
        'detail': { TrainingJobName: [{ prefix: job.jobNamePrefix }] },
      },
      Targets: [Match.objectLike({
        InputTransformer: {
          InputPathsMap: { detail: '$.detail' },
          InputTemplate: { 'Fn::Join': ['', ['{"waitHandleUrl":"', { Ref: Match.stringLikeRegexp('^TrainCompletionHandle') }, '","detail":<detail>}']] },
        },
      })],
    });
  });

  test('wait condition: ids from the inputs hash, default 4 hours, after the job resource', () => {
    const conditions = template.findResources('AWS::CloudFormation::WaitCondition');
    const [id] = Object.keys(conditions);
    expect(id).toContain(`Completion${job.inputsHash}`);
    expect(conditions[id].Properties).toEqual({ Count: 1, Handle: { Ref: expect.stringContaining(`CompletionHandle${job.inputsHash}`) }, Timeout: '14400' });
    expect(conditions[id].DependsOn).toEqual([expect.stringMatching(/^Train[0-9A-F]{8}$/)]);
  });

  test('the job resource waits for the rule, the role policy and the function; the result for the wait condition', () => {
    const [jobId, jobResource] = Object.entries(template.findResources('Custom::SageMakerTrainingJob'))[0] as [string, any];
    expect(jobResource.DependsOn).toEqual(expect.arrayContaining([
      expect.stringMatching(/^TrainJobStateChange/), expect.stringMatching(/^TrainExecutionRoleDefaultPolicy/),
      expect.stringMatching(/^TrainLifecycleFunction/),
    ]));
    expect(jobResource.Properties.ServiceTimeout).toBe('300');
    const result: any = Object.values(template.findResources('Custom::SageMakerTrainingJobResult'))[0];
    expect(result.Properties.ServiceTimeout).toBe('300');
    expect(result.Properties.TrainingJobName).toEqual({ 'Fn::GetAtt': [jobId, 'TrainingJobName'] });
    expect(result.DependsOn).toEqual([expect.stringContaining(`Completion${job.inputsHash}`)]);
    expect(stack.resolve(job.modelArtifactKey)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^TrainResult/), 'ModelArtifactKey'] });
    expect(stack.resolve(job.modelArtifactBucketName)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^TrainResult/), 'ModelArtifactBucket'] });
    expect(stack.resolve(job.modelDataUrl)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^TrainResult/), 'ModelDataUrl'] });

  });

  test('modelData: the trained archive for hosting, read from the result resource (so after training)', () => {
    const fresh = new Stack(new App(), 'Fresh');
    const trained = new TrainingJob(fresh, 'Train', { sourceDirectory: SOURCE });
    const hostRole = new iam.Role(fresh, 'HostRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    const bound = trained.modelData.bind(fresh, hostRole);
    const url = JSON.stringify(fresh.resolve(bound.modelDataUrl));
    expect(url).toMatch(/"Fn::GetAtt":\["TrainResult[0-9A-F]+","ModelArtifactKey"\]/);
    expect(url).toContain('TrainOutputBucket');
  });

  test('functions: Node.js 24 on ARM64, log groups that expire, own roles without managed policies', () => {
    template.resourcePropertiesCountIs('AWS::Lambda::Function', { Runtime: 'nodejs24.x', Architectures: ['arm64'] }, 2);
    template.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 30 }, 2);
    for (const role of Object.values(template.findResources('AWS::IAM::Role')) as any[]) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
    const signalRole = Object.entries(template.findResources('AWS::IAM::Policy')).find(([id]) => id.startsWith('TrainSignalFunctionRole')) as [string, any];
    expect(signalRole[1].Properties.PolicyDocument.Statement).toEqual([{
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^TrainSignalLogs/), 'Arn'] },
    }]);
  });

  test('output bucket: encrypted, SSL only, public access blocked, retained', () => {
    template.hasResource('AWS::S3::Bucket', {
      Properties: {
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      },
      DeletionPolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  test('least privilege: no wildcard action, PassRole only to SageMaker, SageMaker calls only on this job prefix', () => {
    const statements = allStatements(json);
    for (const s of statements) {
      for (const action of [s.Action].flat()) {
        expect(action).not.toBe('*');
        expect(action).not.toMatch(/:\*$/);
      }
    }
    const passRole = statements.filter((s) => [s.Action].flat().includes('iam:PassRole'));
    expect(passRole).toEqual([{
      Action: 'iam:PassRole', Effect: 'Allow',
      Condition: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^TrainExecutionRole/), 'Arn'] },
    }]);
    const sagemaker = statements.find((s) => [s.Action].flat().includes('sagemaker:CreateTrainingJob'));
    expect(sagemaker.Action).toEqual(['sagemaker:CreateTrainingJob', 'sagemaker:DescribeTrainingJob', 'sagemaker:StopTrainingJob']);
    const prefix = job.jobNamePrefix.split('-')[0];
    expect(JSON.stringify(sagemaker.Resource)).toContain(`:training-job/${prefix}-*`);
    // Wildcard resources only where the API has no resource type (documented in the construct).
    const starResources = statements.filter((s) => s.Resource === '*').map((s) => s.Action);
    expect(starResources.sort()).toEqual(['cloudwatch:PutMetricData', 'ecr:GetAuthorizationToken', 'sagemaker:ListTrainingJobs']);
    const metrics = statements.find((s) => s.Action === 'cloudwatch:PutMetricData');
    expect(metrics.Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': '/aws/sagemaker/TrainingJobs' } });
  });

  test('execution role: source archive object only, output prefix write, training log group', () => {
    const statements = allStatements(json);
    const source = statements.find((s) => s.Action === 's3:GetObject');
    expect(JSON.stringify(source.Resource)).toMatch(/cdk-[^"]+-assets-[^"]+"\},"\/[0-9a-f]{64}\.gz"/);
    const output = statements.find((s) => [s.Action].flat().includes('s3:PutObject'));
    expect(JSON.stringify(output.Resource)).toContain('/training/*');
    expect(output.Action).toEqual(['s3:PutObject', 's3:AbortMultipartUpload']);
    const logs = statements.find((s) => [s.Action].flat().includes('logs:PutLogEvents') && JSON.stringify(s.Resource).includes('TrainingJobs'));
    expect(JSON.stringify(logs.Resource)).toContain(':log-group:/aws/sagemaker/TrainingJobs:*');
    // No ListBucket on the asset bucket without network isolation.
    expect(statements.find((s) => s.Action === 's3:ListBucket')).toBeUndefined();
  });
});

describe('options', () => {
  test('CPU instance type gets the CPU image; a given image and version are used', () => {
    const cpu = jobProperties(synthJob({ instanceType: InstanceType.ML_M5_XLARGE }).json);
    expect(JSON.stringify(cpu.AlgorithmSpecification.TrainingImage)).toContain('/pytorch-training:2.8.0-cpu-py312');
    const pinned = jobProperties(synthJob({ image: ContainerImage.pytorchTraining(PytorchVersion.V2_5_1) }).json);
    expect(JSON.stringify(pinned.AlgorithmSpecification.TrainingImage)).toContain('/pytorch-training:2.5.1-gpu-py311');
    const env = jobProperties(synthJob({}, { account: '123456789012', region: 'eu-west-1' }).json);
    expect(env.AlgorithmSpecification.TrainingImage).toBe('763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-training:2.8.0-gpu-py312');
  });

  test('input channels: S3 prefixes, File and FastFile, distribution, content type, read grants', () => {
    const { json } = synthJob((stack) => {
      const data = s3.Bucket.fromBucketName(stack, 'Data', 'my-data');
      return {
        inputs: {
          train: TrainingInput.fromBucket(data, 'mnist/train/', { inputMode: TrainingInputMode.FAST_FILE, distribution: S3DataDistribution.SHARDED_BY_S3_KEY, contentType: 'application/x-npy' }),
          test: TrainingInput.fromBucket(data, 'mnist/test/'),
        },
      };
    });
    expect(jobProperties(json).InputDataConfig).toEqual([
      { ChannelName: 'test', InputMode: 'File', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://my-data/mnist/test/', S3DataDistributionType: 'FullyReplicated' } } },
      { ChannelName: 'train', InputMode: 'FastFile', ContentType: 'application/x-npy', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://my-data/mnist/train/', S3DataDistributionType: 'ShardedByS3Key' } } },
    ]);
    const statements = allStatements(json);
    const reads = statements.filter((s) => s.Action === 's3:GetObject').map((s) => JSON.stringify(s.Resource));
    expect(reads.join()).toContain(':s3:::my-data/mnist/train/*');
    expect(reads.join()).toContain(':s3:::my-data/mnist/test/*');
    const lists = statements.filter((s) => s.Action === 's3:ListBucket').map((s) => s.Condition);
    expect(lists).toEqual(expect.arrayContaining([{ StringLike: { 's3:prefix': ['mnist/train/*'] } }, { StringLike: { 's3:prefix': ['mnist/test/*'] } }]));
  });

  test('instance count, volume, runtime, completion timeout, log level, job name prefix', () => {
    const { json, job } = synthJob({
      instanceType: InstanceType.ML_P4D_24XLARGE, instanceCount: 2, volumeSize: Size.gibibytes(200),
      maxRuntime: Duration.hours(9), completionTimeout: Duration.hours(10), containerLogLevel: 10, jobNamePrefix: 'mnist',
    });
    const props = jobProperties(json);
    expect(props.ResourceConfig).toEqual({ InstanceType: 'ml.p4d.24xlarge', InstanceCount: 2, VolumeSizeInGB: 200 });
    expect(props.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 9 * 3600 });
    expect(props.HyperParameters).toMatchObject({
      sagemaker_container_log_level: '10',
      sagemaker_torch_distributed_enabled: 'true',
      sagemaker_instance_type: '"ml.p4d.24xlarge"',
    });
    expect(job.jobNamePrefix).toMatch(/^mnist-[0-9a-f]{16}-$/);
    const condition: any = Object.values(json.Resources).find((r: any) => r.Type === 'AWS::CloudFormation::WaitCondition');
    expect(condition.Properties.Timeout).toBe('36000');
  });

  test('distribution NONE on several instances adds no distribution keys', () => {
    const props = jobProperties(synthJob({ instanceCount: 2, distribution: TrainingDistribution.NONE }).json);
    expect(props.HyperParameters.sagemaker_torch_distributed_enabled).toBeUndefined();
  });

  test('managed spot: max wait, default checkpoint prefix under the output bucket, read-write grant', () => {
    const { json, job } = synthJob({ spotInstances: true, maxRuntime: Duration.hours(2), maxWaitTime: Duration.hours(3) });
    const props = jobProperties(json);
    expect(props.EnableManagedSpotTraining).toBe(true);
    expect(props.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 7200, MaxWaitTimeInSeconds: 10800 });
    const uri = JSON.stringify(props.CheckpointConfig.S3Uri);
    expect(uri).toMatch(/\/training\/checkpoints\/[0-9a-f]{16}\/"/);
    const grants = allStatements(json).filter((s) => [s.Action].flat().includes('s3:DeleteObject'));
    expect(grants).toHaveLength(1);
    expect(grants[0].Action).toEqual(['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload']);
    expect(JSON.stringify(grants[0].Resource)).toMatch(/\/training\/checkpoints\/[0-9a-f]{16}\/\*"/);
    expect(job.inputsHash).toHaveLength(16);
  });

  test('spot defaults: run and wait fill the completion timeout less the margin', () => {
    const props = jobProperties(synthJob({ spotInstances: true }).json);
    expect(props.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 12600, MaxWaitTimeInSeconds: 12600 });
  });

  test('explicit checkpoint bucket and prefix', () => {
    const { json } = synthJob((stack) => ({
      checkpointBucket: s3.Bucket.fromBucketName(stack, 'Ck', 'ckpt-bucket'), checkpointPrefix: '/runs/a/',
    }));
    expect(jobProperties(json).CheckpointConfig).toEqual({ S3Uri: 's3://ckpt-bucket/runs/a/' });
    expect(jobProperties(json).EnableManagedSpotTraining).toBe(false);
  });

  test('VPC: subnets and a security group open to itself for distributed training; ENI permissions', () => {
    const { json, template, job } = synthJob((stack) => ({ vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 }), instanceCount: 2 }));
    const props = jobProperties(json);
    expect(props.VpcConfig.Subnets).toHaveLength(2);
    expect(props.VpcConfig.SecurityGroupIds).toEqual([{ 'Fn::GetAtt': [expect.stringMatching(/^TrainSecurityGroup/), 'GroupId'] }]);
    expect(job.securityGroups).toHaveLength(1);
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { IpProtocol: '-1', SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TrainSecurityGroup'), 'GroupId'] } });
    const eni = allStatements(json).find((s) => [s.Action].flat().includes('ec2:CreateNetworkInterface'));
    expect(eni).toBeDefined();
    // Creating and deleting interfaces is scoped to this account's interfaces, the job's subnets and security group;
    // only the Describe actions (which have no resource type) are on "*".
    const resources = JSON.stringify(eni.Resource);
    expect([eni.Resource].flat()).not.toContain('*');
    for (const fragment of [':network-interface/*', ':subnet/', ':security-group/']) expect(resources).toContain(fragment);
    const onStar = allStatements(json).filter((s) => [s.Resource].flat().includes('*')).flatMap((s) => [s.Action].flat());
    expect(onStar.filter((a: string) => a.startsWith('ec2:') && !a.startsWith('ec2:Describe'))).toEqual([]);
  });

  test('VPC with given security groups and subnets', () => {
    const { json } = synthJob((stack) => {
      const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 3, natGateways: 0, subnetConfiguration: [{ name: 'iso', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
      return { vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED }, securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-12345')] };
    });
    expect(jobProperties(json).VpcConfig).toEqual({ SecurityGroupIds: ['sg-12345'], Subnets: [expect.anything(), expect.anything()] });
  });

  test('KMS keys for volume and output; the created bucket uses the output key', () => {
    const { json, template } = synthJob((stack) => ({
      instanceType: InstanceType.ML_M5_XLARGE,
      volumeEncryptionKey: new kms.Key(stack, 'VolumeKey', { enableKeyRotation: true }),
      outputEncryptionKey: new kms.Key(stack, 'OutputKey', { enableKeyRotation: true }),
    }));
    const props = jobProperties(json);
    expect(props.ResourceConfig.VolumeKmsKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^VolumeKey/), 'Arn'] });
    expect(props.OutputDataConfig.KmsKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^OutputKey/), 'Arn'] });
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OutputKey'), 'Arn'] } } }] },
    });
    const kmsActions = allStatements(json).filter((s) => JSON.stringify(s.Resource).includes('VolumeKey')).flatMap((s) => [s.Action].flat());
    expect(kmsActions).toEqual(expect.arrayContaining(['kms:Decrypt', 'kms:Encrypt', 'kms:CreateGrant']));
  });

  test('network isolation: the source archive travels as the code channel', () => {
    const { json } = synthJob({ sourceDirectory: VENDORED_SOURCE, enableNetworkIsolation: true });
    const props = jobProperties(json);
    expect(props.EnableNetworkIsolation).toBe(true);
    expect(props.HyperParameters.sagemaker_submit_directory).toMatch(/^"\/opt\/ml\/input\/data\/code\/[0-9a-f]{64}\.gz"$/);
    const key = JSON.parse(props.HyperParameters.sagemaker_submit_directory).split('/').pop();
    expect(props.InputDataConfig).toEqual([{
      ChannelName: 'code', InputMode: 'File',
      DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3DataDistributionType: 'FullyReplicated', S3Uri: { 'Fn::Sub': expect.stringMatching(new RegExp(`/${key.replace('.', '\\.')}$`)) } } },
    }]);
    const list = allStatements(json).find((s) => s.Action === 's3:ListBucket');
    expect(list.Condition).toEqual({ StringEquals: { 's3:prefix': key } });
  });

  test('inter-container encryption, environment and tags (with AddTags permission)', () => {
    const { json } = synthJob({ interContainerTrafficEncryption: true, environment: { NCCL_DEBUG: 'INFO' }, tags: { team: 'ml', project: 'mnist' } });
    const props = jobProperties(json);
    expect(props.EnableInterContainerTrafficEncryption).toBe(true);
    expect(props.Environment).toEqual({ NCCL_DEBUG: 'INFO' });
    expect(props.Tags).toEqual([{ Key: 'project', Value: 'mnist' }, { Key: 'team', Value: 'ml' }]);
    const sagemaker = allStatements(json).find((s) => [s.Action].flat().includes('sagemaker:CreateTrainingJob'));
    expect(sagemaker.Action).toContain('sagemaker:AddTags');
  });

  test('server access logs for the created output bucket', () => {
    const { template } = synthJob((stack) => ({ serverAccessLogsBucket: s3.Bucket.fromBucketName(stack, 'Logs', 'access-logs') }));
    template.hasResourceProperties('AWS::S3::Bucket', { LoggingConfiguration: { DestinationBucketName: 'access-logs' } });
  });

  test('a given role and output bucket are used, not created', () => {
    const { json, template } = synthJob((stack) => ({
      role: iam.Role.fromRoleArn(stack, 'Role', 'arn:aws:iam::123456789012:role/training'),
      outputBucket: s3.Bucket.fromBucketName(stack, 'Out', 'my-output'),
      outputPrefix: 'runs/',
    }));
    template.resourceCountIs('AWS::S3::Bucket', 0);
    expect(Object.values(template.findResources('AWS::IAM::Role')).map((r: any) => r.Properties.AssumeRolePolicyDocument.Statement[0].Principal.Service)).toEqual(['lambda.amazonaws.com', 'lambda.amazonaws.com']);
    const props = jobProperties(json);
    expect(props.RoleArn).toBe('arn:aws:iam::123456789012:role/training');
    expect(props.OutputDataConfig.S3OutputPath).toBe('s3://my-output/runs');
  });

  test('deploy-time hyperparameters travel raw, with their declared types', () => {
    const { json } = synthJob((stack) => ({
      hyperparameters: {
        epochs: Hyperparameter.fromParameter(new CfnParameter(stack, 'Epochs', { type: 'Number', default: 3 }), HyperparameterType.INTEGER),
        amp: Hyperparameter.fromParameter(new CfnParameter(stack, 'Amp', { type: 'String', allowedValues: ['true', 'false'], default: 'true' }), HyperparameterType.BOOLEAN),
      },
    }));
    const props = jobProperties(json);
    expect(props.HyperParameters.epochs).toEqual({ Ref: 'Epochs' });
    expect(props.HyperParameters.amp).toEqual({ Ref: 'Amp' });
    expect(props.DeployTimeHyperParameters).toEqual({ epochs: 'number', amp: 'boolean' });
  });
});

describe('training inputs decide the job name and the wait condition', () => {
  const idsOf = (s: ReturnType<typeof synthJob>) => ({
    prefix: s.job.jobNamePrefix,
    ids: Object.keys(s.json.Resources).filter((id) => /Completion/.test(id)).sort(),
  });

  test('same inputs, same ids; a changed hyperparameter or instance type, new ids', () => {
    const a = idsOf(synthJob({ hyperparameters: { lr: Hyperparameter.float(0.1) } }));
    const b = idsOf(synthJob({ hyperparameters: { lr: Hyperparameter.float(0.1) } }));
    const c = idsOf(synthJob({ hyperparameters: { lr: Hyperparameter.float(0.2) } }));
    const d = idsOf(synthJob({ hyperparameters: { lr: Hyperparameter.float(0.1) }, instanceType: InstanceType.ML_G5_2XLARGE }));
    expect(a).toEqual(b);
    expect(a.ids).toHaveLength(2);
    expect(c.prefix).not.toBe(a.prefix);
    expect(c.ids).not.toEqual(a.ids);
    expect(d.ids).not.toEqual(a.ids);
    // A changed wait (completion timeout) needs a new wait condition too: they cannot be updated.
    const e = idsOf(synthJob({ hyperparameters: { lr: Hyperparameter.float(0.1) }, completionTimeout: Duration.hours(5), maxRuntime: Duration.hours(3.5) }));
    expect(e.ids).not.toEqual(a.ids);
  });

  test('a changed source file makes a new training', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'h4-src-'));
    try {
      fs.writeFileSync(path.join(dir, 'train.py'), 'print(1)\n');
      const a = idsOf(synthJob({ sourceDirectory: dir }));
      fs.writeFileSync(path.join(dir, 'train.py'), 'print(2)\n');
      const b = idsOf(synthJob({ sourceDirectory: dir }));
      expect(b.ids).not.toEqual(a.ids);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('synth-time errors', () => {
  const make = (props: Partial<TrainingJobProps> | ((stack: Stack) => Partial<TrainingJobProps>)) => () => {
    const stack = new Stack(new App(), 'S');
    const extra = typeof props === 'function' ? props(stack) : props;
    new TrainingJob(stack, 'Train', { sourceDirectory: SOURCE, ...extra });
  };

  test.each<[string, Partial<TrainingJobProps> | ((stack: Stack) => Partial<TrainingJobProps>), RegExp]>([
    ['missing source directory', { sourceDirectory: '/nonexistent/dir' }, /is not a directory/],
    ['missing entry point', { entryPoint: 'nope.py' }, /does not exist in sourceDirectory/],
    ['entry point outside the directory', { entryPoint: '../train.py' }, /relative to sourceDirectory/],
    ['not a training instance type', { instanceType: InstanceType.of('ml.inf2.xlarge') }, /not a SageMaker training instance type/],
    ['instance count 0', { instanceCount: 0 }, /at least 1/],
    ['fractional instance count', { instanceCount: 1.5 }, /whole number/],
    ['volume below 1 GiB', { volumeSize: Size.mebibytes(512) }, /whole number of GiB/],
    ['volume key with NVMe instance', (s) => ({ volumeEncryptionKey: new kms.Key(s, 'K') }), /local NVMe storage/],
    ['completion timeout over 12 h', { completionTimeout: Duration.hours(13) }, /at most 12 hours/],
    ['completion timeout too short', { completionTimeout: Duration.minutes(20) }, /more than 30 minutes/],
    ['runtime longer than the wait', { maxRuntime: Duration.hours(5) }, /deploy waits only 4 hours/],
    ['max wait without spot', { maxWaitTime: Duration.hours(1) }, /spot instances only/],
    ['max wait below runtime', { spotInstances: true, maxRuntime: Duration.hours(2), maxWaitTime: Duration.hours(1) }, /at least maxRuntime/],
    ['spot wait longer than the deploy wait', { spotInstances: true, maxWaitTime: Duration.hours(6) }, /deploy waits only/],
    ['bad job name prefix', { jobNamePrefix: 'My_Job' }, /lower case letters/],
    ['job name prefix too long', { jobNamePrefix: 'a'.repeat(31) }, /1 to 30/],
    ['bad environment name', { environment: { '1X': 'y' } }, /Environment variable name '1X'/],
    ['long environment value', { environment: { X: 'y'.repeat(513) } }, /at most 512/],
    ['reserved tag key', { tags: { 'aws:x': 'y' } }, /not starting with 'aws:'/],
    ['bad channel name', (s) => ({ inputs: { 'bad name': TrainingInput.fromBucket(s3.Bucket.fromBucketName(s, 'B', 'bkt'), 'x/') } }), /Input channel name 'bad name'/],
    ['code channel under network isolation', (s) => ({ sourceDirectory: VENDORED_SOURCE, enableNetworkIsolation: true, inputs: { code: TrainingInput.fromBucket(s3.Bucket.fromBucketName(s, 'B', 'bkt'), 'x/') } }), /reserved under network isolation/],
    ['security groups without VPC', (s) => ({ securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(s, 'Sg', 'sg-1')] }), /need a vpc/],
    ['subnets without VPC', { vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } }, /vpcSubnets need a vpc/],
    ['checkpoint prefix without bucket', { checkpointPrefix: 'x/' }, /checkpoint bucket/],
    ['torch_distributed on a CPU instance', { instanceType: InstanceType.ML_M5_XLARGE, instanceCount: 2 }, /needs GPU or Trainium/],
    ['CPU image on GPU instance', { image: ContainerImage.fromImageUri('763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.8.0-cpu-py312') }, /CPU image was chosen/],
    ['reserved hyperparameter name', { hyperparameters: { sagemaker_program: Hyperparameter.string('x') } }, /reserves/],
    ['fractional log level', { containerLogLevel: 1.5 }, /logging level/],
    ['access logs for a given bucket', (s) => ({ outputBucket: s3.Bucket.fromBucketName(s, 'O', 'out'), serverAccessLogsBucket: s3.Bucket.fromBucketName(s, 'L', 'logs') }), /only to the output bucket the construct creates/],
  ])('%s', (_name, props, message) => {
    expect(make(props)).toThrow(message);
  });

  test('an unlisted instance type passes when allowed', () => {
    expect(make({ instanceType: InstanceType.of('ml.g99.xlarge'), allowUnlistedInstanceType: true })).not.toThrow();
  });

  test('a leading slash in a channel prefix is rejected', () => {
    const stack = new Stack(new App(), 'S');
    expect(() => TrainingInput.fromBucket(s3.Bucket.fromBucketName(stack, 'B', 'bkt'), '/x')).toThrow(/no leading slash/);
  });
});
