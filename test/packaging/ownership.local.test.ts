/**
 * Objects are owned (issue 16, defects 13-16), against moto's S3 server (`python3 -m moto.server`, 5.2.1), which
 * implements what these rules rest on: `If-None-Match: *` on PutObject and CompleteMultipartUpload (412 when the key
 * exists) and `If-Match` on DeleteObject (a conditional delete). Where moto does not implement a rule (If-None-Match
 * on CopyObject, which it ignores and overwrites; a 409 ConditionalRequestConflict; a 403 on AbortMultipartUpload),
 * requests go through a proxy in front of moto (helpers/s3-proxy.ts) that adds exactly that behaviour as S3
 * documents it, and the tests check the header on the wire.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { injectCode } from '../../lib/packaging/engine';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { CustomResourceEvent, failedCreateMarker } from '../../lib/common/runtime/custom-resource';
import { codeDigest, readZip } from '../../lib/packaging/runtime/code-archive';
import { artifactMetadata, contentDirectory, legacyContentDirectory } from '../../lib/packaging/runtime/content-key';
import { InjectCodeDependencies, handleEvent } from '../../lib/packaging/runtime/inject-code-event';
import { ownerOf } from '../../lib/packaging/runtime/ownership';
import { prefixCopyDirectory } from '../../lib/packaging/runtime/prefix-copy-plan';
import { S3Operations, sdkS3Operations } from '../../lib/packaging/runtime/s3-operations';
import { MiB } from '../../lib/packaging/runtime/s3-limits';
import { App, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ModelData } from '../../lib/core/model-data';
import { InferenceCode, InferenceCodeInjection } from '../../lib/packaging';
import { checkWithGnuTools, makeModelArchive, sha256, tarMembers, zipDirectory } from './helpers/artifacts';
import { localS3Client } from './helpers/local-s3-client';
import { MotoS3, startMotoS3 } from './helpers/moto-server';
import { S3Proxy, startS3Proxy } from './helpers/s3-proxy';
import { randomBytes } from './helpers/random-bytes';

const STACK = 'arn:aws:cloudformation:eu-west-1:111111111111:stack/S/1';
const PREFIX = 'shared/artifacts/';
const INFERENCE = 'def model_fn(model_dir):\n    return None\n';

let moto: MotoS3;
let proxy: S3Proxy;
/** The injection's S3 calls through the proxy (CopyObject's If-None-Match, injected errors). */
let proxied: S3Operations;
let work: string;
let MODELS = '';
let ASSETS = '';
let OUT = '';
let bucketSet = 0;
const archives: Record<string, Buffer> = {};

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'ownership-'));
  moto = await startMotoS3();
  proxy = await startS3Proxy(moto.endpoint);
  proxied = sdkS3Operations(localS3Client(proxy.endpoint, 'testing'));
  makeModelArchive(path.join(work, 'small.tar.gz'), { 'model.pt': 200_000, 'config.json': '{}' });
  // ~11 MiB: the artifact is written by a multipart upload (CompleteMultipartUpload).
  makeModelArchive(path.join(work, 'large.tar.gz'), { 'model.safetensors': 11 * MiB, 'tokenizer.json': '{}' }, { level: 1 });
  for (const name of ['small', 'large']) archives[name] = fs.readFileSync(path.join(work, `${name}.tar.gz`));
  for (const [name, text] of [['v1', INFERENCE], ['v2', `${INFERENCE}\n# v2\n`]]) {
    fs.mkdirSync(path.join(work, name));
    fs.writeFileSync(path.join(work, name, 'inference.py'), text);
    zipDirectory(path.join(work, name), path.join(work, `${name}.zip`));
  }
}, 60_000);

