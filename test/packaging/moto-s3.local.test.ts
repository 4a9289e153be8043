import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createHash } from 'crypto';
import { injectCode } from '../../lib/packaging/engine';
import { CustomResourceEvent } from '../../lib/common/runtime/custom-resource';
import { InjectCodeDependencies, handleEvent } from '../../lib/packaging/runtime/inject-code-event';
import { CopyLimits, DEFAULT_COPY_LIMITS, DEFAULT_COPY_RATES, planPrefixCopy, planViolations } from '../../lib/packaging/runtime/prefix-copy-plan';
import { S3Operations } from '../../lib/packaging/runtime/s3-operations';
import { MiB } from '../../lib/packaging/runtime/s3-limits';
import { readZip } from '../../lib/packaging/runtime/code-archive';
import { injectIntoPrefix } from '../../lib/packaging/runtime/uncompressed-injection';
import { abortUploadCompletely } from '../../lib/packaging/runtime/multipart-abort';
import { writeArtifact } from '../../lib/packaging/runtime/artifact-writer';
import { s3ByteSource } from '../../lib/packaging/runtime/s3-byte-source';
import { checkWithGnuTools, makeModelArchive, sha256, tarMembers, zipDirectory } from './helpers/artifacts';
import { gatedCopies } from './helpers/gated-copies';
import { MotoS3, startMotoS3 } from './helpers/moto-server';
import { randomBytes } from './helpers/random-bytes';

// Buckets of their own for each test (one moto server per file): no reset of the whole server between tests.
let MODELS = 'training-output';
let ASSETS = 'cdk-assets';
let OUT = 'injected';
let bucketSet = 0;
const PREFIX = 'inference-code-injection/abc/';
const SOURCE_PREFIX = 'jobs/job-1/output/model/';
/** The part size scaled down, so that an object "above the single-copy limit" is a few MiB. */
const SMALL_LIMITS: CopyLimits = { singleCopyLimit: 6 * MiB, partSize: 5 * MiB, concurrency: 8 };
const INFERENCE = 'import torch\n\ndef model_fn(model_dir):\n    return torch.jit.load(model_dir + "/model.pt")\n';

let moto: MotoS3;
let work: string;

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'uncompressed-'));
  moto = await startMotoS3();
}, 30_000);
afterAll(async () => {
  await moto?.close();
  fs.rmSync(work, { recursive: true, force: true });
});
beforeEach(async () => {
  bucketSet++;
  [MODELS, ASSETS, OUT] = [`training-output-${bucketSet}`, `cdk-assets-${bucketSet}`, `injected-${bucketSet}`];
  for (const bucket of [MODELS, ASSETS, OUT]) await moto.createBucket(bucket);
  const dir = path.join(work, 'code');
  if (!fs.existsSync(path.join(work, 'code.zip'))) {
    fs.mkdirSync(path.join(dir, 'lib'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'inference.py'), INFERENCE);
    fs.writeFileSync(path.join(dir, 'lib', 'helpers.py'), 'X = 1\n');
    zipDirectory(dir, path.join(work, 'code.zip'));
  }
  await moto.put(ASSETS, 'code.zip', fs.readFileSync(path.join(work, 'code.zip')));
});

let counter = 0;
function event(type: 'Create' | 'Delete', physicalResourceId?: string, props: Record<string, string> = {}): CustomResourceEvent {
  return {
    RequestType: type, ResponseURL: 'http://127.0.0.1/unused', StackId: 'arn:aws:cloudformation:eu-west-1:111111111111:stack/S/1',
    RequestId: `req-${++counter}`, LogicalResourceId: 'Injection', ResourceType: 'Custom::InferenceCodeInjection',
    PhysicalResourceId: physicalResourceId,
    ResourceProperties: {
      SourceBucket: MODELS, SourcePrefix: SOURCE_PREFIX, CodeBucket: ASSETS, CodeKey: 'code.zip', Strategy: 'auto',
      OutputBucket: OUT, OutputPrefix: PREFIX, RemovalPolicy: 'destroy', ...props,
    },
  };
}

function deps(extra: Partial<InjectCodeDependencies> = {}): InjectCodeDependencies {
  return { ops: moto.ops, injectCode, copyLimits: SMALL_LIMITS, timeoutMs: 60_000, inFlightCopyWaitMs: 5_000, ...extra };
}

