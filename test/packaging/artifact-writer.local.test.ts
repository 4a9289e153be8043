import { UploadPartCopyCommandInput } from '@aws-sdk/client-s3';
import type { OutputSegment } from '../../lib/packaging/engine/types';
import { writeArtifact, WriteArtifactOptions } from '../../lib/packaging/runtime/artifact-writer';
import { s3ByteSource, SourceObject } from '../../lib/packaging/runtime/s3-byte-source';
import { MiB, S3_MIN_PART_SIZE } from '../../lib/packaging/runtime/s3-limits';
import { S3Operations } from '../../lib/packaging/runtime/s3-operations';
import { withEmulatedUploadPartCopy } from './helpers/copy-emulation';
import { randomBytes } from './helpers/random-bytes';
import { LocalS3, startLocalS3 } from './helpers/s3-server';

const BUCKET = 'artifacts';
let s3: LocalS3;

beforeAll(async () => {
  s3 = await startLocalS3();
  await s3.createBucket(BUCKET);
});
afterAll(async () => s3.close());

async function putSource(key: string, size: number, seed: number): Promise<{ source: SourceObject; bytes: Buffer }> {
  const bytes = randomBytes(size, seed);
  const etag = await s3.put(BUCKET, key, bytes);
  return { source: { bucket: BUCKET, key, size, etag }, bytes };
}

async function* segments(list: OutputSegment[]): AsyncIterable<OutputSegment> {
  for (const segment of list) yield segment;
}

/** The scan/tail shape: the original up to the cut, then the new tail. */
function tailPatch(cut: number, tail: Uint8Array): OutputSegment[] {
  return [
    { kind: 'copy', start: 0, end: cut },
    { kind: 'data', bytes: tail },
  ];
}

function run(source: SourceObject, key: string, list: OutputSegment[], extra: Partial<WriteArtifactOptions> = {}, ops: S3Operations = s3.ops) {
  return writeArtifact({
    ops,
    source,
    reader: s3ByteSource(ops, source),
    destination: { bucket: BUCKET, key },
    metadata: { 'code-sha256': 'abc' },
    produce: async () => segments(list),
    ...extra,
  });
}

/** S3's rules: every part but the last at least 5 MiB. */
function expectValidPartSizes(sizes: number[]) {
  sizes.slice(0, -1).forEach((size) => expect(size).toBeGreaterThanOrEqual(S3_MIN_PART_SIZE));
}

test('a small artifact is rewritten whole with one PutObject', async () => {
  const { source, bytes } = await putSource('small/model.tar.gz', 3 * MiB, 1);
  const tail = randomBytes(20_000, 2);
  const result = await run(source, 'out/small.tar.gz', tailPatch(3 * MiB - 5000, tail));
  expect(result.method).toBe('PutObject');
  const written = await s3.get(BUCKET, 'out/small.tar.gz');
  expect(written!.equals(Buffer.concat([bytes.subarray(0, 3 * MiB - 5000), tail]))).toBe(true);
  expect((await s3.head(BUCKET, 'out/small.tar.gz'))!.metadata['code-sha256']).toBe('abc');
  expect(s3.openUploads(BUCKET)).toEqual([]);
});

test('a large artifact becomes a multipart upload; without UploadPartCopy the copy is streamed through', async () => {
  const size = 40 * MiB;
  const { source, bytes } = await putSource('large/model.tar.gz', size, 3);
  const tail = randomBytes(30_000, 4);
  const cut = size - 70_000;
  const result = await run(source, 'out/large.tar.gz', tailPatch(cut, tail));
  expect(result.method).toBe('MultipartUpload');
  const written = await s3.get(BUCKET, 'out/large.tar.gz');
  expect(written!.equals(Buffer.concat([bytes.subarray(0, cut), tail]))).toBe(true);
  // The speculative parts [0, 24 MiB) were kept and [24 MiB, cut) added; the store has no UploadPartCopy, so
  // they were streamed through.
  expect(result.speculativePartsDiscarded).toBe(0);
  expect(result.parts.map((p) => p.kind)).toEqual(['copy-through', 'copy-through', 'copy-through', 'upload']);
  expect(result.parts[2].range).toEqual({ start: 24 * MiB, end: cut });
  expect(result.bytesCopiedThrough).toBe(cut);
  expect(result.bytesUploaded).toBe(tail.length);
  expect(result.parts.map((p) => p.partNumber)).toEqual([1, 2, 3, 4]);
  expectValidPartSizes(result.parts.map((p) => p.size));
  expect(s3.openUploads(BUCKET)).toEqual([]);
  // The original is untouched.
  expect((await s3.head(BUCKET, source.key))!.etag).toBe(source.etag);
});

