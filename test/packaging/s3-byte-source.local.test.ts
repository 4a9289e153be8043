import { s3ByteSource } from '../../lib/packaging/runtime/s3-byte-source';
import { S3Operations } from '../../lib/packaging/runtime/s3-operations';
import { MotoS3, startMotoS3 } from './helpers/moto-server';
import { randomBytes } from './helpers/random-bytes';

// moto's S3: ranged GETs pinned to the ETag with If-Match, as S3 answers them.
let s3: MotoS3;
const bytes = randomBytes(5 * 1024 * 1024 + 123, 42);
let etag: string;

beforeAll(async () => {
  s3 = await startMotoS3();
  await s3.createBucket('src');
  etag = await s3.put('src', 'a/model.tar.gz', bytes);
});
afterAll(async () => s3.close());

const source = () => ({ bucket: 'src', key: 'a/model.tar.gz', size: bytes.length, etag });

test('stream yields the range in order from parallel ranged GETs, each pinned to the ETag', async () => {
  const ranges: string[] = [];
  const ifMatch = new Set<string | undefined>();
  const ops: S3Operations = {
    ...s3.ops,
    getObject: (input, options) => {
      ranges.push(input.Range!);
      ifMatch.add(input.IfMatch);
      return s3.ops.getObject(input, options);
    },
  };
  const reader = s3ByteSource(ops, source(), { chunkSize: 1024 * 1024, concurrency: 3 });
  const chunks: Uint8Array[] = [];
  for await (const chunk of reader.stream!(17, bytes.length - 5)) chunks.push(chunk);
  expect(Buffer.concat(chunks).equals(bytes.subarray(17, bytes.length - 5))).toBe(true);
  expect(ranges).toHaveLength(6);
  expect(ranges[0]).toBe(`bytes=17-${17 + 1024 * 1024 - 1}`);
  expect(ifMatch).toEqual(new Set([etag]));
  expect(reader.bytesRead).toBe(bytes.length - 22);
});

test('read returns exactly the range and refuses ranges outside the object', async () => {
  const reader = s3ByteSource(s3.ops, source());
  expect(Buffer.from(await reader.read(100, 200)).equals(bytes.subarray(100, 200))).toBe(true);
  expect((await reader.read(7, 7)).length).toBe(0);
  await expect(reader.read(0, bytes.length + 1)).rejects.toThrow('is outside s3://src/a/model.tar.gz');
});

test('a failed precondition (the object changed) is reported as such', async () => {
  const ops: S3Operations = {
    ...s3.ops,
    getObject: async () => {
      throw Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), { name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } });
    },
  };
  await expect(s3ByteSource(ops, source()).read(0, 10)).rejects.toThrow(`s3://src/a/model.tar.gz changed during the injection (its ETag is no longer ${etag}); deploy again`);
});
