import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { injectCode } from '../../lib/packaging/engine';
import type { OutputSegment } from '../../lib/packaging/engine/types';
import { oneLine } from '../../lib/common/runtime/presigned-put';
import { CustomResourceEvent, failedCreateMarker as failedCreatePhysicalId, sendResponse } from '../../lib/common/runtime/custom-resource';
import { InjectCodeDependencies, InjectCodeFunction, respondToEvent } from '../../lib/packaging/runtime/inject-code-event';
import { CallOptions, S3Operations } from '../../lib/packaging/runtime/s3-operations';
import { checkWithGnuTools, makeModelArchive, ResponseReceiver, sha256, startResponseReceiver, tarMembers, zipDirectory } from './helpers/artifacts';
import { randomBytes } from './helpers/random-bytes';
import { LocalS3, startLocalS3 } from './helpers/s3-server';

const MODELS = 'training-output';
const ASSETS = 'cdk-assets';
const OUT = 'injected';
/** Each test writes under its own output prefix, so that none depends on what another left in the bucket. */
let outputPrefix = '';
let testNumber = 0;
beforeEach(() => {
  outputPrefix = `inference-code-injection/test-${++testNumber}/`;
});

let s3: LocalS3;
let cfn: ResponseReceiver;
let work: string;
const originals: Record<string, Buffer> = {};

const INFERENCE_V1 = 'import torch\n\ndef model_fn(model_dir):\n    return torch.jit.load(model_dir + "/model.pt")\n';
const INFERENCE_V2 = INFERENCE_V1 + '\n\ndef predict_fn(data, model):\n    return model(data)\n';

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'inject-event-'));
  [s3, cfn] = await Promise.all([startLocalS3(), startResponseReceiver()]);
  for (const bucket of [MODELS, ASSETS, OUT]) await s3.createBucket(bucket);

  // A small artifact (single PutObject) and a 30 MiB one (multipart, speculative copy), both made by tarfile.
  const small = path.join(work, 'small.tar.gz');
  makeModelArchive(small, { 'model.pt': 300_000, 'config.json': '{"layers": 2}\n' });
  const large = path.join(work, 'large.tar.gz');
  makeModelArchive(large, { 'model-00001.safetensors': 20 * 1024 * 1024, 'model-00002.safetensors': 10 * 1024 * 1024, 'tokenizer.json': '{"vocab": []}' }, { level: 1 });
  const withCode = path.join(work, 'with-code.tar.gz');
  makeModelArchive(withCode, { 'model.pt': 100_000, 'code/inference.py': 'old\n', 'code/old_helper.py': 'old\n' });
  for (const [key, file] of [['jobs/small/model.tar.gz', small], ['jobs/large/model.tar.gz', large], ['jobs/with-code/model.tar.gz', withCode]]) {
    originals[key] = fs.readFileSync(file);
    await s3.put(MODELS, key, originals[key]);
  }
  await s3.put(MODELS, 'jobs/garbage/model.tar.gz', randomBytes(30 * 1024 * 1024, 99));

  for (const [name, inference] of [['v1', INFERENCE_V1], ['v2', INFERENCE_V2]]) {
    const dir = path.join(work, `code-${name}`);
    fs.mkdirSync(path.join(dir, 'lib'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'inference.py'), inference);
    fs.writeFileSync(path.join(dir, 'requirements.txt'), 'numpy\n');
    fs.writeFileSync(path.join(dir, 'lib', 'helpers.py'), 'X = 1\n');
    await s3.put(ASSETS, `${name}.zip`, zipDirectory(dir, path.join(work, `${name}.zip`)));
  }
});

afterAll(async () => {
  await Promise.all([s3.close(), cfn.close()]);
  fs.rmSync(work, { recursive: true, force: true });
});

let requestCounter = 0;
function event(type: 'Create' | 'Update' | 'Delete', props: Record<string, string> = {}, physicalResourceId?: string): CustomResourceEvent {
  const id = `req-${++requestCounter}`;
  return {
    RequestType: type,
    ResponseURL: cfn.url(id),
    StackId: 'arn:aws:cloudformation:eu-west-1:111111111111:stack/S/1',
    RequestId: id,
    LogicalResourceId: 'Injection',
    ResourceType: 'Custom::InferenceCodeInjection',
    PhysicalResourceId: physicalResourceId,
    ResourceProperties: {
      ServiceToken: 'arn:aws:lambda:eu-west-1:111111111111:function:f',
      SourceBucket: MODELS,
      SourceKey: 'jobs/small/model.tar.gz',
      CodeBucket: ASSETS,
      CodeKey: 'v1.zip',
      Strategy: 'auto',
      OutputBucket: OUT,
      OutputPrefix: outputPrefix,
      RemovalPolicy: 'destroy',
      ...props,
    },
  };
}

