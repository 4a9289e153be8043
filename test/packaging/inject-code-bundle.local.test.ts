import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { codeDigest, readZip } from '../../lib/packaging/runtime/code-archive';
import { contentDirectory } from '../../lib/packaging/runtime/content-key';
import { ownerOf } from '../../lib/packaging/runtime/ownership';
import { ResponseReceiver, checkWithGnuTools, makeModelArchive, startResponseReceiver, zipDirectory } from './helpers/artifacts';
import { MotoS3, startMotoS3 } from './helpers/moto-server';
import { LocalS3, startLocalS3 } from './helpers/s3-server';

/**
 * The bundled Lambda handler (assets/handlers/inject-code/index.js, what is deployed), run in this process with
 * the environment Lambda gives it, against s3rver (the bundle's SDK client, engine and response wiring) and against
 * moto's S3 (the conditional writes and deletes the ownership rules rest on, which s3rver ignores).
 */
let s3: LocalS3;
let cfn: ResponseReceiver;
let work: string;
const saved = { ...process.env };

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'inject-bundle-'));
  [s3, cfn] = await Promise.all([startLocalS3(), startResponseReceiver()]);
  await s3.createBucket('models');
  await s3.createBucket('assets');
  await s3.createBucket('output');
  makeModelArchive(path.join(work, 'model.tar.gz'), { 'model.pt': 200_000 });
  await s3.put('models', 'model.tar.gz', fs.readFileSync(path.join(work, 'model.tar.gz')));
  fs.mkdirSync(path.join(work, 'code'));
  fs.writeFileSync(path.join(work, 'code', 'inference.py'), 'def model_fn(model_dir):\n    return None\n');
  await s3.put('assets', 'code.zip', zipDirectory(path.join(work, 'code'), path.join(work, 'code.zip')));
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
  });
});

afterAll(async () => {
  process.env = saved;
  await Promise.all([s3.close(), cfn.close()]);
  fs.rmSync(work, { recursive: true, force: true });
});

test('the bundled handler injects the code and answers CloudFormation', async () => {
  // The handler logs what it does (to CloudWatch Logs in Lambda); kept out of the test output, and checked below.
  const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  const bundle = path.join(__dirname, '..', '..', 'assets', 'handlers', 'inject-code', 'index.js');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { handler } = require(bundle);
  await handler(
    {
      RequestType: 'Create',
      ResponseURL: cfn.url('bundle'),
      StackId: 'stack',
      RequestId: 'bundle',
      LogicalResourceId: 'Injection',
      ResourceType: 'Custom::InferenceCodeInjection',
      ResourceProperties: {
        SourceBucket: 'models',
        SourceKey: 'model.tar.gz',
        CodeBucket: 'assets',
        CodeKey: 'code.zip',
        Strategy: 'auto',
        OutputBucket: 'output',
        OutputPrefix: 'p/',
        RemovalPolicy: 'destroy',
      },
    },
    { getRemainingTimeInMillis: () => 120_000, logGroupName: 'g', logStreamName: 's' },
  );
  const answer = cfn.received.find((r) => r.path.startsWith('/bundle?'))!.body;
  expect(answer).toMatchObject({ Status: 'SUCCESS', Data: { Strategy: 'scan', ArtifactBucket: 'output' } });
  const out = path.join(work, 'out.tar.gz');
  fs.writeFileSync(out, (await s3.get('output', answer.Data.ArtifactKey))!);
  expect(checkWithGnuTools(out)).toEqual(['model.pt', 'code/', 'code/inference.py']);
  expect(log.mock.calls.map((call) => String(call[0]))).toEqual(expect.arrayContaining([expect.stringMatching(/^answering SUCCESS/)]));
  log.mockRestore();
});