test('copy parts use UploadPartCopy with the source range and its ETag as precondition', async () => {
  const size = 60 * MiB;
  const { source, bytes } = await putSource('copy/model.tar.gz', size, 5);
  const calls: UploadPartCopyCommandInput[] = [];
  const ops = withEmulatedUploadPartCopy(s3.ops, calls);
  const tail = randomBytes(12_345, 6);
  const cut = size - 2 * MiB - 17;
  const result = await run(source, 'out/copy.tar.gz', tailPatch(cut, tail), {}, ops);
  const written = await s3.get(BUCKET, 'out/copy.tar.gz');
  expect(written!.equals(Buffer.concat([bytes.subarray(0, cut), tail]))).toBe(true);
  // Speculative [0, 44 MiB) in 3 parts, then [44 MiB, cut) (14 MiB) as one more copy part, then the tail.
  expect(calls.map((c) => c.CopySourceRange)).toEqual([
    `bytes=0-${Math.ceil((44 * MiB) / 3) - 1}`,
    `bytes=${Math.ceil((44 * MiB) / 3)}-${2 * Math.ceil((44 * MiB) / 3) - 1}`,
    `bytes=${2 * Math.ceil((44 * MiB) / 3)}-${44 * MiB - 1}`,
    `bytes=${44 * MiB}-${cut - 1}`,
  ]);
  expect(new Set(calls.map((c) => c.CopySource))).toEqual(new Set([`${BUCKET}/copy/model.tar.gz`]));
  expect(new Set(calls.map((c) => c.CopySourceIfMatch))).toEqual(new Set([source.etag]));
  expect(calls.map((c) => c.PartNumber)).toEqual([1, 2, 3, 4]);
  expect(result.parts.map((p) => [p.partNumber, p.kind])).toEqual([[1, 'copy'], [2, 'copy'], [3, 'copy'], [4, 'copy'], [5, 'upload']]);
  expect(result.bytesCopiedServerSide).toBe(cut);
  expect(result.bytesUploaded).toBe(tail.length);
});

test('a cut before the end of the speculative copy discards the parts past it and re-plans that stretch', async () => {
  const size = 40 * MiB;
  const { source, bytes } = await putSource('early/model.tar.gz', size, 7);
  const calls: UploadPartCopyCommandInput[] = [];
  const ops = withEmulatedUploadPartCopy(s3.ops, calls);
  const tail = randomBytes(50_000, 8);
  // Speculative parts are [0, 12 MiB) and [12, 24 MiB); a cut at 18 MiB keeps only the first.
  const cut = 18 * MiB + 3;
  const result = await run(source, 'out/early.tar.gz', tailPatch(cut, tail), {}, ops);
  const written = await s3.get(BUCKET, 'out/early.tar.gz');
  expect(written!.equals(Buffer.concat([bytes.subarray(0, cut), tail]))).toBe(true);
  expect(result.speculativePartsDiscarded).toBe(1);
  // [12 MiB, cut) is too short for a copy part: it is read and sent with the tail as the last part.
  expect(result.parts.map((p) => [p.partNumber, p.kind, p.size])).toEqual([
    [1, 'copy', 12 * MiB],
    [2, 'upload', cut - 12 * MiB + tail.length],
  ]);
  expect(s3.openUploads(BUCKET)).toEqual([]);
});

test('a cut inside the first speculative part keeps none of them', async () => {
  const size = 40 * MiB;
  const { source, bytes } = await putSource('first/model.tar.gz', size, 9);
  const tail = randomBytes(1000, 10);
  const cut = 4 * MiB;
  const result = await run(source, 'out/first.tar.gz', tailPatch(cut, tail), {}, withEmulatedUploadPartCopy(s3.ops));
  expect(result.speculativePartsDiscarded).toBe(2);
  expect(result.method).toBe('PutObject');
  expect((await s3.get(BUCKET, 'out/first.tar.gz'))!.equals(Buffer.concat([bytes.subarray(0, cut), tail]))).toBe(true);
  // The upload the speculative copies had started is aborted.
  expect(s3.openUploads(BUCKET)).toEqual([]);
});

test('streamed output (data segments only) is uploaded in parts as it comes', async () => {
  const size = 40 * MiB;
  const { source } = await putSource('stream/model.tar.gz', size, 11);
  const output = randomBytes(41 * MiB + 77, 12);
  const list: OutputSegment[] = [];
  for (let offset = 0; offset < output.length; offset += 3 * MiB + 1) {
    list.push({ kind: 'data', bytes: output.subarray(offset, Math.min(output.length, offset + 3 * MiB + 1)) });
  }
  const result = await run(source, 'out/stream.tar.gz', list);
  expect((await s3.get(BUCKET, 'out/stream.tar.gz'))!.equals(output)).toBe(true);
  expect(result.parts.map((p) => [p.partNumber, p.kind, p.size])).toEqual([
    [1, 'upload', 16 * MiB],
    [2, 'upload', 16 * MiB],
    [3, 'upload', output.length - 32 * MiB],
  ]);
  expect(result.speculativePartsDiscarded).toBe(2);
  expect(s3.openUploads(BUCKET)).toEqual([]);
});