/** Records every request that could read the original or write, with its parameters. */
function recorded(ops: S3Operations) {
  const calls: Array<{ op: string; input: any }> = [];
  const wrapped: S3Operations = { ...ops };
  for (const op of ['copyObject', 'uploadPartCopy', 'createMultipartUpload', 'completeMultipartUpload', 'putObject', 'abortMultipartUpload'] as const) {
    const original = ops[op] as (...args: any[]) => Promise<any>;
    (wrapped as any)[op] = (input: any, options: any) => {
      calls.push({ op, input });
      return original(input, options);
    };
  }
  return { ops: wrapped, calls };
}

async function putOriginal(files: Record<string, Buffer>): Promise<void> {
  for (const [name, body] of Object.entries(files)) await moto.put(MODELS, SOURCE_PREFIX + name, body);
}

async function expectNothingWritten(): Promise<void> {
  expect([...(await moto.list(OUT)).keys()]).toEqual([]);
  expect(await moto.openUploads(OUT)).toEqual([]);
}

const readZipOf = (file: string) => readZip(fs.readFileSync(file));
const md5 = (data: Buffer) => `"${createHash('md5').update(data).digest('hex')}"`;

describe('the plan (S3 rules that moto does not enforce)', () => {
  test('objects above 5 GB become UploadPartCopy parts within S3\'s limits; 10,000 objects and 1 TB fit the deadline', () => {
    const listing = [
      { name: 'big.bin', size: 6 * 1000 ** 3, etag: '"a"' },
      { name: 'huge.bin', size: 4 * 1024 ** 4, etag: '"b-9"' },
      { name: 'exact.bin', size: 5 * 1000 ** 3, etag: '"c"' },
      { name: 'code/inference.py', size: 10, etag: '"d"' },
    ];
    const plan = planPrefixCopy(listing);
    expect(planViolations(plan)).toEqual([]);
    expect(plan.copies.map((c) => [c.object.name, c.method])).toEqual([['big.bin', 'UploadPartCopy'], ['huge.bin', 'UploadPartCopy'], ['exact.bin', 'CopyObject']]);
    expect(plan.copies[1].parts.length).toBeLessThanOrEqual(10_000);
    expect(plan.replacedCode.map((o) => o.name)).toEqual(['code/inference.py']);

    const terabyte = Array.from({ length: 10_000 }, (_, i) => ({ name: `shard-${i}.bin`, size: 1e8, etag: `"${i}"` }));
    const big = planPrefixCopy(terabyte);
    expect(big.bytes).toBe(1e12);
    expect(planViolations(big)).toEqual([]);
    // 14 min 30 s is what the function has (15 min timeout, 30 s kept back).
    expect(big.estimatedSeconds).toBeLessThan(870);
    expect(big.concurrency).toBe(DEFAULT_COPY_LIMITS.concurrency);
  });

  test('the checker itself rejects a part under 5 MiB, a gap and a short cover', () => {
    const bad = {
      ...planPrefixCopy([{ name: 'x', size: 20 * MiB, etag: '"x"' }], SMALL_LIMITS),
    };
    (bad.copies[0] as any).parts = [{ start: 0, end: MiB }, { start: 2 * MiB, end: 10 * MiB }];
    expect(planViolations(bad, SMALL_LIMITS)).toEqual([
      'x: part 1 has 1048576 bytes', 'x: part 2 starts at 2097152, not 1048576', 'x: parts cover 10485760 of 20971520 bytes',
    ]);
  });
});

