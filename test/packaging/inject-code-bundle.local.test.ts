import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ResponseReceiver, checkWithGnuTools, makeModelArchive, startResponseReceiver, zipDirectory } from './helpers/artifacts';
import { LocalS3, startLocalS3 } from './helpers/s3-server';

/**
 * The bundled Lambda handler (assets/handlers/inject-code/index.js, what is deployed), run in this process with
 * the environment Lambda gives it, against s3rver: proves the bundle's SDK client, engine and response wiring.
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