afterAll(async () => {
  await proxy?.close();
  await moto?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

beforeEach(async () => {
  bucketSet++;
  [MODELS, ASSETS, OUT] = [`models-${bucketSet}`, `assets-${bucketSet}`, `out-${bucketSet}`];
  for (const bucket of [MODELS, ASSETS, OUT]) await moto.createBucket(bucket);
  for (const name of ['small', 'large']) await moto.put(MODELS, `${name}/model.tar.gz`, archives[name]);
  for (const name of ['v1', 'v2']) await moto.put(ASSETS, `${name}.zip`, fs.readFileSync(path.join(work, `${name}.zip`)));
  proxy.errors.length = 0;
  proxy.seen.length = 0;
});

let requests = 0;
function event(type: 'Create' | 'Update' | 'Delete', props: Record<string, string> = {}, extra: Partial<CustomResourceEvent> = {}): CustomResourceEvent {
  return {
    RequestType: type,
    ResponseURL: 'http://127.0.0.1/unused',
    StackId: STACK,
    RequestId: `req-${++requests}`,
    LogicalResourceId: 'Injection',
    ResourceType: 'Custom::InferenceCodeInjection',
    ...extra,
    ResourceProperties: {
      SourceBucket: MODELS, SourceKey: 'small/model.tar.gz', CodeBucket: ASSETS, CodeKey: 'v1.zip', Strategy: 'auto',
      OutputBucket: OUT, OutputPrefix: PREFIX, RemovalPolicy: 'destroy', ...props,
    },
  };
}

/** Every S3 operation the handler called in this file's tests (for the IAM check at the end). */
const operationsUsed = new Set<string>();

/** `ops`, recording the name of every operation called through it. */
function recording(ops: S3Operations): S3Operations {
  const wrapped: Record<string, unknown> = {};
  for (const [name, call] of Object.entries(ops)) {
    wrapped[name] = (...args: unknown[]) => {
      operationsUsed.add(name);
      return (call as (...a: unknown[]) => unknown)(...args);
    };
  }
  return wrapped as unknown as S3Operations;
}

function deps(extra: Partial<InjectCodeDependencies> = {}): InjectCodeDependencies {
  return { injectCode, timeoutMs: 120_000, claimPollMs: 50, ...extra, ops: recording(extra.ops ?? moto.ops) };
}

const keys = async (prefix = '') => [...(await moto.list(OUT, prefix)).keys()].sort();

/** The content directory the handler uses for `event` (the small artifact, code v1, auto unless given). */
async function directoryOf(e: CustomResourceEvent, source = 'small'): Promise<string> {
  const props = e.ResourceProperties as Record<string, string>;
  const head = await moto.ops.headObject({ Bucket: MODELS, Key: `${source}/model.tar.gz` });
  const code = readZip(fs.readFileSync(path.join(work, props.CodeKey.replace('.zip', '') + '.zip')));
  return contentDirectory(PREFIX, { sourceEtag: head.ETag!, sourceSize: head.ContentLength!, codeSha256: codeDigest(code), strategy: props.Strategy }, ownerOf(e));
}

async function expectArtifactWithCode(key: string): Promise<void> {
  const file = path.join(work, `${sha256(Buffer.from(key + Math.random())).slice(0, 12)}.tar.gz`);
  fs.writeFileSync(file, await moto.get(OUT, key));
  expect(checkWithGnuTools(file)).toEqual(expect.arrayContaining(['code/inference.py']));
  expect(tarMembers(file)['code/inference.py']).toBe(sha256(Buffer.from(INFERENCE)));
}

describe('defect 13: resources sharing an outputPrefix never share a key', () => {
  test.each([
    ['another resource of the same stack', { LogicalResourceId: 'OtherInjection' }],
    ['the same resource in another stack', { StackId: 'arn:aws:cloudformation:eu-west-1:111111111111:stack/T/2' }],
  ])('%s with the same inputs gets its own artifact; deleting one leaves the other whole', async (_name, other) => {
    const a = await handleEvent(event('Create'), deps());
    const b = await handleEvent(event('Create', {}, other), deps());
    expect([a.Status, b.Status]).toEqual(['SUCCESS', 'SUCCESS']);
    expect(b.PhysicalResourceId).not.toBe(a.PhysicalResourceId);
    const bDirectory = b.Data!.ArtifactKey.replace(/model\.tar\.gz$/, '');
    const bObjects = await keys(bDirectory);
    expect(bObjects).toEqual([`${bDirectory}claim.json`, `${bDirectory}injection.json`, `${bDirectory}model.tar.gz`]);
    // A's Delete: its own three objects go; B's stay, byte for byte.
    const bBytes = await moto.get(OUT, b.Data!.ArtifactKey);
    expect((await handleEvent(event('Delete', {}, { PhysicalResourceId: a.PhysicalResourceId }), deps())).Status).toBe('SUCCESS');
    expect(await keys()).toEqual(bObjects);
    expect((await moto.get(OUT, b.Data!.ArtifactKey)).equals(bBytes)).toBe(true);
    // B's own Delete, given A's id by mistake, deletes nothing of A's either (A's is gone; nothing of B's goes).
    expect((await handleEvent(event('Delete', {}, { ...other, PhysicalResourceId: a.PhysicalResourceId }), deps())).Status).toBe('SUCCESS');
    expect(await keys()).toEqual(bObjects);
  });

  test('an update with the same inputs keeps the physical id (the owner is stable across requests)', async () => {
    const created = await handleEvent(event('Create'), deps());
    const updated = await handleEvent(event('Update', { RemovalPolicy: 'retain' }, { PhysicalResourceId: created.PhysicalResourceId }), deps());
    expect(updated.PhysicalResourceId).toBe(created.PhysicalResourceId);
  });
});

/** `ops`, and a promise that resolves once its invocation's claim of a content directory is stored. */
function signallingClaim(ops: S3Operations): { ops: S3Operations; claimed: Promise<void> } {
  let resolve!: () => void;
  const claimed = new Promise<void>((r) => (resolve = r));
  return {
    claimed,
    ops: {
      ...ops,
      putObject: async (input, options) => {
        const output = await ops.putObject(input, options);
        if (input.Key!.endsWith('/claim.json')) resolve();
        return output;
      },
    },
  };
}

describe('defect 14: a repeated invocation of the same event is idempotent', () => {
  /** Counts the requests that create the artifact object, by invocation. */
  function counting(ops: S3Operations, counts: { creates: number }, hold?: Promise<void>): S3Operations {
    return {
      ...ops,
      putObject: async (input, options) => {
        if (input.Key!.endsWith('/model.tar.gz')) {
          counts.creates++;
          await hold;
        }
        return ops.putObject(input, options);
      },
      completeMultipartUpload: async (input, options) => {
        counts.creates++;
        await hold;
        return ops.completeMultipartUpload(input, options);
      },
    };
  }

  test.each(['small', 'large'])('two concurrent invocations (%s artifact): one writes, the other waits and answers the same', async (source) => {
    const e = event('Create', { SourceKey: `${source}/model.tar.gz` });
    const directory = await directoryOf(e, source);
    // A creates its artifact only once B has looked at the directory (and found A's claim): the two overlap.
    let bLooked!: () => void;
    const looked = new Promise<void>((resolve) => (bLooked = resolve));
    const a = { creates: 0 };
    const b = { creates: 0 };
    const bOps: S3Operations = {
      ...counting(moto.ops, b),
      listObjectsV2: async (input, options) => {
        const result = await moto.ops.listObjectsV2(input, options);
        if (input.Prefix === directory && result.Contents?.some((item) => item.Key === `${directory}claim.json`)) bLooked();
        return result;
      },
    };
    const aOps = signallingClaim(counting(moto.ops, a, looked));
    const aAnswer = handleEvent(e, deps({ ops: aOps.ops, writerId: 'writer-a' }));
    // B starts once A holds the claim.
    await aOps.claimed;
    const bAnswer = handleEvent(e, deps({ ops: bOps, writerId: 'writer-b' }));
    const [ra, rb] = await Promise.all([aAnswer, bAnswer]);
    expect(ra).toMatchObject({ Status: 'SUCCESS' });
    expect(rb).toEqual(ra);
    expect([a.creates, b.creates]).toEqual([1, 0]);
    expect(await keys(directory)).toEqual([`${directory}claim.json`, `${directory}injection.json`, `${directory}model.tar.gz`]);
    expect((await moto.ops.headObject({ Bucket: OUT, Key: `${directory}model.tar.gz` })).Metadata).toMatchObject({ 'request-id': e.RequestId, writer: 'writer-a' });
    await expectArtifactWithCode(`${directory}model.tar.gz`);
    expect(await moto.openUploads(OUT)).toEqual([]);
  });

  test('the duplicate whose own writes would all fail still answers SUCCESS, and deletes nothing', async () => {
    const e = event('Create');
    const first = await handleEvent(e, deps({ writerId: 'writer-a' }));
    const failing = (name: string) => async () => {
      throw Object.assign(new Error(`${name} refused`), { name: 'InternalError', $metadata: { httpStatusCode: 500 } });
    };
    const refusing: S3Operations = {
      ...moto.ops,
      putObject: failing('PutObject'), completeMultipartUpload: failing('Complete'), deleteObject: failing('DeleteObject'), deleteObjects: failing('DeleteObjects'),
    };
    const again = await handleEvent(e, deps({ ops: refusing, writerId: 'writer-b' }));
    expect(again).toEqual(first);
    await expectArtifactWithCode(first.Data!.ArtifactKey);
  });

  test('the writer fails before its manifest while the duplicate waits: it removes only its own objects, and the duplicate then writes and succeeds', async () => {
    const e = event('Create', { CodeKey: 'v2.zip' });
    const directory = await directoryOf(e);
    let aFailed = false;
    const aOps: S3Operations = {
      ...moto.ops,
      putObject: async (input, options) => {
        if (input.Key!.endsWith('injection.json')) {
          // B is waiting by then: A's manifest is refused, so A must clean up what it wrote, and only that.
          await waiting;
          aFailed = true;
          throw Object.assign(new Error('We encountered an internal error.'), { name: 'InternalError', $metadata: { httpStatusCode: 500 } });
        }
        return moto.ops.putObject(input, options);
      },
    };
    let bWaiting!: () => void;
    const waiting = new Promise<void>((resolve) => (bWaiting = resolve));
    const signalling = signallingClaim(aOps);
    const aAnswer = handleEvent(e, deps({ ops: signalling.ops, writerId: 'writer-a' }));
    await signalling.claimed;
    const bAnswer = handleEvent(e, deps({ writerId: 'writer-b', log: (m) => { if (m.startsWith('waiting for')) bWaiting(); } }));
    const [ra, rb] = await Promise.all([aAnswer, bAnswer]);
    expect(aFailed).toBe(true);
    expect(ra).toMatchObject({ Status: 'FAILED', PhysicalResourceId: failedCreateMarker(e) });
    expect(rb).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: `s3://${OUT}/${directory}model.tar.gz` });
    expect((await moto.ops.headObject({ Bucket: OUT, Key: `${directory}model.tar.gz` })).Metadata).toMatchObject({ writer: 'writer-b' });
    expect(await keys(directory)).toEqual([`${directory}claim.json`, `${directory}injection.json`, `${directory}model.tar.gz`]);
  });

  test('the claim its holder releases between the duplicate\'s listing and its read: the duplicate looks again, claims and succeeds', async () => {
    // Found by running the test above under load: B listed A's claim, A removed it (failing), B's GetObject met a 404
    // and B failed with "The specified key does not exist.". Here the release happens for real, at that exact moment.
    const e = event('Create', { CodeKey: 'v2.zip' });
    const directory = await directoryOf(e);
    await moto.ops.putObject({
      Bucket: OUT, Key: `${directory}claim.json`, Body: '{}',
      Metadata: { 'owner': ownerOf(e), 'request-id': e.RequestId, 'writer': 'writer-a' },
    });
    let released = false;
    const bOps: S3Operations = {
      ...moto.ops,
      getObject: async (input, options) => {
        if (!released && input.Key === `${directory}claim.json`) {
          released = true;
          await moto.ops.deleteObject({ Bucket: OUT, Key: input.Key });   // the holder's cleanup, after B's listing
        }
        return moto.ops.getObject(input, options);
      },
    };
    const answer = await handleEvent(e, deps({ ops: bOps, writerId: 'writer-b' }));
    expect(released).toBe(true);
    expect(answer).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: `s3://${OUT}/${directory}model.tar.gz` });
    expect((await moto.ops.headObject({ Bucket: OUT, Key: `${directory}model.tar.gz` })).Metadata).toMatchObject({ writer: 'writer-b' });
  });

  test('a later request of the same resource with the same inputs (a retried deployment) reuses the artifact', async () => {
    const first = await handleEvent(event('Create'), deps());
    const counts = { creates: 0 };
    const again = await handleEvent(event('Update', {}, { PhysicalResourceId: first.PhysicalResourceId }), deps({ ops: counting(moto.ops, counts) }));
    expect([again.PhysicalResourceId, again.Data, counts.creates]).toEqual([first.PhysicalResourceId, first.Data, 0]);
  });
});