/** Counts the calls that write. */
function spied(ops: S3Operations) {
  const writes: string[] = [];
  const wrapped: S3Operations = { ...ops };
  for (const name of ['putObject', 'createMultipartUpload', 'uploadPart', 'uploadPartCopy', 'deleteObject'] as const) {
    wrapped[name] = ((input: any, options: any) => {
      writes.push(`${name} ${input.Key}`);
      return (ops[name] as any)(input, options);
    }) as any;
  }
  return { ops: wrapped, writes };
}

function deps(extra: Partial<InjectCodeDependencies> = {}): InjectCodeDependencies {
  return { ops: s3.ops, injectCode, timeoutMs: 60_000, ...extra };
}

async function run(e: CustomResourceEvent, d: InjectCodeDependencies = deps()) {
  await respondToEvent(e, d, { attempts: 1 });
  const answer = cfn.received.find((r) => r.path.startsWith(`/${e.RequestId}?`));
  expect(answer).toBeDefined();
  expect(answer!.method).toBe('PUT');
  // The presigned URL is signed without a content type.
  expect(answer!.contentType).toBe('');
  return answer!.body;
}

/** Expects SUCCESS; a FAILED answer fails with its reason, which a diff of the status or the object would not show. */
function expectSuccess(answer: { Status: string; Reason?: string }): void {
  expect(answer.Status === 'SUCCESS' ? 'SUCCESS' : `${answer.Status}: ${answer.Reason}`).toBe('SUCCESS');
}

async function download(uri: string): Promise<string> {
  const [, bucket, key] = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri)!;
  const file = path.join(work, `${sha256(Buffer.from(uri)).slice(0, 12)}.tar.gz`);
  fs.writeFileSync(file, (await s3.get(bucket, key))!);
  return file;
}

function expectCodeInside(archive: string, inference: string, without: string[] = []) {
  const listing = checkWithGnuTools(archive);
  expect(listing).toEqual(expect.arrayContaining(['code/inference.py', 'code/requirements.txt', 'code/lib/helpers.py']));
  const members = tarMembers(archive);
  expect(members['code/inference.py']).toBe(sha256(Buffer.from(inference)));
  expect(members['code/requirements.txt']).toBe(sha256(Buffer.from('numpy\n')));
  for (const name of without) expect(members[name]).toBeUndefined();
  return members;
}

async function expectOriginalsUntouched() {
  for (const [key, bytes] of Object.entries(originals)) expect((await s3.get(MODELS, key))!.equals(bytes)).toBe(true);
}

