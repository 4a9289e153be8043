// Synth-time checks that keep a deploy from spending GPU time on a job that must fail at its end or its start:
// key prefixes whose IAM grant and S3 URI would disagree, and a requirements.txt the toolkit cannot pip-install
// under network isolation.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { TrainingJob, TrainingJobProps } from '../../lib/training';
import { requirementsFileNamesPackages } from '../../lib/common/requirements-file';
import { evaluate } from '../helpers/cfn-eval';
import { SOURCE, VENDORED_SOURCE, allStatements, jobProperties, synthJob } from './helpers';

function make(props: Partial<TrainingJobProps> | ((stack: Stack) => Partial<TrainingJobProps>)): () => TrainingJob {
  return () => {
    const stack = new Stack(new App(), 'S');
    const extra = typeof props === 'function' ? props(stack) : props;
    return new TrainingJob(stack, 'Train', { sourceDirectory: SOURCE, ...extra });
  };
}

/** An IAM resource pattern (`*` and `?` wildcards) as a regular expression. */
function iamPattern(resource: string): RegExp {
  return new RegExp(`^${resource.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/]/g, '\\$&'))).join('')}$`);
}

/** The ARN of the object SageMaker writes at `<uri>/<rest>` (it joins the URI's key prefix and the rest with one slash). */
function objectArn(uri: string, rest: string): string {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match) throw new Error(`not an s3 URI: ${uri}`);
  const prefix = match[2].replace(/\/+$/, '');
  return `arn:aws:s3:::${match[1]}/${prefix ? `${prefix}/` : ''}${rest}`;
}