describe('defect 15: never overwrite an object it did not write', () => {
  test.each([
    ['PutObject', 'small'],
    ['CompleteMultipartUpload', 'large'],
  ])('an object planted at the artifact key (%s path): FAILED naming it, the object unchanged, nothing of this request left', async (_path, source) => {
    const e = event('Create', { SourceKey: `${source}/model.tar.gz` });
    const directory = await directoryOf(e, source);
    await moto.put(OUT, `${directory}model.tar.gz`, Buffer.from('a user\'s own object\n'));
    const answer = await handleEvent(e, deps());
    expect(answer.Status).toBe('FAILED');
    expect(answer.Reason).toBe(
      `s3://${OUT}/${directory}model.tar.gz already exists and was not written by this resource (its metadata names no writer this injection records ` +
        '(another tool, a person, or a version before 0.2.0)): the injection never overwrites or deletes an object it did not write; ' +
        'delete that object if nothing needs it, or give the construct another outputPrefix (or outputBucket)',
    );
    expect(answer.PhysicalResourceId).toBe(failedCreateMarker(e));
    expect((await moto.get(OUT, `${directory}model.tar.gz`)).toString()).toBe('a user\'s own object\n');
    expect(await keys()).toEqual([`${directory}model.tar.gz`]);
    expect(await moto.openUploads(OUT)).toEqual([]);
    // The rollback's Delete (the failed Create's marker) deletes nothing either.
    expect((await handleEvent(event('Delete', {}, { PhysicalResourceId: answer.PhysicalResourceId }), deps())).Status).toBe('SUCCESS');
    expect(await keys()).toEqual([`${directory}model.tar.gz`]);
  });

  test.each([
    ['PutObject', 'small'],
    ['CompleteMultipartUpload', 'large'],
  ])('an object written at the artifact key by someone else while this request runs (%s): S3 refuses the overwrite (412), FAILED naming it, the object unchanged', async (_path, source) => {
    const e = event('Create', { SourceKey: `${source}/model.tar.gz` });
    const directory = await directoryOf(e, source);
    // The directory is empty when it is claimed: the object appears between the claim and the write, where only the
    // condition on the write itself protects it.
    const signalling = signallingClaim(moto.ops);
    const planted = signalling.claimed.then(() => moto.put(OUT, `${directory}model.tar.gz`, Buffer.from('written meanwhile\n')));
    const held: S3Operations = {
      ...signalling.ops,
      putObject: async (input, options) => {
        if (input.Key!.endsWith('/model.tar.gz')) await planted;
        return signalling.ops.putObject(input, options);
      },
      completeMultipartUpload: async (input, options) => {
        await planted;
        return signalling.ops.completeMultipartUpload(input, options);
      },
    };
    const answer = await handleEvent(e, deps({ ops: held }));
    expect(answer.Status).toBe('FAILED');
    expect(answer.Reason).toMatch(new RegExp(`^s3://${OUT}/${directory}model\\.tar\\.gz already exists and was not written by this resource`));
    expect((await moto.get(OUT, `${directory}model.tar.gz`)).toString()).toBe('written meanwhile\n');
    expect(await keys()).toEqual([`${directory}model.tar.gz`]);
    expect(await moto.openUploads(OUT)).toEqual([]);
  });

  test('another resource\'s claim at the key: FAILED naming that resource, nothing written', async () => {
    const e = event('Create');
    const directory = await directoryOf(e);
    await moto.client.send(new PutObjectCommand({
      Bucket: OUT, Key: `${directory}claim.json`, Body: '{}', Metadata: { owner: `${STACK}|Elsewhere`, 'request-id': 'r', writer: 'w' },
    }));
    const answer = await handleEvent(e, deps());
    expect(answer.Reason).toMatch(new RegExp(`^s3://${OUT}/${directory}claim\\.json already exists and was not written by this resource \\(its metadata names resource ${STACK} Elsewhere \\(request r\\)\\)`));
    expect(await keys()).toEqual([`${directory}claim.json`]);
  });

  test('a Delete keeps an object someone else wrote over the artifact, and removes only this resource\'s manifest and claim', async () => {
    const created = await handleEvent(event('Create'), deps());
    const key = created.Data!.ArtifactKey;
    await moto.put(OUT, key, Buffer.from('replaced by a person\n'));
    const deleted = await handleEvent(event('Delete', {}, { PhysicalResourceId: created.PhysicalResourceId }), deps());
    expect(deleted.Status).toBe('SUCCESS');
    expect(await keys()).toEqual([key]);
    expect((await moto.get(OUT, key)).toString()).toBe('replaced by a person\n');
  });

  test('the conditional requests on the wire: If-None-Match: * on every create, If-Match on every delete', async () => {
    const created = await handleEvent(event('Create', { SourceKey: 'large/model.tar.gz' }), deps({ ops: proxied }));
    await handleEvent(event('Delete', { SourceKey: 'large/model.tar.gz' }, { PhysicalResourceId: created.PhysicalResourceId }), deps({ ops: proxied }));
    const creates = proxy.seen.filter((r) => (r.method === 'PUT' && !r.url.includes('partNumber=')) || (r.method === 'POST' && r.url.includes('uploadId=')));
    expect(creates.map((r) => r.url.split('?')[0].split('/').pop())).toEqual(['claim.json', 'model.tar.gz', 'injection.json']);
    for (const r of creates) expect(r.headers['if-none-match']).toBe('*');
    const deletes = proxy.seen.filter((r) => r.method === 'DELETE' && !r.url.includes('uploadId='));
    expect(deletes.map((r) => r.url.split('?')[0].split('/').pop())).toEqual(['injection.json', 'model.tar.gz', 'claim.json']);
    for (const r of deletes) expect(r.headers['if-match']).toMatch(/^"[0-9a-f-]+"$/);
  });
});