describe('inference code into uncompressed model data, against moto\'s S3', () => {
  test('many small objects and one above the (scaled) single-copy limit: a verified server-side copy plus code/', async () => {
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 20; i++) files[`shards/part-${String(i).padStart(3, '0')}.bin`] = randomBytes(1000 + i, i);
    files['model.safetensors'] = randomBytes(11 * MiB, 7);
    await putOriginal(files);
    const before = await moto.list(MODELS);
    const { ops, calls } = recorded(moto.ops);

    const response = await handleEvent(event('Create'), deps({ ops }));
    expect(response.Reason).toBeUndefined();
    expect(response.Status).toBe('SUCCESS');
    const prefix = response.Data!.ArtifactKey;
    expect(prefix).toMatch(new RegExp(`^${PREFIX}[0-9a-f]{32}/model/$`));
    expect(response.PhysicalResourceId).toBe(`s3://${OUT}/${prefix}`);
    expect(response.Data!.Strategy).toBe('copy');

    const copied = await moto.list(OUT, prefix);
    expect([...copied.keys()].map((k) => k.slice(prefix.length)).sort()).toEqual(
      [...Object.keys(files), 'code/inference.py', 'code/lib/helpers.py'].sort());
    for (const [name, body] of Object.entries(files)) {
      expect(copied.get(prefix + name)!.size).toBe(body.length);
    }
    expect((await moto.get(OUT, `${prefix}model.safetensors`)).equals(files['model.safetensors'])).toBe(true);
    expect((await moto.get(OUT, `${prefix}code/inference.py`)).toString()).toBe(INFERENCE);
    // Server side: one CopyObject per small object, UploadPartCopy for the large one, every request ETag-guarded.
    const copies = calls.filter((c) => c.op === 'copyObject');
    const parts = calls.filter((c) => c.op === 'uploadPartCopy');
    expect(copies).toHaveLength(20);
    expect(parts.map((c) => c.input.CopySourceRange)).toEqual(['bytes=0-5767167', 'bytes=5767168-11534335']);
    for (const c of [...copies, ...parts]) {
      expect(c.input.CopySourceIfMatch).toBe(before.get(`${c.input.CopySource.slice(MODELS.length + 1)}`)!.etag);
    }
    // The original is untouched; the manifest sits beside the model data, not in it.
    expect(await moto.list(MODELS)).toEqual(before);
    const manifest = JSON.parse((await moto.get(OUT, prefix.replace(/model\/$/, 'injection.json'))).toString());
    expect(manifest.result).toMatchObject({ objectsCopied: 21, copyObjectRequests: 20, uploadPartCopyRequests: 2, verifiedObjects: 23 });
    expect(await moto.openUploads(OUT)).toEqual([]);

    // The same inputs again: found, nothing written.
    const again = recorded(moto.ops);
    const second = await handleEvent(event('Create'), deps({ ops: again.ops }));
    expect(second.PhysicalResourceId).toBe(response.PhysicalResourceId);
    expect(again.calls).toEqual([]);
  });

  test('code/ objects of the original are replaced, never mixed with the new code', async () => {
    await putOriginal({ 'model.pt': randomBytes(5000, 1), 'code/inference.py': Buffer.from('old\n'), 'code/old_helper.py': Buffer.from('old\n') });
    const response = await handleEvent(event('Create'), deps());
    expect(response.Status).toBe('SUCCESS');
    expect(response.Data!.Reason).toMatch(/the original's 2 code\/ objects replaced/);
    const prefix = response.Data!.ArtifactKey;
    expect([...(await moto.list(OUT, prefix)).keys()].map((k) => k.slice(prefix.length)).sort())
      .toEqual(['code/inference.py', 'code/lib/helpers.py', 'model.pt']);
    expect((await moto.get(OUT, `${prefix}code/inference.py`)).toString()).toBe(INFERENCE);
    expect((await moto.get(MODELS, `${SOURCE_PREFIX}code/inference.py`)).toString()).toBe('old\n');
  });

  test('a source changed during the copy fails the resource, leaving no new object and no open upload', async () => {
    const files = { 'a.bin': randomBytes(3000, 1), 'b.bin': randomBytes(3000, 2), 'large.bin': randomBytes(11 * MiB, 3) };
    await putOriginal(files);
    let overwritten = false;
    const ops: S3Operations = {
      ...moto.ops,
      // Someone overwrites b.bin just before its copy runs (moto ignores x-amz-copy-source-if-match, S3 would answer 412).
      copyObject: async (input, options) => {
        if (input.CopySource!.endsWith('b.bin') && !overwritten) {
          overwritten = true;
          await moto.put(MODELS, `${SOURCE_PREFIX}b.bin`, randomBytes(3000, 99));
        }
        return moto.ops.copyObject(input, options);
      },
    };
    const response = await handleEvent(event('Create'), deps({ ops }));
    expect(overwritten).toBe(true);
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toMatch(/does not match the original: b\.bin was copied with ETag .*, the listing said .*deploy again/);
    await expectNothingWritten();
  });

  test('S3\'s 412 for a changed source (x-amz-copy-source-if-match) says what happened', async () => {
    await putOriginal({ 'a.bin': randomBytes(3000, 1), 'large.bin': randomBytes(11 * MiB, 3) });
    const ops: S3Operations = {
      ...moto.ops,
      uploadPartCopy: async () => { throw Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), { name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } }); },
    };
    const response = await handleEvent(event('Create'), deps({ ops }));
    expect(response.Reason).toMatch(/large\.bin changed during the copy \(its ETag is no longer ".*"\); deploy again/);
    await expectNothingWritten();
  });

  test('a plan that cannot finish before the deadline fails at once, with what to do, before any copy', async () => {
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 50; i++) files[`f${i}`] = randomBytes(100, i);
    await putOriginal(files);
    const { ops, calls } = recorded(moto.ops);
    const started = Date.now();
    const response = await handleEvent(event('Create'), deps({ ops, timeoutMs: 10_000, copyRates: { ...DEFAULT_COPY_RATES, requestMs: 2_000 } }));
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toMatch(/the copy of 50 objects .* needs about \d+ s at the planning rates .* more than the \d+ s this function has left: nothing was written\. Have the training script write code\/inference\.py/);
    expect(calls).toEqual([]);
    expect(Date.now() - started).toBeLessThan(5_000);
    await expectNothingWritten();
  });

  test('the deadline during the copy: running copies are waited for, the upload aborted until no part remains, nothing kept', async () => {
    await putOriginal({ 'a.bin': randomBytes(3000, 1), 'large.bin': randomBytes(11 * MiB, 3) });
    const controller = new AbortController();
    const gated = gatedCopies(moto.ops, 2, controller);
    const code = readZipOf(path.join(work, 'code.zip'));
    await expect(injectIntoPrefix({
      ops: gated.ops, sourceBucket: MODELS, sourcePrefix: SOURCE_PREFIX, outputBucket: OUT, outputPrefix: PREFIX, code,
      limits: SMALL_LIMITS, signal: controller.signal, inFlightCopyWaitMs: 10_000,
      identity: { owner: 'stack|Injection', requestId: 'req', writer: 'w' }, claim: { waitMs: 0 },
    })).rejects.toThrow(/deadline/);
    expect(gated.timeline).toEqual(['abort with 0 copies running']);
    await expectNothingWritten();
  });

  test('Delete removes the copy and its manifest, and nothing else', async () => {
    await putOriginal({ 'model.pt': randomBytes(5000, 1) });
    const created = await handleEvent(event('Create'), deps());
    await moto.put(OUT, `${PREFIX}someone-elses.txt`, Buffer.from('keep'));
    const before = await moto.list(MODELS);
    const deleted = await handleEvent(event('Delete', created.PhysicalResourceId), deps());
    expect(deleted.Status).toBe('SUCCESS');
    expect([...(await moto.list(OUT)).keys()]).toEqual([`${PREFIX}someone-elses.txt`]);
    expect(await moto.list(MODELS)).toEqual(before);
    // Ids it did not write, or a failed Create's marker: nothing deleted.
    for (const id of [`s3://${OUT}/${PREFIX}`, `s3://${OUT}/other/0123456789abcdef0123456789abcdef/model/`, 'failed-create:req-1']) {
      expect((await handleEvent(event('Delete', id), deps())).Status).toBe('SUCCESS');
    }
    expect([...(await moto.list(OUT)).keys()]).toEqual([`${PREFIX}someone-elses.txt`]);
  });

  test('an empty prefix fails with the reason', async () => {
    const response = await handleEvent(event('Create'), deps());
    expect(response.Reason).toMatch(new RegExp(`there are no objects under s3://${MODELS}/jobs/job-1/output/model/: nothing to serve`));
    expect(md5(Buffer.from(''))).toBe('"d41d8cd98f00b204e9800998ecf8427e"');
  });
});