test('data before a copy is topped up to 5 MiB from the copy range, so every part but the last is large enough', async () => {
  const size = 30 * MiB;
  const { source, bytes } = await putSource('mixed/model.tar.gz', size, 13);
  const head = randomBytes(1000, 14);
  const tail = randomBytes(2000, 15);
  const list: OutputSegment[] = [
    { kind: 'data', bytes: head },
    { kind: 'copy', start: 0, end: 25 * MiB },
    { kind: 'data', bytes: tail },
  ];
  const result = await run(source, 'out/mixed.tar.gz', list, { speculate: false }, withEmulatedUploadPartCopy(s3.ops));
  expect((await s3.get(BUCKET, 'out/mixed.tar.gz'))!.equals(Buffer.concat([head, bytes.subarray(0, 25 * MiB), tail]))).toBe(true);
  expectValidPartSizes(result.parts.map((p) => p.size));
  expect(result.parts[0]).toMatchObject({ kind: 'upload', size: S3_MIN_PART_SIZE });
  expect(result.parts[1]).toMatchObject({ kind: 'copy', range: { start: S3_MIN_PART_SIZE - 1000 } });
  expect(result.parts[result.parts.length - 2].range!.end).toBe(25 * MiB);
  expect(result.parts[result.parts.length - 1]).toMatchObject({ kind: 'upload', size: tail.length });
});

test('a failing engine aborts the multipart upload and leaves the original as it was', async () => {
  const size = 40 * MiB;
  const { source, bytes } = await putSource('fail/model.tar.gz', size, 16);
  async function* failing(): AsyncIterable<OutputSegment> {
    yield { kind: 'data', bytes: randomBytes(20 * MiB, 17) };
    throw new Error('CRC mismatch in the original');
  }
  await expect(
    writeArtifact({
      ops: s3.ops,
      source,
      reader: s3ByteSource(s3.ops, source),
      destination: { bucket: BUCKET, key: 'out/fail.tar.gz' }, metadata: { writer: 'test' },
      produce: async () => failing(),
    }),
  ).rejects.toThrow('CRC mismatch in the original');
  expect(s3.openUploads(BUCKET)).toEqual([]);
  expect(await s3.head(BUCKET, 'out/fail.tar.gz')).toBeUndefined();
  expect((await s3.head(BUCKET, source.key))!.etag).toBe(source.etag);
  expect((await s3.get(BUCKET, source.key))!.equals(bytes)).toBe(true);
});

test('an engine that fails before its first segment still aborts the speculative upload', async () => {
  const { source } = await putSource('early-fail/model.tar.gz', 40 * MiB, 18);
  await expect(
    writeArtifact({
      ops: s3.ops,
      source,
      reader: s3ByteSource(s3.ops, source),
      destination: { bucket: BUCKET, key: 'out/early-fail.tar.gz' }, metadata: { writer: 'test' },
      produce: async () => {
        throw new Error('not a gzip file or a tar archive');
      },
    }),
  ).rejects.toThrow('not a gzip file');
  expect(s3.openUploads(BUCKET)).toEqual([]);
  expect(await s3.head(BUCKET, 'out/early-fail.tar.gz')).toBeUndefined();
});

test('a source that changes during the copy fails the write with a clear message', async () => {
  const size = 40 * MiB;
  const { source } = await putSource('changing/model.tar.gz', size, 19);
  const ops = withEmulatedUploadPartCopy(s3.ops);
  await expect(
    writeArtifact({
      ops,
      source,
      reader: s3ByteSource(ops, source),
      destination: { bucket: BUCKET, key: 'out/changing.tar.gz' }, metadata: { writer: 'test' },
      speculate: false,
      produce: async () => {
        // Someone overwrites the original while the engine works.
        await s3.put(BUCKET, source.key, randomBytes(size, 20));
        return segments(tailPatch(size - 1000, randomBytes(100, 21)));
      },
    }),
  ).rejects.toThrow(`changed during the injection (its ETag is no longer ${source.etag})`);
  expect(s3.openUploads(BUCKET)).toEqual([]);
  expect(await s3.head(BUCKET, 'out/changing.tar.gz')).toBeUndefined();
});

test('the original is never a destination', async () => {
  const { source } = await putSource('self/model.tar.gz', MiB, 22);
  await expect(run(source, source.key, tailPatch(MiB, new Uint8Array(1)))).rejects.toThrow('must not overwrite the original');
});