describe('409 ConditionalRequestConflict: the whole upload is retried', () => {
  test.each([
    ['PutObject', 'small', (r: { method: string; url: string }) => r.method === 'PUT' && r.url.split('?')[0].endsWith('/model.tar.gz')],
    ['CompleteMultipartUpload', 'large', (r: { method: string; url: string }) => r.method === 'POST' && r.url.includes('/model.tar.gz?uploadId=')],
  ])('a 409 on %s, once: written again, SUCCESS, one object', async (_name, source, when) => {
    proxy.errors.push({ when, status: 409, code: 'ConditionalRequestConflict', message: 'A conflicting conditional operation is currently in progress against this resource.', times: 1 });
    const messages: string[] = [];
    const answer = await handleEvent(event('Create', { SourceKey: `${source}/model.tar.gz` }), deps({ ops: proxied, log: (m) => messages.push(m) }));
    expect(answer.Status).toBe('SUCCESS');
    expect(messages).toEqual(expect.arrayContaining([expect.stringMatching(/\(409 ConditionalRequestConflict\): writing it again \(round 2\)$/)]));
    expect(proxy.seen.filter((r) => when(r))).toHaveLength(2);
    await expectArtifactWithCode(answer.Data!.ArtifactKey);
    expect(await moto.openUploads(OUT)).toEqual([]);
  });
});