describe('compressed artifacts: the real UploadPartCopy of moto', () => {
  const archive = () => path.join(work, 'large.tar.gz');
  beforeAll(() => {
    // ~10.3 MiB: the part before the cut (over 10 MiB) is one UploadPartCopy.
    makeModelArchive(archive(), { 'model-00001.safetensors': 10 * MiB, 'model-00002.safetensors': 256 * 1024, 'tokenizer.json': '{"vocab": []}' }, { level: 1 });
  });

  test.each(['scan', 'auto'])('%s: copies the head server side and the result is a valid archive with code/', async (strategy) => {
    const original = fs.readFileSync(archive());
    await moto.put(MODELS, 'jobs/large/model.tar.gz', original);
    const { ops, calls } = recorded(moto.ops);
    const props = { SourceKey: 'jobs/large/model.tar.gz', SourcePrefix: undefined as unknown as string, Strategy: strategy };
    const e = event('Create', undefined, props);
    delete (e.ResourceProperties as any).SourcePrefix;
    const response = await handleEvent(e, deps({ ops }));
    expect(response.Reason).toBeUndefined();
    expect(response.Data!.Strategy).toBe('scan');
    expect(calls.filter((c) => c.op === 'uploadPartCopy').length).toBeGreaterThan(0);
    const out = path.join(work, `out-${strategy}.tar.gz`);
    fs.writeFileSync(out, await moto.get(OUT, response.Data!.ArtifactKey));
    expect(checkWithGnuTools(out)).toEqual(expect.arrayContaining(['code/inference.py', 'model-00001.safetensors']));
    const members = tarMembers(out);
    expect(members['code/inference.py']).toBe(sha256(Buffer.from(INFERENCE)));
    expect(tarMembers(archive())['model-00001.safetensors']).toBe(members['model-00001.safetensors']);
    expect(await moto.openUploads(OUT)).toEqual([]);
  });

  test('the writer waits for the UploadPartCopy requests S3 is running before it aborts the upload (deadline path)', async () => {
    // [0, size - 16 MiB) is speculatively copied in 2 parts, both held in flight.
    const size = 34 * MiB;
    const etag = await moto.put(MODELS, 'jobs/big/model.tar.gz', randomBytes(size, 5));
    const source = { bucket: MODELS, key: 'jobs/big/model.tar.gz', size, etag };
    const controller = new AbortController();
    const gated = gatedCopies(moto.ops, 2, controller);
    await expect(writeArtifact({
      ops: gated.ops, source, reader: s3ByteSource(gated.ops, source), destination: { bucket: OUT, key: 'x/model.tar.gz' }, metadata: { writer: 'test' },
      // The engine is still scanning when the deadline comes.
      produce: () => new Promise(() => undefined),
      copyConcurrency: 2, signal: controller.signal, inFlightCopyWaitMs: 10_000,
    })).rejects.toThrow(/deadline/);
    expect(gated.timeline).toEqual(['abort with 0 copies running']);
    expect(await moto.openUploads(OUT)).toEqual([]);
    expect([...(await moto.list(OUT)).keys()]).toEqual([]);
  });

  test('an upload that still holds parts after the abort is aborted again until ListParts shows none', async () => {
    const upload = await moto.ops.createMultipartUpload({ Bucket: OUT, Key: 'late/model.tar.gz' });
    const params = { Bucket: OUT, Key: 'late/model.tar.gz', UploadId: upload.UploadId! };
    await moto.ops.uploadPart({ ...params, PartNumber: 1, Body: randomBytes(1000, 1) });
    const aborts: string[] = [];
    let lists = 0;
    const ops: S3Operations = {
      ...moto.ops,
      abortMultipartUpload: (input, options) => {
        aborts.push(input.UploadId!);
        return moto.ops.abortMultipartUpload(input, options);
      },
      // S3's documented case: a part whose upload was still running when the abort came is listed afterwards.
      listParts: (input, options) => (++lists === 1
        ? Promise.resolve({ Parts: [{ PartNumber: 1, Size: 1000, ETag: '"late"' }], $metadata: {} })
        : moto.ops.listParts(input, options)),
    };
    const messages: string[] = [];
    expect(await abortUploadCompletely(ops, params, (m) => messages.push(m))).toBeUndefined();
    expect(aborts).toEqual([params.UploadId, params.UploadId]);
    expect(messages).toEqual([`multipart upload ${params.UploadId} still holds 1 parts after abort 1: aborting again`]);
    expect(await moto.openUploads(OUT)).toEqual([]);
  });
});