describe('Create', () => {
  test('answers SUCCESS with the new artifact, content-addressed under the prefix, and a manifest beside it', async () => {
    const answer = await run(event('Create'));
    expectSuccess(answer);
    expect(answer).toMatchObject({
      Status: 'SUCCESS',
      RequestId: `req-${requestCounter}`,
      LogicalResourceId: 'Injection',
      StackId: 'arn:aws:cloudformation:eu-west-1:111111111111:stack/S/1',
      Data: { ArtifactBucket: OUT, Strategy: 'scan', Reason: expect.stringContaining('no code/ entries') },
    });
    expect(answer.PhysicalResourceId).toBe(answer.Data.ArtifactS3Uri);
    expect(answer.Data.ArtifactKey).toMatch(new RegExp(`^${outputPrefix}[0-9a-f]{32}/model\\.tar\\.gz$`));
    const members = expectCodeInside(await download(answer.Data.ArtifactS3Uri), INFERENCE_V1);
    const originalMembers = tarMembers(path.join(work, 'small.tar.gz'));
    for (const [name, digest] of Object.entries(originalMembers)) expect(members[name]).toBe(digest);
    const head = await s3.head(OUT, answer.Data.ArtifactKey);
    expect(head!.metadata).toMatchObject({ 'strategy-requested': 'auto', 'source-size': String(originals['jobs/small/model.tar.gz'].length) });
    const manifest = JSON.parse((await s3.get(OUT, answer.Data.ArtifactKey.replace(/model\.tar\.gz$/, 'injection.json')))!.toString());
    expect(manifest).toMatchObject({ strategy: 'scan', artifact: answer.Data.ArtifactS3Uri, write: { method: 'PutObject' } });
    await expectOriginalsUntouched();
  });

  test('a 30 MiB artifact goes through the multipart path; the result passes gzip -t, tar and tarfile', async () => {
    const answer = await run(event('Create', { SourceKey: 'jobs/large/model.tar.gz', Strategy: 'scan' }));
    expectSuccess(answer);
    const archive = await download(answer.Data.ArtifactS3Uri);
    const members = expectCodeInside(archive, INFERENCE_V1);
    for (const [name, digest] of Object.entries(tarMembers(path.join(work, 'large.tar.gz')))) expect(members[name]).toBe(digest);
    const manifest = JSON.parse((await s3.get(OUT, answer.Data.ArtifactKey.replace(/model\.tar\.gz$/, 'injection.json')))!.toString());
    expect(manifest.write.method).toBe('MultipartUpload');
    // s3rver has no UploadPartCopy: the unchanged prefix was streamed through; only the tail is new.
    expect(manifest.write.bytesCopiedThrough).toBeGreaterThan(10 * 1024 * 1024);
    expect(manifest.stats.bytesDeflated).toBeLessThan(1024 * 1024);
    expect(s3.openUploads(OUT)).toEqual([]);
    await expectOriginalsUntouched();
  });

  test('auto on an archive that already has code/ (stream replaces it)', async () => {
    const replaced = await run(event('Create', { SourceKey: 'jobs/with-code/model.tar.gz' }));
    expect(replaced.Data.Strategy).toBe('stream');
    const members = expectCodeInside(await download(replaced.Data.ArtifactS3Uri), INFERENCE_V1, ['code/old_helper.py']);
    expect(Object.keys(members).filter((name) => name === 'code/inference.py')).toHaveLength(1);
  });

  test('a retry with the same inputs finds the artifact and writes nothing', async () => {
    const first = await run(event('Create', { CodeKey: 'v2.zip' }));
    const { ops, writes } = spied(s3.ops);
    const again = await run(event('Create', { CodeKey: 'v2.zip' }), deps({ ops }));
    expectSuccess(again);
    expect(again.PhysicalResourceId).toBe(first.PhysicalResourceId);
    expect(again.Data).toEqual(first.Data);
    expect(writes).toEqual([]);
  });

  test('an artifact left without its manifest by a writer that may still run: FAILED after the wait, nothing written or deleted', async () => {
    const first = await run(event('Create', { Strategy: 'stream' }));
    await s3.ops.deleteObject({ Bucket: OUT, Key: first.Data.ArtifactKey.replace(/model\.tar\.gz$/, 'injection.json') });
    const { ops, writes } = spied(s3.ops);
    const again = await run(event('Create', { Strategy: 'stream' }), deps({ ops, claimWaitMs: 0 }));
    expect(again.Status).toBe('FAILED');
    expect(again.Reason).toMatch(new RegExp(`^another invocation of this resource, request ${first.RequestId} \\(writer [0-9a-f-]{36}, since .*\\), is writing s3://${OUT}/${outputPrefix}[0-9a-f]{32}/ and did not finish within the 0 s this one could wait: nothing was written or deleted; deploy again`));
    expect(writes).toEqual([]);
    expect(await s3.head(OUT, first.Data.ArtifactKey)).toBeDefined();
  });

  test('an artifact left without its manifest by a writer that has stopped (claim older than a Lambda run) is replaced', async () => {
    const first = await run(event('Create', { Strategy: 'stream', CodeKey: 'v2.zip' }));
    const directory = first.Data.ArtifactKey.replace(/model\.tar\.gz$/, '');
    await s3.ops.deleteObject({ Bucket: OUT, Key: `${directory}injection.json` });
    const { ops, writes } = spied(s3.ops);
    // Sixteen minutes later, by the function's clock.
    const later = deps({ ops, now: () => Date.now() + 16 * 60_000 });
    const again = await run(event('Create', { Strategy: 'stream', CodeKey: 'v2.zip' }), later);
    expectSuccess(again);
    expect(again.PhysicalResourceId).toBe(first.PhysicalResourceId);
    expect(writes.slice(0, 3).sort()).toEqual([`deleteObject ${directory}claim.json`, `deleteObject ${directory}model.tar.gz`, `putObject ${directory}claim.json`].sort());
    expect(writes).toEqual(expect.arrayContaining([`putObject ${directory}model.tar.gz`, `putObject ${directory}injection.json`]));
    expect((await s3.head(OUT, first.Data.ArtifactKey))!.metadata['request-id']).toBe(again.RequestId);
  });
});