describe('defect 16: an upload that cannot be aborted is named in the reason', () => {
  test('AbortMultipartUpload answers 403: FAILED with the engine\'s reason, then the upload id, the key and what to do', async () => {
    await moto.put(MODELS, 'garbage/model.tar.gz', randomBytes(40 * MiB, 3));
    proxy.errors.push({ when: (r) => r.method === 'DELETE' && r.url.includes('uploadId='), status: 403, code: 'AccessDenied', message: 'Access Denied' });
    const answer = await handleEvent(event('Create', { SourceKey: 'garbage/model.tar.gz', Strategy: 'stream' }), deps({ ops: proxied }));
    const [open] = await moto.openUploads(OUT);
    expect(open).toBeDefined();
    const [key, uploadId] = open.split(' ');
    expect(answer.Status).toBe('FAILED');
    expect(answer.Reason).toMatch(/^not a gzip or tar file/);
    expect(answer.Reason).toContain(
      `; and multipart upload ${uploadId} of s3://${OUT}/${key} is still open (AbortMultipartUpload failed: AccessDenied, HTTP 403): its parts are billed until it is aborted ` +
        `(aws s3api abort-multipart-upload --bucket ${OUT} --key ${key} --upload-id ${uploadId}) or the bucket's AbortIncompleteMultipartUpload lifecycle rule removes it`,
    );
    // What the reason says is true: the upload is open; the claim was removed.
    expect(await keys()).toEqual([]);
    await moto.ops.abortMultipartUpload({ Bucket: OUT, Key: key, UploadId: uploadId });
  });
});

