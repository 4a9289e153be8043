import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as cdk from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ModelData } from '../../lib/core';
import { RealtimeEndpoint } from '../../lib/hosting';
import { fastApp } from '../helpers/synth-checks';

const NOT_GZIP = path.join(__dirname, '..', 'fixtures', 'hosting', 'not-gzip.tar.gz');

/** A small real model.tar.gz made by GNU tar, as a user would; `inference` is code/inference.py (none: no code/). */
function gnuTarArchive(inference: string | null = 'def model_fn(model_dir):\n    return None\n'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'model-data-'));
  fs.mkdirSync(path.join(dir, 'model'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'model', 'model.pth'), 'weights');
  if (inference !== null) {
    fs.mkdirSync(path.join(dir, 'model', 'code'));
    fs.writeFileSync(path.join(dir, 'model', 'code', 'inference.py'), inference);
  }
  execFileSync('tar', ['czf', path.join(dir, 'model.tar.gz'), '-C', path.join(dir, 'model'), '.']);
  return path.join(dir, 'model.tar.gz');
}

function setup() {
  const stack = new cdk.Stack(fastApp(), 'S');
  const role = new iam.Role(stack, 'R', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
  return { stack, role };
}

function statements(stack: cdk.Stack): any[] {
  const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy');
  return Object.values(policies).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
}

describe('ModelData.fromBucket', () => {
  test('ModelDataUrl of the object, and s3:GetObject on exactly that object', () => {
    const { stack, role } = setup();
    const bucket = new s3.Bucket(stack, 'B');
    const config = ModelData.fromBucket(bucket, 'models/v1/model.tar.gz').bind(stack, role);
    expect(stack.resolve(config.modelDataUrl)).toEqual({ 'Fn::Join': ['', ['s3://', { Ref: 'B08E7C7AF' }, '/models/v1/model.tar.gz']] });
    expect(config.modelDataSource).toBeUndefined();
    expect(statements(stack)).toEqual([{
      Action: 's3:GetObject',
      Effect: 'Allow',
      Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['B08E7C7AF', 'Arn'] }, '/models/v1/model.tar.gz']] },
    }]);
  });

  test('a KMS-encrypted bucket adds decrypt on its key only', () => {
    const { stack, role } = setup();
    const key = new kms.Key(stack, 'K');
    const bucket = new s3.Bucket(stack, 'B', { encryptionKey: key });
    ModelData.fromBucket(bucket, 'model.tar.gz').bind(stack, role);
    const decrypt = statements(stack).find(s => JSON.stringify(s.Action).includes('kms:Decrypt'));
    expect(decrypt.Resource).toEqual({ 'Fn::GetAtt': [stack.getLogicalId(key.node.defaultChild as cdk.CfnElement), 'Arn'] });
  });

  test('the key may be a token', () => {
    const { stack, role } = setup();
    const key = new cdk.CfnParameter(stack, 'Key').valueAsString;
    const config = ModelData.fromBucket(s3.Bucket.fromBucketName(stack, 'B', 'my-bucket'), key).bind(stack, role);
    expect(stack.resolve(config.modelDataUrl)).toEqual({ 'Fn::Join': ['', ['s3://my-bucket/', { Ref: 'Key' }]] });
  });

  test('a prefix is rejected with the way to uncompressed data', () => {
    const { stack } = setup();
    const bucket = new s3.Bucket(stack, 'B');
    expect(() => ModelData.fromBucket(bucket, 'models/')).toThrow(/names a prefix.*fromS3Prefix/);
    expect(() => ModelData.fromBucket(bucket, '')).toThrow(/names a prefix/);
  });
});

describe('ModelData.fromS3Uri', () => {
  test('parses bucket and key; grants that object only', () => {
    const { stack, role } = setup();
    const config = ModelData.fromS3Uri('s3://my-models/a/b/model.tar.gz').bind(stack, role);
    expect(stack.resolve(config.modelDataUrl)).toBe('s3://my-models/a/b/model.tar.gz');
    expect(stack.resolve(statements(stack))).toEqual([{
      Action: 's3:GetObject',
      Effect: 'Allow',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::my-models/a/b/model.tar.gz']] },
    }]);
  });

  test('rejects what is not s3://bucket/key, and tokens', () => {
    expect(() => ModelData.fromS3Uri('https://my-models.s3.amazonaws.com/model.tar.gz')).toThrow(/s3:\/\/<bucket>\/<key>/);
    expect(() => ModelData.fromS3Uri('s3://only-bucket')).toThrow(/s3:\/\/<bucket>\/<key>/);
    const stack = new cdk.Stack();
    expect(() => ModelData.fromS3Uri(new cdk.CfnParameter(stack, 'U').valueAsString)).toThrow(/literal URI/);
  });
});