describe('Update and Delete', () => {
  test('an update that changes the code writes a new key; the Delete of the old id removes only the old object', async () => {
    const created = await run(event('Create', { SourceKey: 'jobs/large/model.tar.gz', Strategy: 'scan' }));
    const updated = await run(event('Update', { SourceKey: 'jobs/large/model.tar.gz', Strategy: 'scan', CodeKey: 'v2.zip' }, created.PhysicalResourceId));
    expectSuccess(updated);
    expect(updated.PhysicalResourceId).not.toBe(created.PhysicalResourceId);
    expectCodeInside(await download(updated.Data.ArtifactS3Uri), INFERENCE_V2);

    // CloudFormation's cleanup: Delete of the old physical id, with the old properties.
    const deleted = await run(event('Delete', { SourceKey: 'jobs/large/model.tar.gz', Strategy: 'scan' }, created.PhysicalResourceId));
    expectSuccess(deleted);
    expect(deleted).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: created.PhysicalResourceId });
    expect(await s3.head(OUT, created.Data.ArtifactKey)).toBeUndefined();
    expect(await s3.head(OUT, created.Data.ArtifactKey.replace(/model\.tar\.gz$/, 'injection.json'))).toBeUndefined();
    expect(await s3.head(OUT, updated.Data.ArtifactKey)).toBeDefined();
    await expectOriginalsUntouched();
  });

  test('an update that changes nothing the bytes depend on keeps the physical id (no Delete follows)', async () => {
    const created = await run(event('Create', { CodeKey: 'v2.zip', Strategy: 'scan' }));
    const updated = await run(event('Update', { CodeKey: 'v2.zip', Strategy: 'scan', RemovalPolicy: 'retain' }, created.PhysicalResourceId));
    expect(updated.PhysicalResourceId).toBe(created.PhysicalResourceId);
  });

  test('with RETAIN, a Delete keeps the artifact', async () => {
    const created = await run(event('Create', { Strategy: 'scan', RemovalPolicy: 'retain' }));
    const deleted = await run(event('Delete', { Strategy: 'scan', RemovalPolicy: 'retain' }, created.PhysicalResourceId));
    expectSuccess(deleted);
    expect(await s3.head(OUT, created.Data.ArtifactKey)).toBeDefined();
  });

  test('a Delete removes nothing it did not write: a failed Create, another prefix, another bucket', async () => {
    const { ops, writes } = spied(s3.ops);
    const e = event('Create');
    for (const physicalId of [failedCreatePhysicalId(e), `s3://${OUT}/elsewhere/abc/model.tar.gz`, `s3://${MODELS}/${outputPrefix}abc/model.tar.gz`, `s3://${OUT}/${outputPrefix}abc/other.bin`]) {
      const answer = await run(event('Delete', {}, physicalId), deps({ ops }));
      expectSuccess(answer);
      expect(answer).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: physicalId });
    }
    // Even invalid properties (whose Create must have failed) do not block the stack's deletion.
    const invalid = await run(event('Delete', { Strategy: 'fastest' }, 'failed-create:x'), deps({ ops }));
    expectSuccess(invalid);
    expect(writes).toEqual([]);
  });
});