describe('updates, reverts and deletes', () => {
  test('an update to new code and back: the revert writes the earlier key again, each Delete removes only its own', async () => {
    const v1 = await handleEvent(event('Create'), deps());
    const v2 = await handleEvent(event('Update', { CodeKey: 'v2.zip' }, { PhysicalResourceId: v1.PhysicalResourceId }), deps());
    expect(v2.PhysicalResourceId).not.toBe(v1.PhysicalResourceId);
    // CloudFormation's cleanup of the update: Delete of v1's id, with v1's properties.
    await handleEvent(event('Delete', {}, { PhysicalResourceId: v1.PhysicalResourceId }), deps());
    const back = await handleEvent(event('Update', {}, { PhysicalResourceId: v2.PhysicalResourceId }), deps());
    expect(back).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: v1.PhysicalResourceId });
    await handleEvent(event('Delete', { CodeKey: 'v2.zip' }, { PhysicalResourceId: v2.PhysicalResourceId }), deps());
    const directory = v1.Data!.ArtifactKey.replace(/model\.tar\.gz$/, '');
    expect(await keys()).toEqual([`${directory}claim.json`, `${directory}injection.json`, `${directory}model.tar.gz`]);
    await expectArtifactWithCode(v1.Data!.ArtifactKey);
  });

  test('a rollback to the earlier code before the cleanup: the earlier artifact is reused, the rolled-back one deleted', async () => {
    const v1 = await handleEvent(event('Create'), deps());
    const v2 = await handleEvent(event('Update', { CodeKey: 'v2.zip' }, { PhysicalResourceId: v1.PhysicalResourceId }), deps());
    const rolledBack = await handleEvent(event('Update', {}, { PhysicalResourceId: v2.PhysicalResourceId }), deps());
    expect(rolledBack.PhysicalResourceId).toBe(v1.PhysicalResourceId);
    await handleEvent(event('Delete', { CodeKey: 'v2.zip' }, { PhysicalResourceId: v2.PhysicalResourceId }), deps());
    expect((await keys()).every((key) => key.startsWith(v1.Data!.ArtifactKey.replace(/model\.tar\.gz$/, '')))).toBe(true);
    await expectArtifactWithCode(v1.Data!.ArtifactKey);
  });

  test('an artifact written before 0.2.0 (no owner, at the key that version derived from its metadata) is still deleted', async () => {
    const head = await moto.ops.headObject({ Bucket: MODELS, Key: 'small/model.tar.gz' });
    const inputs = { sourceEtag: head.ETag!, sourceSize: head.ContentLength!, codeSha256: codeDigest(readZip(fs.readFileSync(path.join(work, 'v1.zip')))), strategy: 'auto' };
    const legacy = legacyContentDirectory(PREFIX, inputs);
    await moto.client.send(new PutObjectCommand({ Bucket: OUT, Key: `${legacy}model.tar.gz`, Body: archives.small, Metadata: artifactMetadata(inputs) }));
    await moto.put(OUT, `${legacy}injection.json`, Buffer.from('{}'));
    // The same object at a key that is not its own legacy key stays (it could be anyone's).
    const elsewhere = `${PREFIX}0123456789abcdef0123456789abcdef/`;
    await moto.client.send(new PutObjectCommand({ Bucket: OUT, Key: `${elsewhere}model.tar.gz`, Body: archives.small, Metadata: artifactMetadata(inputs) }));
    for (const directory of [legacy, elsewhere]) {
      expect((await handleEvent(event('Delete', {}, { PhysicalResourceId: `s3://${OUT}/${directory}model.tar.gz` }), deps())).Status).toBe('SUCCESS');
    }
    expect(await keys()).toEqual([`${elsewhere}model.tar.gz`]);
  });
});

