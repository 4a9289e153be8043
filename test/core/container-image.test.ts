import * as cdk from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ContainerImage, ImageVariant, InstanceType, PytorchVersion } from '../../lib/core';
import { DLC_REGISTRY_ACCOUNTS } from '../../lib/core/dlc-registry';
import { fastApp } from '../helpers/synth-checks';

function bindIn(stack: cdk.Stack, image: ContainerImage, instanceType = InstanceType.ML_G5_XLARGE, grantee?: iam.IGrantable): string {
  return stack.resolve(image.bind(stack, { instanceType, grantee }).imageUri);
}

function stackIn(region?: string): cdk.Stack {
  return new cdk.Stack(fastApp(), 'S', region ? { env: { region, account: '111122223333' } } : undefined);
}

describe('PyTorch inference DLC', () => {
  test('env-agnostic stack: account from a region mapping, host suffix from AWS::URLSuffix', () => {
    const stack = stackIn();
    const uri = bindIn(stack, ContainerImage.pytorchInference());
    expect(uri).toEqual({
      'Fn::Join': ['', [
        { 'Fn::FindInMap': ['PytorchDlcRegistryAccounts', { Ref: 'AWS::Region' }, 'account'] },
        '.dkr.ecr.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' },
        '/pytorch-inference:2.6.0-gpu-py312',
      ]],
    });
    const mappings = Template.fromStack(stack).toJSON().Mappings.PytorchDlcRegistryAccounts;
    expect(Object.keys(mappings)).toHaveLength(38);
    expect(mappings['us-east-1']).toEqual({ account: '763104351884' });
    expect(mappings['cn-north-1']).toEqual({ account: '727897471807' });
    expect(mappings['us-gov-west-1']).toEqual({ account: '442386744353' });
    expect(mappings['af-south-1']).toEqual({ account: '626614931356' });
  });

  test('the mapping is emitted once per stack however many images bind', () => {
    const stack = stackIn();
    bindIn(stack, ContainerImage.pytorchInference());
    bindIn(stack, ContainerImage.pytorchTraining(), InstanceType.ML_P3_2XLARGE);
    expect(Object.keys(Template.fromStack(stack).toJSON().Mappings)).toEqual(['PytorchDlcRegistryAccounts']);
  });

  test.each([
    ['us-east-1', '763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.6.0-gpu-py312'],
    ['eu-south-1', '692866216735.dkr.ecr.eu-south-1.amazonaws.com/pytorch-inference:2.6.0-gpu-py312'],
    ['cn-northwest-1', '727897471807.dkr.ecr.cn-northwest-1.amazonaws.com.cn/pytorch-inference:2.6.0-gpu-py312'],
    ['us-gov-east-1', '446045086412.dkr.ecr.us-gov-east-1.amazonaws.com/pytorch-inference:2.6.0-gpu-py312'],
  ])('known region %s: a literal URI and no mapping', (region, expected) => {
    const stack = stackIn(region);
    expect(bindIn(stack, ContainerImage.pytorchInference())).toBe(expected);
    expect(Template.fromStack(stack).toJSON().Mappings).toBeUndefined();
  });

  test('CPU instance gets the CPU image; Python version follows the framework version', () => {
    const stack = stackIn('eu-west-1');
    expect(bindIn(stack, ContainerImage.pytorchInference(PytorchVersion.V2_5_1), InstanceType.ML_M5_XLARGE))
      .toBe('763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:2.5.1-cpu-py311');
    expect(bindIn(stack, ContainerImage.pytorchInference(PytorchVersion.V2_2_0), InstanceType.ML_G4DN_XLARGE))
      .toBe('763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:2.2.0-gpu-py310');
    expect(bindIn(stack, ContainerImage.pytorchInference(PytorchVersion.of('2.4.0')), InstanceType.ML_C5_XLARGE))
      .toBe('763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:2.4.0-cpu-py311');
  });

  test('the three newest inference versions resolve', () => {
    const stack = stackIn('us-west-2');
    for (const v of [PytorchVersion.V2_6_0, PytorchVersion.V2_5_1, PytorchVersion.V2_4_0]) {
      expect(bindIn(stack, ContainerImage.pytorchInference(v))).toMatch(new RegExp(`pytorch-inference:${v.version.replace(/\./g, '\\.')}-gpu-py31[12]$`));
    }
  });

  test('an unknown version fails at bind with the known versions listed', () => {
    const stack = stackIn();
    expect(() => bindIn(stack, ContainerImage.pytorchInference(PytorchVersion.of('2.7.1'))))
      .toThrow(/No SageMaker pytorch-inference image exists for PyTorch 2\.7\.1\. Known versions: 2\.6\.0, 2\.5\.1, 2\.4\.0/);
    expect(() => bindIn(stack, ContainerImage.pytorchInference(PytorchVersion.of('1.13.1')))).toThrow(/Known versions/);
  });

  test('a malformed version is rejected', () => {
    expect(() => PytorchVersion.of('2.6')).toThrow(/full 'major.minor.patch'/);
    expect(() => PytorchVersion.of('latest')).toThrow(/full 'major.minor.patch'/);
  });

  test('a known region without Deep Learning Containers fails with the way out', () => {
    expect(() => bindIn(stackIn('eu-isoe-west-1'), ContainerImage.pytorchInference()))
      .toThrow(/not published in region 'eu-isoe-west-1'.*fromImageUri/s);
  });

  test('CPU image on a GPU instance, and GPU image on a CPU instance, fail at synth', () => {
    const stack = stackIn();
    expect(() => bindIn(stack, ContainerImage.pytorchInference(undefined, ImageVariant.CPU), InstanceType.ML_G5_XLARGE))
      .toThrow(/CPU image was chosen for GPU instance type ml\.g5\.xlarge/);
    expect(() => bindIn(stack, ContainerImage.pytorchInference(undefined, ImageVariant.GPU), InstanceType.ML_M5_LARGE))
      .toThrow(/GPU image was chosen for instance type ml\.m5\.large, which has no NVIDIA GPU/);
    // Matching explicit variants are accepted.
    expect(bindIn(stackIn('us-east-1'), ContainerImage.pytorchInference(undefined, ImageVariant.CPU), InstanceType.ML_M5_LARGE))
      .toMatch(/2\.6\.0-cpu-py312$/);
  });

  test('grants: the authorization token (resource * is the only one ECR accepts) and pull on that one repository', () => {
    const stack = stackIn('us-east-1');
    const role = new iam.Role(stack, 'R', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    bindIn(stack, ContainerImage.pytorchInference(), InstanceType.ML_G5_XLARGE, role);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          { Action: 'ecr:GetAuthorizationToken', Effect: 'Allow', Resource: '*' },
          {
            Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
            Effect: 'Allow',
            Resource: 'arn:aws:ecr:us-east-1:763104351884:repository/pytorch-inference',
          },
        ],
      },
    });
  });

  test('China and GovCloud repository ARNs use their partitions', () => {
    for (const [region, partition] of [['cn-north-1', 'aws-cn'], ['us-gov-west-1', 'aws-us-gov']]) {
      const stack = stackIn(region);
      const role = new iam.Role(stack, 'R', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
      bindIn(stack, ContainerImage.pytorchInference(), InstanceType.ML_G5_XLARGE, role);
      const policy = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'))[0] as any;
      expect(policy.Properties.PolicyDocument.Statement[1].Resource)
        .toBe(`arn:${partition}:ecr:${region}:${DLC_REGISTRY_ACCOUNTS[region]}:repository/pytorch-inference`);
    }
  });
});