describe('failures answer FAILED with a one-line reason, abort the upload, and leave the original alone', () => {
  test('a missing original', async () => {
    const e = event('Create', { SourceKey: 'jobs/none/model.tar.gz' });
    const answer = await run(e);
    expect(answer).toMatchObject({ Status: 'FAILED', PhysicalResourceId: failedCreatePhysicalId(e) });
    expect(answer.Reason).toBe(`the model artifact s3://${MODELS}/jobs/none/model.tar.gz does not exist`);
  });

  test('an input the engine refuses (30 MiB that are neither gzip nor tar, with the speculative copy running)', async () => {
    const answer = await run(event('Create', { SourceKey: 'jobs/garbage/model.tar.gz' }));
    expect(answer.Status).toBe('FAILED');
    expect(answer.Reason).toMatch(/^not a gzip or tar file/);
    expect(answer.Reason).not.toContain('\n');
    expect(s3.openUploads(OUT)).toEqual([]);
    await expectOriginalsUntouched();
  });

  test('scan refuses an archive that already has code/; the failed Update keeps its physical id', async () => {
    const answer = await run(event('Update', { SourceKey: 'jobs/with-code/model.tar.gz', Strategy: 'scan' }, 's3://injected/previous/model.tar.gz'));
    expect(answer).toMatchObject({ Status: 'FAILED', PhysicalResourceId: 's3://injected/previous/model.tar.gz' });
    expect(answer.Reason).toContain('code/');
  });

  test('invalid properties and a code asset without inference.py', async () => {
    const bad = await run(event('Create', { Strategy: 'fastest' }));
    expect(bad.Reason).toBe('custom resource property Strategy must be one of auto, scan, stream, not "fastest"');
    await s3.put(ASSETS, 'no-entry.zip', zipDirectory(path.join(work, 'code-v1', 'lib'), path.join(work, 'no-entry.zip')));
    const noEntry = await run(event('Create', { CodeKey: 'no-entry.zip' }));
    expect(noEntry.Reason).toBe(`the inference code asset s3://${ASSETS}/no-entry.zip has no inference.py at its root`);
  });

  test('the removed tail strategy: Create and Update fail saying so; a Delete still removes what 0.1.0 wrote with it', async () => {
    const created = await run(event('Create', { Strategy: 'scan', CodeKey: 'v1.zip' }));
    for (const type of ['Create', 'Update'] as const) {
      const answer = await run(event(type, { Strategy: 'tail', CodeKey: 'v1.zip' }, type === 'Update' ? created.PhysicalResourceId : undefined));
      expect(answer.Status).toBe('FAILED');
      expect(answer.Reason).toMatch(/^custom resource property Strategy tail was removed in 0\.2\.0: .*could not see an earlier code\/.*; use InjectionStrategy\.SCAN or AUTO/);
    }
    // A stack deployed with 0.1.0 and TAIL: CloudFormation's Delete carries Strategy tail.
    const deleted = await run(event('Delete', { Strategy: 'tail', CodeKey: 'v1.zip' }, created.PhysicalResourceId));
    expectSuccess(deleted);
    expect(await s3.head(OUT, created.Data.ArtifactKey)).toBeUndefined();
  });

  describe('an artifact too large for the time left fails at once, naming the options that apply', () => {
    // The 30 MiB artifact with rates scaled down (100 KB/s) stands for a ~300 GB one at the measured rates.
    const slow = { scanBytesPerSecond: 100_000, scanVcpus: 2, streamBytesPerSecondPerVcpu: 20_000, streamMaxBytesPerSecond: 100_000, fixedSeconds: 10 };

    async function tooLarge(key: string, strategy: string, memoryMiB: number) {
      const spy = spied(s3.ops);
      let sourceBytesRead = 0;
      const ops: S3Operations = {
        ...spy.ops,
        getObject: async (input, options) => {
          if (input.Bucket === MODELS && input.Range) {
            const [, from, to] = /bytes=(\d+)-(\d+)/.exec(input.Range)!;
            sourceBytesRead += Number(to) - Number(from) + 1;
          }
          return spy.ops.getObject(input, options);
        },
      };
      const strategies: string[] = [];
      const engine: InjectCodeFunction = (source, files, options) => {
        strategies.push(options.strategy);
        return injectCode(source, files, options);
      };
      const started = Date.now();
      const answer = await run(
        event('Create', { SourceKey: key, Strategy: strategy }),
        deps({ ops, injectCode: engine, memoryMiB, injectionRates: slow, timeoutMs: 120_000 }),
      );
      return { answer, ms: Date.now() - started, writes: spy.writes, strategies, sourceBytesRead };
    }

    test('auto: uncompressed model data; more memory would not help', async () => {
      const { answer, ms, writes, strategies, sourceBytesRead } = await tooLarge('jobs/large/model.tar.gz', 'auto', 3538);
      expect(answer.Status).toBe('FAILED');
      expect(answer.Reason).toMatch(/^the model artifact s3:\/\/training-output\/jobs\/large\/model.tar.gz is too large to inject in time: \d+ MB by auto \(which runs scan\)/);
      expect(answer.Reason).toContain('ModelData.fromS3Prefix');
      expect(answer.Reason).not.toMatch(/TAIL|tail/);
      expect(answer.Reason).not.toContain('memorySize');
      // At once: the engine never ran, nothing was read from the artifact, nothing written, no multipart upload.
      expect(strategies).toEqual([]);
      expect(sourceBytesRead).toBe(0);
      expect(writes).toEqual([]);
      expect(s3.openUploads(OUT)).toEqual([]);
      expect(ms).toBeLessThan(10_000);
      await expectOriginalsUntouched();
    });

    test('stream: more memory when some would do', async () => {
      const file = path.join(work, 'big-last.tar.gz');
      makeModelArchive(file, { 'config.json': '{}', 'model.safetensors': 6 * 1024 * 1024 }, { level: 1 });
      await s3.put(MODELS, 'jobs/big-last/model.tar.gz', fs.readFileSync(file));
      const { answer, writes, strategies } = await tooLarge('jobs/big-last/model.tar.gz', 'stream', 1769);
      expect(answer.Status).toBe('FAILED');
      expect(answer.Reason).toMatch(/by stream needs about/);
      expect(answer.Reason).toMatch(/memorySize \(codeInjection.memorySize\) of at least \d+ MiB, up to 10,240/);
      expect(answer.Reason).not.toMatch(/TAIL|tail/);
      expect(strategies).toEqual([]);
      expect(writes).toEqual([]);
      expect(s3.openUploads(OUT)).toEqual([]);
    });

    test('the same artifact within the estimate runs as before', async () => {
      const answer = await run(event('Create', { SourceKey: 'jobs/small/model.tar.gz', CodeKey: 'v2.zip' }), deps({ memoryMiB: 3538 }));
      expectSuccess(answer);
    });
  });

  test('work that outlives its time budget is abandoned: FAILED before the Lambda timeout, upload aborted', async () => {
    // The deadline must strike where the old real-time version of this test struck: a multipart upload is open,
    // its parts are stored, and the writer waits on an engine that never finishes. (Striking while a part is in
    // flight is not what this test is about, and s3rver can recreate an aborted upload while it still handles a
    // cancelled UploadPart, which S3 does not.) So the clock moves only once the engine has been asked for more
    // after its 20 MiB and no UploadPart is running.
    let idle!: () => void;
    const writerIdle = new Promise<void>((resolve) => (idle = resolve));
    let engineWaiting = false;
    let partsRunning = 0;
    let partsStored = 0;
    const checkIdle = () => {
      if (engineWaiting && partsRunning === 0 && partsStored > 0) idle();
    };
    const stuck: InjectCodeFunction = async () => ({
      strategy: 'stream',
      reason: 'test',
      stats: () => ({ bytesRead: 0, bytesInflated: 0, bytesDeflated: 0, bytesCopied: 0, bytesWritten: 0, entries: [] }),
      segments: (async function* (): AsyncGenerator<OutputSegment> {
        yield { kind: 'data', bytes: randomBytes(20 * 1024 * 1024, 5) };
        engineWaiting = true;
        checkIdle();
        await new Promise(() => undefined);
      })(),
    });
    const ops: S3Operations = {
      ...s3.ops,
      uploadPart: async (input, options) => {
        partsRunning++;
        try {
          const output = await s3.ops.uploadPart(input, options);
          partsStored++;
          return output;
        } finally {
          partsRunning--;
          checkIdle();
        }
      },
    };
    // Fake timers: the deadline (14.5 min, as the shell sets it for a 15 min Lambda) fires when the clock is
    // advanced, without waiting in real time. The HTTP traffic to s3rver and to the response receiver stays real.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    try {
      const answered = run(
        event('Create', { SourceKey: 'jobs/large/model.tar.gz', Strategy: 'stream', CodeKey: 'v2.zip' }),
        deps({ ops, injectCode: stuck, timeoutMs: 870_000, cleanupGraceMs: 60_000 }),
      );
      await writerIdle;
      expect(s3.openUploads(OUT)).toHaveLength(1);
      await jest.advanceTimersByTimeAsync(870_000);
      // The cleanup grace stays on the fake clock and never runs out: the answer comes only once the abandoned work
      // has ended, and that work must have aborted its upload.
      jest.useRealTimers();
      const answer = await answered;
      expect(answer.Status).toBe('FAILED');
      expect(answer.Reason).toMatch(/^the code injection did not finish within 870 s/);
      expect(s3.openUploads(OUT)).toEqual([]);
      await expectOriginalsUntouched();
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('a failure before the manifest deletes what this attempt wrote, and only that; after it, keeps everything', () => {
  const MANIFEST = /injection\.json$/;

  /** Every key under this test's output prefix. */
  async function outputKeys(): Promise<string[]> {
    const listing = await s3.ops.listObjectsV2({ Bucket: OUT, Prefix: outputPrefix });
    return (listing.Contents ?? []).map((object) => object.Key!).sort();
  }

  /**
   * The local S3, except that the manifest's PutObject is `putManifest`; records which artifact it belongs to,
   * whether that artifact was stored at that moment, and every DeleteObject.
   */
  function manifestWriteReplaced(putManifest: (input: { Key?: string; Body?: unknown }, options?: CallOptions) => Promise<never>) {
    const seen = { artifactKey: '', artifactStored: false, deletes: [] as string[], multipartCompleted: [] as string[] };
    const ops: S3Operations = {
      ...s3.ops,
      putObject: async (input, options) => {
        if (!MANIFEST.test(input.Key!)) return s3.ops.putObject(input, options);
        seen.artifactKey = input.Key!.replace(MANIFEST, 'model.tar.gz');
        seen.artifactStored = (await s3.head(OUT, seen.artifactKey)) !== undefined;
        return putManifest(input, options);
      },
      completeMultipartUpload: (input, options) => {
        seen.multipartCompleted.push(input.Key!);
        return s3.ops.completeMultipartUpload(input, options);
      },
      deleteObject: (input, options) => {
        seen.deletes.push(input.Key!);
        return s3.ops.deleteObject(input, options);
      },
    };
    return { ops, seen };
  }

  const internalError = async (): Promise<never> => {
    throw Object.assign(new Error('We encountered an internal error. Please try again.'), { name: 'InternalError', $metadata: { httpStatusCode: 500 } });
  };
  const claimOf = (artifactKey: string) => artifactKey.replace(/model\.tar\.gz$/, 'claim.json');

  test.each([
    ['PutObject', 'jobs/small/model.tar.gz', 'scan'],
    ['multipart', 'jobs/large/model.tar.gz', 'scan'],
  ])('S3 refuses the manifest after a %s artifact: FAILED, the artifact and the claim deleted, no upload open, the original intact', async (method, sourceKey, strategy) => {
    const before = await outputKeys();
    const { ops, seen } = manifestWriteReplaced(internalError);
    const e = event('Create', { SourceKey: sourceKey, Strategy: strategy, CodeKey: 'v2.zip' });
    const answer = await run(e, deps({ ops }));
    expect(answer).toMatchObject({ Status: 'FAILED', PhysicalResourceId: failedCreatePhysicalId(e), Reason: 'We encountered an internal error. Please try again.' });
    // The artifact was complete when the manifest was written, and is gone now, with the claim (last).
    expect(seen.artifactStored).toBe(true);
    expect(seen.multipartCompleted).toEqual(method === 'multipart' ? [seen.artifactKey] : []);
    expect(seen.deletes).toEqual([seen.artifactKey, claimOf(seen.artifactKey)]);
    expect(await outputKeys()).toEqual(before);
    expect(s3.openUploads(OUT)).toEqual([]);
    await expectOriginalsUntouched();
  });

  test('the size check after the upload fails: FAILED, the artifact and the claim deleted', async () => {
    const before = await outputKeys();
    const deletes: string[] = [];
    const ops: S3Operations = {
      ...s3.ops,
      // The one doctored answer: S3 reports a size other than the one the engine described.
      headObject: async (input, options) => {
        const head = await s3.ops.headObject(input, options);
        return input.Bucket === OUT && input.Key!.endsWith('/model.tar.gz') && options !== undefined ? { ...head, ContentLength: head.ContentLength! + 1 } : head;
      },
      deleteObject: (input, options) => {
        deletes.push(input.Key!);
        return s3.ops.deleteObject(input, options);
      },
    };
    const answer = await run(event('Create', { SourceKey: 'jobs/large/model.tar.gz', Strategy: 'auto', CodeKey: 'v2.zip' }), deps({ ops }));
    expect(answer.Status).toBe('FAILED');
    expect(answer.Reason).toMatch(new RegExp(`^s3://${OUT}/${outputPrefix}[0-9a-f]{32}/model\\.tar\\.gz has \\d+ bytes, expected \\d+$`));
    const artifactKey = answer.Reason.split(' ')[0].slice(`s3://${OUT}/`.length);
    expect(deletes).toEqual([artifactKey, claimOf(artifactKey)]);
    expect(await outputKeys()).toEqual(before);
    expect(s3.openUploads(OUT)).toEqual([]);
    await expectOriginalsUntouched();
  });

  test('a delete that fails is named after the original reason; the failed Create names the artifact, and its rollback Delete removes it', async () => {
    const { ops, seen } = manifestWriteReplaced(internalError);
    const refusing: S3Operations = {
      ...ops,
      deleteObject: async () => {
        throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
      },
    };
    const e = event('Create', { Strategy: 'stream', CodeKey: 'v2.zip' });
    const answer = await run(e, deps({ ops: refusing }));
    expect(answer.Status).toBe('FAILED');
    expect(answer.Reason).toBe(`We encountered an internal error. Please try again.; and s3://${OUT}/${seen.artifactKey} (AccessDenied, HTTP 403) could not be deleted after the failure: delete it by hand`);
    expect(answer.PhysicalResourceId).toBe(`s3://${OUT}/${seen.artifactKey}`);
    expect(await outputKeys()).toEqual([seen.artifactKey, claimOf(seen.artifactKey)].sort());
    const rollback = await run(event('Delete', { Strategy: 'stream', CodeKey: 'v2.zip' }, answer.PhysicalResourceId));
    expectSuccess(rollback);
    expect(await outputKeys()).toEqual([]);
  });

  test.each([
    ['answered once the deadline has passed', true],
    ['lost on the network (the client cannot tell whether S3 stored it)', false],
  ])('the deadline strikes while the manifest (stored) is in flight, %s: FAILED, the complete directory kept and reused; the rollback removes it', async (_, answered) => {
    const before = await outputKeys();
    let reached!: () => void;
    const manifestStored = new Promise<void>((resolve) => (reached = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const { ops, seen } = manifestWriteReplaced(async (input) => {
      const output = await s3.ops.putObject(input as never);
      reached();
      await released;
      if (!answered) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      return output as never;
    });
    const props = { Strategy: 'stream', CodeKey: answered ? 'v1.zip' : 'v2.zip', SourceKey: 'jobs/with-code/model.tar.gz' };
    const e = event('Create', props);
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    let answer;
    try {
      const answered_ = run(e, deps({ ops, timeoutMs: 870_000, cleanupGraceMs: 60_000 }));
      await manifestStored;
      await jest.advanceTimersByTimeAsync(870_000);
      release();
      // The grace stays on the fake clock: the answer comes only once the work has ended.
      jest.useRealTimers();
      answer = await answered_;
    } finally {
      jest.useRealTimers();
    }
    expect(answer.Status).toBe('FAILED');
    expect(answer.Reason).toMatch(/^the code injection did not finish within 870 s/);
    expect(seen.deletes).toEqual([]);
    // Another invocation may have reported this complete artifact: it stays, and the failed Create names it.
    expect(answer.PhysicalResourceId).toBe(`s3://${OUT}/${seen.artifactKey}`);
    const directory = seen.artifactKey.replace(/model\.tar\.gz$/, '');
    expect((await outputKeys()).filter((key) => !before.includes(key))).toEqual([`${directory}claim.json`, `${directory}injection.json`, `${directory}model.tar.gz`]);
    // A retry finds it complete; the rollback's Delete of the failed Create removes all of it.
    const { ops: spy, writes } = spied(s3.ops);
    const retry = await run(event('Create', props), deps({ ops: spy }));
    expect([retry.Status, retry.PhysicalResourceId, writes]).toEqual(['SUCCESS', answer.PhysicalResourceId, []]);
    expectSuccess(await run(event('Delete', props, answer.PhysicalResourceId)));
    expect(await outputKeys()).toEqual(before);
    await expectOriginalsUntouched();
  });

  test('an error reading an existing manifest fails the request, and nothing is written or deleted', async () => {
    const first = await run(event('Create', { Strategy: 'scan', CodeKey: 'v2.zip' }));
    const manifestKey = first.Data.ArtifactKey.replace(/model\.tar\.gz$/, 'injection.json');
    const before = await outputKeys();
    const { ops: spy, writes } = spied(s3.ops);
    const ops: S3Operations = {
      ...spy,
      getObject: async (input, options) => (input.Key === manifestKey ? internalError() : s3.ops.getObject(input, options)),
    };
    const answer = await run(event('Create', { Strategy: 'scan', CodeKey: 'v2.zip' }), deps({ ops }));
    expect(answer).toMatchObject({ Status: 'FAILED', Reason: 'We encountered an internal error. Please try again.' });
    expect(writes).toEqual([]);
    expect(await outputKeys()).toEqual(before);
  });

  test('a failure before the artifact exists deletes only the claim it wrote', async () => {
    const before = await outputKeys();
    const { ops, writes } = spied(s3.ops);
    // The engine refuses the input while the speculative copies are running: an upload is open, no object exists.
    const refused = await run(event('Create', { SourceKey: 'jobs/garbage/model.tar.gz', Strategy: 'stream' }), deps({ ops }));
    expect(refused.Status).toBe('FAILED');
    expect(writes).toEqual(expect.arrayContaining([expect.stringMatching(/^createMultipartUpload /)]));
    expect(writes.filter((write) => write.startsWith('putObject'))).toEqual([expect.stringMatching(/\/claim\.json$/)]);
    expect(writes.filter((write) => write.startsWith('deleteObject'))).toEqual([expect.stringMatching(/\/claim\.json$/)]);
    const missing = await run(event('Create', { SourceKey: 'jobs/none/model.tar.gz' }), deps({ ops }));
    expect(missing.Status).toBe('FAILED');
    // Of the artifact: only the (aborted) upload's requests, never an object.
    expect(writes.filter((write) => write.includes('/model.tar.gz') && !/^(createMultipartUpload|uploadPart|uploadPartCopy) /.test(write))).toEqual([]);
    expect(await outputKeys()).toEqual(before);
    expect(s3.openUploads(OUT)).toEqual([]);
    await expectOriginalsUntouched();
  });
});

describe('responses', () => {
  test('oneLine collapses whitespace and caps the length', () => {
    expect(oneLine('a\n  b\tc')).toBe('a b c');
    expect(oneLine('x'.repeat(2000))).toHaveLength(1000);
    expect(oneLine('  ')).toBe('unknown error');
  });

  test('a response URL that refuses the answer is an error at once (a 4xx cannot succeed; Lambda then retries the invocation)', async () => {
    const e = { ...event('Create'), ResponseURL: cfn.url('reject') };
    await expect(
      sendResponse(e.ResponseURL, { Status: 'SUCCESS', PhysicalResourceId: 'p', StackId: 's', RequestId: 'r', LogicalResourceId: 'l', NoEcho: false }, { baseDelayMs: 0 }),
    ).rejects.toThrow('answered HTTP 403');
    expect(cfn.received.filter((r) => r.path.startsWith('/reject'))).toHaveLength(1);
  });
});