describe('uncompressed model data (the prefix copy) gets the same rules', () => {
  const SOURCE_PREFIX = 'job/output/model/';
  const prefixEvent = (type: 'Create' | 'Delete' = 'Create', extra: Partial<CustomResourceEvent> = {}) => {
    const e = event(type, {}, extra);
    const props = { ...e.ResourceProperties } as Record<string, string>;
    delete props.SourceKey;
    return { ...e, ResourceProperties: { ...props, SourcePrefix: SOURCE_PREFIX } };
  };
  async function putModel(): Promise<Array<{ name: string; size: number; etag: string }>> {
    const listing = [];
    for (const [name, size] of [['model.pt', 3000], ['shards/a.bin', 2000], ['large.bin', 7 * MiB]] as const) {
      listing.push({ name, size, etag: await moto.put(MODELS, SOURCE_PREFIX + name, randomBytes(size, size)) });
    }
    return listing;
  }
  const limits = { singleCopyLimit: 6 * MiB, partSize: 5 * MiB, concurrency: 4 };
  const copyDeps = (extra: Partial<InjectCodeDependencies> = {}) => deps({ ops: proxied, copyLimits: limits, inFlightCopyWaitMs: 2_000, ...extra });

  test('copies carry the writer and are created with If-None-Match: *; two resources on one prefix get two copies', async () => {
    await putModel();
    const a = await handleEvent(prefixEvent(), copyDeps());
    const b = await handleEvent(prefixEvent('Create', { LogicalResourceId: 'Other' }), copyDeps());
    expect([a.Status, b.Status]).toEqual(['SUCCESS', 'SUCCESS']);
    expect(b.PhysicalResourceId).not.toBe(a.PhysicalResourceId);
    const copies = proxy.seen.filter((r) => r.method === 'PUT' && r.headers['x-amz-copy-source'] && !r.url.includes('partNumber='));
    expect(copies.length).toBe(4);
    for (const r of copies) expect([r.headers['if-none-match'], r.headers['x-amz-metadata-directive']]).toEqual(['*', 'REPLACE']);
    const modelPrefix = a.Data!.ArtifactKey;
    expect((await moto.ops.headObject({ Bucket: OUT, Key: `${modelPrefix}model.pt` })).Metadata).toMatchObject({ owner: `${STACK}|Injection` });
    const bKeys = await keys(b.Data!.ArtifactKey.replace(/model\/$/, ''));
    await handleEvent(prefixEvent('Delete', { PhysicalResourceId: a.PhysicalResourceId }), copyDeps());
    expect(await keys()).toEqual(bKeys);
  });

  test.each([
    ['a copied object (CopyObject)', 'model.pt'],
    ['a code file (PutObject)', 'code/inference.py'],
    ['a multipart copy (CompleteMultipartUpload)', 'large.bin'],
  ])('an object planted where %s goes: FAILED naming it, the object unchanged, every object this request wrote removed', async (_name, planted) => {
    const listing = await putModel();
    const e = prefixEvent();
    const code = readZip(fs.readFileSync(path.join(work, 'v1.zip')));
    const directory = prefixCopyDirectory(PREFIX, listing, codeDigest(code), ownerOf(e));
    await moto.put(OUT, `${directory}model/${planted}`, Buffer.from('planted\n'));
    const answer = await handleEvent(e, copyDeps());
    expect(answer.Status).toBe('FAILED');
    expect(answer.Reason).toMatch(new RegExp(`^s3://${OUT}/${directory}model/${planted} already exists and was not written by this resource`));
    expect((await moto.get(OUT, `${directory}model/${planted}`)).toString()).toBe('planted\n');
    expect(await keys()).toEqual([`${directory}model/${planted}`]);
    expect(await moto.openUploads(OUT)).toEqual([]);
  });

  test.each([
    ['a copied object (CopyObject, through the proxy: moto ignores If-None-Match there)', 'model.pt'],
    ['a code file (PutObject)', 'code/inference.py'],
    ['a multipart copy (CompleteMultipartUpload)', 'large.bin'],
  ])('an object written where %s goes while the copy runs: S3 refuses the overwrite (412), FAILED naming it, the object unchanged', async (_name, planted) => {
    const listing = await putModel();
    const e = prefixEvent();
    const directory = prefixCopyDirectory(PREFIX, listing, codeDigest(readZip(fs.readFileSync(path.join(work, 'v1.zip')))), ownerOf(e));
    // Written between the claim (of an empty directory) and the copy: only the condition on the write protects it.
    const signalling = signallingClaim(proxied);
    const written = signalling.claimed.then(() => moto.put(OUT, `${directory}model/${planted}`, Buffer.from('written meanwhile\n')));
    const held = (op: 'copyObject' | 'putObject' | 'completeMultipartUpload') => async (input: any, options: any) => {
      if (!String(input.Key).endsWith('/claim.json')) await written;
      return (signalling.ops[op] as any)(input, options);
    };
    const ops: S3Operations = { ...signalling.ops, copyObject: held('copyObject'), putObject: held('putObject'), completeMultipartUpload: held('completeMultipartUpload') };
    const answer = await handleEvent(e, copyDeps({ ops }));
    expect(answer.Status).toBe('FAILED');
    expect(answer.Reason).toMatch(new RegExp(`^s3://${OUT}/${directory}model/${planted} already exists and was not written by this resource`));
    expect((await moto.get(OUT, `${directory}model/${planted}`)).toString()).toBe('written meanwhile\n');
    expect(await keys()).toEqual([`${directory}model/${planted}`]);
    expect(await moto.openUploads(OUT)).toEqual([]);
  });

  test('two concurrent invocations of the same event: one copies, the other answers the same', async () => {
    await putModel();
    const e = prefixEvent();
    const [a, b] = await Promise.all([handleEvent(e, copyDeps({ writerId: 'a' })), handleEvent(e, copyDeps({ writerId: 'b' }))]);
    expect(a).toMatchObject({ Status: 'SUCCESS' });
    expect(b).toEqual(a);
    const copies = proxy.seen.filter((r) => r.method === 'PUT' && r.headers['x-amz-copy-source'] && !r.url.includes('partNumber='));
    expect(copies).toHaveLength(2);
  });
});