describe('PyTorch training DLC', () => {
  test('defaults to 2.8.0 and the training repository', () => {
    expect(bindIn(stackIn('us-east-1'), ContainerImage.pytorchTraining(), InstanceType.ML_P4D_24XLARGE))
      .toBe('763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.8.0-gpu-py312');
    expect(bindIn(stackIn('us-east-1'), ContainerImage.pytorchTraining(PytorchVersion.V2_7_1), InstanceType.ML_C5_4XLARGE))
      .toBe('763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.7.1-cpu-py312');
  });
});

describe('escape hatches', () => {
  test('fromImageUri passes the URI through and grants nothing', () => {
    const stack = stackIn();
    const role = new iam.Role(stack, 'R', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    const uri = '123456789012.dkr.ecr.us-east-1.amazonaws.com/mine:1';
    expect(bindIn(stack, ContainerImage.fromImageUri(uri), InstanceType.ML_G5_XLARGE, role)).toBe(uri);
    Template.fromStack(stack).resourceCountIs('AWS::IAM::Policy', 0);
  });

  test('fromImageUri checks a DLC tag against the instance', () => {
    const cpuUri = '763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.6.0-cpu-py312-ubuntu22.04-sagemaker';
    expect(() => bindIn(stackIn(), ContainerImage.fromImageUri(cpuUri), InstanceType.ML_G6_XLARGE)).toThrow(/CPU image was chosen/);
    const gpuUri = '763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.6.0-gpu-py312-cu124-ubuntu22.04-sagemaker';
    expect(() => bindIn(stackIn(), ContainerImage.fromImageUri(gpuUri), InstanceType.ML_C5_LARGE)).toThrow(/GPU image was chosen/);
    expect(bindIn(stackIn(), ContainerImage.fromImageUri(gpuUri), InstanceType.ML_G6_XLARGE)).toBe(gpuUri);
  });

  test('fromImageUri rejects empty, whitespace and over-long URIs', () => {
    expect(() => ContainerImage.fromImageUri('')).toThrow(/1 to 255 characters/);
    expect(() => ContainerImage.fromImageUri('a b')).toThrow(/without whitespace/);
    expect(() => ContainerImage.fromImageUri('x'.repeat(256))).toThrow(/1 to 255/);
  });

  test('fromEcrRepository grants pull on that repository and uses the tag', () => {
    const stack = stackIn();
    const repo = new ecr.Repository(stack, 'Repo');
    const role = new iam.Role(stack, 'R', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    const uri = bindIn(stack, ContainerImage.fromEcrRepository(repo, 'v7'), InstanceType.ML_G5_XLARGE, role);
    expect(JSON.stringify(uri)).toContain(':v7');
    const template = Template.fromStack(stack);
    const statements = (Object.values(template.findResources('AWS::IAM::Policy'))[0] as any).Properties.PolicyDocument.Statement;
    const pull = statements.find((s: any) => Array.isArray(s.Action) && s.Action.includes('ecr:BatchGetImage'));
    expect(pull.Resource).toEqual({ 'Fn::GetAtt': [stack.getLogicalId(repo.node.defaultChild as cdk.CfnElement), 'Arn'] });
  });
});