describe('ModelData.fromAsset', () => {
  const archive = gnuTarArchive();

  test('uploads the archive as a file asset and grants read of that object', () => {
    const { stack, role } = setup();
    const config = ModelData.fromAsset(archive).bind(stack, role);
    const url = JSON.stringify(stack.resolve(config.modelDataUrl));
    expect(url).toMatch(/s3:\/\//);
    expect(url).toMatch(/cdk-hnb659fds-assets/);
    const assets = stack.node.findAll().filter(c => c.node.id.startsWith('ModelDataAsset'));
    expect(assets).toHaveLength(1);
    // The object key is the content hash of the archive (CDK keeps the last extension): exactly one object.
    const resource = JSON.stringify(stack.resolve(statements(stack)[0].Resource));
    expect(resource).toMatch(/cdk-hnb659fds-assets-.*\/[0-9a-f]{64}\.gz"\]\]}$/);
    expect(statements(stack)[0].Action).toBe('s3:GetObject');
  });

  test('binding the same archive twice in a scope reuses one asset', () => {
    const { stack, role } = setup();
    const data = ModelData.fromAsset(archive);
    data.bind(stack, role);
    ModelData.fromAsset(archive).bind(stack, role);
    expect(stack.node.findAll().filter(c => c.node.id.startsWith('ModelDataAsset'))).toHaveLength(1);
  });

  describe('served as it is by an endpoint, the archive is read at synth', () => {
    const serve = (archivePath: string, entryPoint?: string) => {
      const { stack } = setup();
      return new RealtimeEndpoint(stack, 'E', { modelData: ModelData.fromAsset(archivePath), entryPoint });
    };

    test('without code/inference.py it is refused: the container would silently use its default handlers', () => {
      const weightsOnly = gnuTarArchive(null);
      expect(() => serve(weightsOnly)).toThrow(
        `ModelData.fromAsset: ${weightsOnly} has no code/inference.py, and no inferenceCode is given: the PyTorch serving container would silently use its default handlers. ` +
        "Add code/inference.py to the archive, or give inferenceCode: InferenceCode.fromDirectory('<dir with inference.py>') (PytorchCustomEndpoint) to inject it.",
      );
      // Injection reads the archive's location: a weights-only archive is what it takes.
      const { stack } = setup();
      expect(ModelData.fromAsset(weightsOnly).archiveLocation(stack)).toBeDefined();
    });

    test('the module looked for is the endpoint\'s entryPoint', () => {
      const inferenceOnly = gnuTarArchive('def model_fn(model_dir):\n    return None\n');
      expect(() => serve(inferenceOnly, 'serve.py')).toThrow(`${inferenceOnly} has no code/serve.py`);
      expect(() => serve(inferenceOnly)).not.toThrow();
    });

    test('its code/inference.py gets the same checks as InferenceCode.fromDirectory', () => {
      const noModelFn = gnuTarArchive('def predict_fn(data, model):\n    return data\n');
      expect(() => serve(noModelFn)).toThrow(`code/inference.py in ${noModelFn} does not define model_fn at top level`);
      const combined = gnuTarArchive('def model_fn(d):\n    pass\n\ndef transform_fn(m, b, c, a):\n    pass\n\ndef output_fn(p, a):\n    pass\n');
      expect(() => serve(combined)).toThrow('defines transform_fn together with output_fn: the serving container refuses to start');
    });

    test('a gzip that holds no tar archive is refused with how to build one', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'model-data-'));
      const notTar = path.join(dir, 'model.tar.gz');
      execFileSync('sh', ['-c', `head -c 4096 /dev/zero | tr '\\0' x | gzip > ${notTar}`]);
      expect(() => serve(notTar)).toThrow(/cannot be read as a tar.gz \(TAR_[A-Z_]+: [^)]*\); build it with `tar czf model.tar.gz -C <model dir> .`/);
    });
  });

  test('rejects a .tar.gz that is not gzip-compressed', () => {
    expect(() => ModelData.fromAsset(NOT_GZIP)).toThrow(/is not gzip-compressed/);
  });

  test('rejects a path that is not .tar.gz or does not exist', () => {
    expect(() => ModelData.fromAsset(path.join(__dirname, 'model.zip'))).toThrow(/must be a \.tar\.gz file/);
    expect(() => ModelData.fromAsset(path.join(__dirname, 'missing.tar.gz'))).toThrow(/does not exist/);
  });
});

describe('ModelData.fromS3Prefix', () => {
  test('ModelDataSource S3Prefix, CompressionType None, trailing slash added; read and list of that prefix only', () => {
    const { stack, role } = setup();
    const bucket = new s3.Bucket(stack, 'B');
    const config = ModelData.fromS3Prefix(bucket, 'models/v1').bind(stack, role);
    expect(config.modelDataUrl).toBeUndefined();
    expect(stack.resolve(config.modelDataSource)).toEqual({
      s3DataSource: {
        s3Uri: { 'Fn::Join': ['', ['s3://', { Ref: 'B08E7C7AF' }, '/models/v1/']] },
        s3DataType: 'S3Prefix',
        compressionType: 'None',
      },
    });
    expect(statements(stack)).toEqual([
      {
        Action: 's3:GetObject',
        Effect: 'Allow',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['B08E7C7AF', 'Arn'] }, '/models/v1/*']] },
      },
      {
        Action: 's3:ListBucket',
        Condition: { StringLike: { 's3:prefix': ['models/v1/*'] } },
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': ['B08E7C7AF', 'Arn'] },
      },
    ]);
  });

  test('a prefix that already ends in / is kept', () => {
    const { stack, role } = setup();
    const config = ModelData.fromS3Prefix(s3.Bucket.fromBucketName(stack, 'B', 'bkt'), 'm/').bind(stack, role);
    expect(stack.resolve(config.modelDataSource!.s3DataSource)).toMatchObject({ s3Uri: 's3://bkt/m/' });
  });

  test('rejects an empty prefix, an archive key and a leading slash', () => {
    const bucket = s3.Bucket.fromBucketName(new cdk.Stack(), 'B', 'bkt');
    expect(() => ModelData.fromS3Prefix(bucket, '')).toThrow(/must not be empty/);
    expect(() => ModelData.fromS3Prefix(bucket, 'm/model.tar.gz')).toThrow(/looks like an archive.*fromBucket/);
    expect(() => ModelData.fromS3Prefix(bucket, '/m/')).toThrow(/must not start with '\/'/);
  });
});