/**
 * The IAM actions each S3 operation needs on the output side (S3 API reference, "Permissions" of each operation;
 * a conditional write needs nothing more than s3:PutObject; a conditional delete with an ETag needs s3:GetObject as
 * well as s3:DeleteObject, "Enforce conditional deletes on Amazon S3 buckets"; HeadObject is s3:GetObject).
 */
const ACTIONS_OF: Record<string, string[]> = {
  listObjectsV2: ['s3:ListBucket'],
  headObject: ['s3:GetObject'],
  getObject: ['s3:GetObject'],
  putObject: ['s3:PutObject'],
  createMultipartUpload: ['s3:PutObject'],
  uploadPart: ['s3:PutObject'],
  uploadPartCopy: ['s3:PutObject'],
  completeMultipartUpload: ['s3:PutObject'],
  copyObject: ['s3:PutObject'],
  deleteObject: ['s3:DeleteObject', 's3:GetObject'],
  deleteObjects: ['s3:DeleteObject'],
  abortMultipartUpload: ['s3:AbortMultipartUpload'],
  listParts: ['s3:ListMultipartUploadParts'],
};

describe('IAM (runs last: it reads what the tests above did)', () => {
  test('the function\'s grants on the output bucket are exactly the actions the requests above needed there', () => {
    const stack = new Stack(new App(), 'Iam');
    const out = new s3.Bucket(stack, 'Out');
    const codeDir = path.join(work, 'v1');
    new InferenceCodeInjection(stack, 'Injection', {
      modelData: ModelData.fromBucket(s3.Bucket.fromBucketName(stack, 'In', 'training-output'), 'model.tar.gz'),
      inferenceCode: InferenceCode.fromDirectory(codeDir),
      outputBucket: out,
      outputPrefix: PREFIX,
    });
    const statements: Array<{ Action: string | string[]; Resource: unknown }> = stack.resolve(
      (stack.node.findChild('Injection').node.findChild('Policy') as unknown as { document: { toJSON(): unknown } }).document.toJSON(),
    ).Statement;
    const onOutput = statements.filter((statement) => JSON.stringify(statement.Resource).includes(stack.resolve(out.bucketArn)['Fn::GetAtt'][0]));
    const granted = new Set(onOutput.flatMap((statement) => [statement.Action].flat()));
    const needed = new Set([...operationsUsed].flatMap((name) => ACTIONS_OF[name] ?? [`${name}: an operation with no known action`]));
    // Every operation of the runtime was exercised (so "needed" is complete), and every grant is needed.
    expect([...operationsUsed].sort()).toEqual(Object.keys(ACTIONS_OF).filter((name) => name !== 'deleteObjects').sort());
    expect([...granted].sort()).toEqual([...needed].sort());
  });
});