describe('outputPrefix and checkpointPrefix must be usable S3 key prefixes', () => {
  test.each([
    ['empty', ''],
    ['a lone slash', '/'],
    ['only slashes', '///'],
    ['a double slash inside', 'runs//a'],
    ['a parent segment', 'runs/../other'],
    ['a wildcard', 'runs/*'],
    ['a single-character wildcard', 'run?'],
  ])('outputPrefix: %s is rejected, saying what to give', (_name, outputPrefix) => {
    expect(make({ outputPrefix })).toThrow(/^S\/Train: outputPrefix '.*' .*: give an S3 key prefix such as 'training'/);
  });

  test.each([['empty', ''], ['a lone slash', '/'], ['a double slash inside', 'a//b'], ['a parent segment', '../a'], ['a wildcard', 'ck*']])(
    'checkpointPrefix: %s is rejected',
    (_name, checkpointPrefix) => {
      expect(make((s) => ({ checkpointBucket: s3.Bucket.fromBucketName(s, 'Ck', 'ckpt'), checkpointPrefix }))).toThrow(/^S\/Train: checkpointPrefix '.*' .*: give an S3 key prefix such as/);
    },
  );

  test.each([
    ['default prefix', {}, 'training'],
    ['slashes around a nested prefix', { outputPrefix: '/runs/2026/' }, 'runs/2026'],
    ['one segment', { outputPrefix: 'models' }, 'models'],
  ])('%s: the S3 URIs and the grants name the same keys, with no double slash', (_name, extra: Partial<TrainingJobProps>, prefix) => {
    const { json } = synthJob({ ...extra, spotInstances: true });
    const props = evaluate(jobProperties(json), { template: json });
    const statements = evaluate(allStatements(json), { template: json }) as any[];
    const writable = statements.filter((s) => [s.Action].flat().includes('s3:PutObject')).flatMap((s) => [s.Resource].flat()) as string[];

    // SageMaker writes <S3OutputPath>/<job name>/output/model.tar.gz.
    const outputPath: string = props.OutputDataConfig.S3OutputPath;
    expect(outputPath).toMatch(new RegExp(`^s3://[a-z0-9]+/${prefix}$`));
    const model = objectArn(outputPath, 'train-0123456789abcdef-0123456789ab/output/model.tar.gz');
    expect(writable.some((r) => iamPattern(r).test(model))).toBe(true);

    // SageMaker syncs /opt/ml/checkpoints to <S3Uri><file>; the default prefix lies under the output prefix.
    const checkpointUri: string = props.CheckpointConfig.S3Uri;
    expect(checkpointUri).toMatch(new RegExp(`^s3://[a-z0-9]+/${prefix}/checkpoints/[0-9a-f]{16}/$`));
    expect(writable.some((r) => iamPattern(r).test(objectArn(checkpointUri, 'epoch-3.pt')))).toBe(true);

    // A grant on `<bucket>//*` or a URI `s3://<bucket>/` would never match what SageMaker writes.
    for (const text of [outputPath, checkpointUri, ...writable]) {
      expect(text.replace(/^s3:\/\//, '')).not.toContain('//');
    }
  });

  test('an explicit checkpoint prefix: URI and grant agree', () => {
    const { json } = synthJob((stack) => ({ checkpointBucket: s3.Bucket.fromBucketName(stack, 'Ck', 'ckpt-bucket'), checkpointPrefix: '/runs/a/' }));
    const uri = evaluate(jobProperties(json), { template: json }).CheckpointConfig.S3Uri;
    expect(uri).toBe('s3://ckpt-bucket/runs/a/');
    const grants = (evaluate(allStatements(json), { template: json }) as any[]).filter((s) => [s.Action].flat().includes('s3:DeleteObject'));
    expect(grants.flatMap((s) => [s.Resource].flat())).toEqual(['arn:aws:s3:::ckpt-bucket/runs/a/*']);
  });
});

describe('network isolation refuses a requirements.txt the toolkit would pip-install', () => {
  let tmp: string;
  beforeAll(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'train-req-')); });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  function sourceWith(name: string, requirements: string | undefined): string {
    const dir = path.join(tmp, name);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'train.py'), 'print("hi")\n');
    if (requirements !== undefined) fs.writeFileSync(path.join(dir, 'requirements.txt'), requirements);
    return dir;
  }

  test('a requirements.txt naming a package fails the synth, saying to vendor or turn isolation off', () => {
    expect(make({ enableNetworkIsolation: true })).toThrow(
      /enableNetworkIsolation is on, but .*requirements\.txt names packages: .*Vendor the packages into the source directory .* or into a custom image, and empty requirements\.txt .*or turn enableNetworkIsolation off/,
    );
    const indented = sourceWith('indented', '# pinned\r\n\r\n   torchmetrics==1.4.0\r\n');
    expect(make({ sourceDirectory: indented, enableNetworkIsolation: true })).toThrow(/names packages/);
  });

  test('comments and blank lines only, or no requirements.txt, pass; so does a package list without isolation', () => {
    expect(make({ sourceDirectory: VENDORED_SOURCE, enableNetworkIsolation: true })).not.toThrow();
    expect(make({ sourceDirectory: sourceWith('none', undefined), enableNetworkIsolation: true })).not.toThrow();
    expect(make({ sourceDirectory: sourceWith('blank', '\n  \n\t# nothing\n'), enableNetworkIsolation: true })).not.toThrow();
    expect(make({ enableNetworkIsolation: false })).not.toThrow();
  });

  test('the rule is the one InferenceCode uses', () => {
    expect(requirementsFileNamesPackages(path.join(SOURCE, 'requirements.txt'))).toBe(true);
    expect(requirementsFileNamesPackages(path.join(VENDORED_SOURCE, 'requirements.txt'))).toBe(false);
    expect(requirementsFileNamesPackages(path.join(tmp, 'missing', 'requirements.txt'))).toBe(false);
    const inferenceCode = fs.readFileSync(path.join(__dirname, '..', '..', 'lib', 'packaging', 'inference-code.ts'), 'utf8');
    expect(inferenceCode).toMatch(/hasRequirements = requirementsFileNamesPackages\(/);
  });
});