describe('the bundled handler against moto\'s S3 (conditional writes and deletes, as S3 has them)', () => {
  let moto: MotoS3;
  let handler: (event: unknown, context: unknown) => Promise<void>;
  const context = { getRemainingTimeInMillis: () => 120_000, logGroupName: 'g', logStreamName: 's' };
  const props = {
    SourceBucket: 'models', SourceKey: 'model.tar.gz', CodeBucket: 'assets', CodeKey: 'code.zip', Strategy: 'auto',
    OutputBucket: 'shared-output', OutputPrefix: 'p/', RemovalPolicy: 'destroy',
  };
  const eventFor = (requestId: string, extra: Record<string, unknown> = {}) => ({
    RequestType: 'Create', ResponseURL: cfn.url(requestId), StackId: 'arn:aws:cloudformation:eu-west-1:111111111111:stack/S/1', RequestId: requestId,
    LogicalResourceId: 'Injection', ResourceType: 'Custom::InferenceCodeInjection', ResourceProperties: props, ...extra,
  });
  const answersTo = (requestId: string) => cfn.received.filter((r) => r.path.startsWith(`/${requestId}?`)).map((r) => r.body);

  beforeAll(async () => {
    moto = await startMotoS3();
    for (const bucket of ['models', 'assets', 'shared-output']) await moto.createBucket(bucket);
    await moto.put('models', 'model.tar.gz', fs.readFileSync(path.join(work, 'model.tar.gz')));
    await moto.put('assets', 'code.zip', fs.readFileSync(path.join(work, 'code.zip')));
    const env = { AWS_ENDPOINT_URL_S3: moto.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' };
    const before = { ...process.env };
    Object.assign(process.env, env);
    // A fresh copy of the bundle: its S3 client reads the endpoint when the module loads.
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      handler = require(path.join(__dirname, '..', '..', 'assets', 'handlers', 'inject-code', 'index.js')).handler;
    });
    process.env = before;
    Object.assign(process.env, env);
  }, 60_000);
  afterAll(async () => {
    await moto?.close();
  });

  test('the same event delivered twice at once: both answers are the same SUCCESS, one artifact; two resources on one prefix: two artifacts, one Delete removes one', async () => {
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      await Promise.all([handler(eventFor('twice'), context), handler(eventFor('twice'), context)]);
      const [first, second] = answersTo('twice');
      expect(first).toMatchObject({ Status: 'SUCCESS', Data: { ArtifactBucket: 'shared-output' } });
      expect(second).toEqual(first);
      await handler(eventFor('other', { LogicalResourceId: 'OtherInjection' }), context);
      const [other] = answersTo('other');
      expect(other.PhysicalResourceId).not.toBe(first.PhysicalResourceId);
      const out = path.join(work, 'moto-out.tar.gz');
      fs.writeFileSync(out, await moto.get('shared-output', first.Data.ArtifactKey));
      expect(checkWithGnuTools(out)).toEqual(['model.pt', 'code/', 'code/inference.py']);
      const otherKeys = [...(await moto.list('shared-output', other.Data.ArtifactKey.replace(/model\.tar\.gz$/, ''))).keys()];
      await handler({ ...eventFor('delete'), RequestType: 'Delete', PhysicalResourceId: first.PhysicalResourceId }, context);
      expect(answersTo('delete')[0].Status).toBe('SUCCESS');
      expect([...(await moto.list('shared-output')).keys()].sort()).toEqual(otherKeys.sort());
    } finally {
      log.mockRestore();
    }
  }, 120_000);

  test('an object of someone else\'s at the key: FAILED naming it, the object unchanged', async () => {
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const e = eventFor('planted', { LogicalResourceId: 'PlantedInjection' });
      const head = await moto.ops.headObject({ Bucket: 'models', Key: 'model.tar.gz' });
      const code = readZip(fs.readFileSync(path.join(work, 'code.zip')));
      const directory = contentDirectory('p/', { sourceEtag: head.ETag!, sourceSize: head.ContentLength!, codeSha256: codeDigest(code), strategy: 'auto' }, ownerOf(e));
      await moto.put('shared-output', `${directory}model.tar.gz`, Buffer.from('mine\n'));
      await handler(e, context);
      const [answer] = answersTo('planted');
      expect(answer.Status).toBe('FAILED');
      expect(answer.Reason).toMatch(new RegExp(`^s3://shared-output/${directory}model\\.tar\\.gz already exists and was not written by this resource`));
      expect((await moto.get('shared-output', `${directory}model.tar.gz`)).toString()).toBe('mine\n');
    } finally {
      log.mockRestore();
    }
  }, 60_000);
});
