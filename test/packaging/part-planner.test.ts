import type { OutputSegment } from '../../lib/packaging/engine/types';
import { writeArtifact } from '../../lib/packaging/runtime/artifact-writer';
import { dataPartSize, keptSpeculativeParts, planCopyParts, planSpeculativeCopy } from '../../lib/packaging/runtime/part-planner';
import { s3ByteSource } from '../../lib/packaging/runtime/s3-byte-source';
import { S3Operations } from '../../lib/packaging/runtime/s3-operations';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

/** S3's documented multipart rules, written out independently of the planner's constants. */
function checkS3Rules(parts: Array<{ partNumber: number; size: number }>) {
  expect(parts.length).toBeGreaterThan(0);
  expect(parts.length).toBeLessThanOrEqual(10_000);
  parts.forEach((part, i) => {
    expect(part.partNumber).toBeGreaterThanOrEqual(1);
    expect(part.partNumber).toBeLessThanOrEqual(10_000);
    if (i > 0) expect(part.partNumber).toBeGreaterThan(parts[i - 1].partNumber);
    expect(part.size).toBeLessThanOrEqual(5 * GiB);
    if (i < parts.length - 1) expect(part.size).toBeGreaterThanOrEqual(5 * MiB);
  });
}

describe('planCopyParts', () => {
  const lengths = [10 * MiB, 10 * MiB + 1, 16 * MiB, 31 * MiB + 7, 100 * MiB, GiB, 5 * GiB, 5 * GiB + 1, 50 * GiB, 320 * GiB + 3, 5 * 1024 * GiB];
  test.each(lengths)('covers [0, %d) exactly with parts S3 accepts', (length) => {
    const parts = planCopyParts(0, length);
    expect(parts[0].start).toBe(0);
    expect(parts[parts.length - 1].end).toBe(length);
    parts.forEach((part, i) => {
      if (i > 0) expect(part.start).toBe(parts[i - 1].end);
      // Every copy part, the last included, is at least 5 MiB: a copy part is never the last part (the tail follows).
      expect(part.end - part.start).toBeGreaterThanOrEqual(5 * MiB);
      expect(part.end - part.start).toBeLessThanOrEqual(5 * GiB);
    });
    expect(parts.length).toBeLessThanOrEqual(1024);
  });

  test('ranges under 10 MiB are not copied server side', () => {
    expect(planCopyParts(5, 5 + 10 * MiB - 1)).toEqual([]);
    expect(planCopyParts(0, 0)).toEqual([]);
  });

  test('a 50 GiB range is split in 64 parts for parallel copies', () => {
    expect(planCopyParts(0, 50 * GiB)).toHaveLength(64);
  });

  test('invalid ranges are refused', () => {
    expect(() => planCopyParts(10, 5)).toThrow('invalid copy range');
    expect(() => planCopyParts(-1, 5)).toThrow('invalid copy range');
  });
});

describe('speculation', () => {
  test('copies [0, size - 16 MiB) when that is at least 10 MiB', () => {
    expect(planSpeculativeCopy(26 * MiB - 1)).toEqual([]);
    const parts = planSpeculativeCopy(GiB);
    expect(parts[parts.length - 1].end).toBe(GiB - 16 * MiB);
  });

  test('keeps the parts that end at or before the cut', () => {
    const parts = [
      { start: 0, end: 10 },
      { start: 10, end: 20 },
      { start: 20, end: 30 },
    ];
    expect(keptSpeculativeParts(parts, 30)).toBe(3);
    expect(keptSpeculativeParts(parts, 29)).toBe(2);
    expect(keptSpeculativeParts(parts, 20)).toBe(2);
    expect(keptSpeculativeParts(parts, 9)).toBe(0);
  });
});

test('data parts stay under 10,000 parts up to 5 TiB outputs', () => {
  expect(dataPartSize(MiB)).toBe(16 * MiB);
  for (const size of [GiB, 50 * GiB, 200 * GiB, 1024 * GiB, 5 * 1024 * GiB]) {
    const part = dataPartSize(size);
    expect(part).toBeLessThanOrEqual(5 * GiB);
    expect(Math.ceil((size * 1.2) / part)).toBeLessThanOrEqual(9_000);
  }
});

/**
 * A store that only records: it plans what writeArtifact would send for artifacts far larger than a test can
 * upload. Reads return zeros of the right length; nothing is stored. The rules are checked on what was sent.
 */
function planningStore() {
  const sent: Array<{ partNumber: number; size: number; kind: 'copy' | 'upload'; range?: [number, number] }> = [];
  let completed: Array<{ partNumber: number; size: number }> = [];
  let putSize: number | undefined;
  let outputSize = 0;
  const body = (length: number) => ({ transformToByteArray: async () => new Uint8Array(length) }) as never;
  const ops: S3Operations = {
    headObject: async () => ({ ContentLength: outputSize, $metadata: {} }),
    getObject: async (input) => {
      const [, a, b] = /bytes=(\d+)-(\d+)/.exec(input.Range!)!;
      return { Body: body(Number(b) - Number(a) + 1), $metadata: {} };
    },
    listObjectsV2: async () => ({ $metadata: {} }),
    putObject: async (input) => {
      putSize = (input.Body as Uint8Array).length;
      outputSize = putSize;
      return { $metadata: {} };
    },
    deleteObject: async () => ({}),
    // Not used by the planned writes (no failure, no uncompressed copy).
    listParts: async () => ({ $metadata: {} }),
    copyObject: async () => ({ $metadata: {} }),
    deleteObjects: async () => ({ $metadata: {} }),
    createMultipartUpload: async () => ({ UploadId: 'plan', $metadata: {} }),
    uploadPart: async (input) => {
      sent.push({ partNumber: input.PartNumber!, size: (input.Body as Uint8Array).length, kind: 'upload' });
      return { ETag: `"${input.PartNumber}"`, $metadata: {} };
    },
    uploadPartCopy: async (input) => {
      const [, a, b] = /^bytes=(\d+)-(\d+)$/.exec(input.CopySourceRange!)!;
      sent.push({ partNumber: input.PartNumber!, size: Number(b) - Number(a) + 1, kind: 'copy', range: [Number(a), Number(b) + 1] });
      return { CopyPartResult: { ETag: `"${input.PartNumber}"` }, $metadata: {} };
    },
    completeMultipartUpload: async (input) => {
      completed = input.MultipartUpload!.Parts!.map((p) => {
        // The last send of a part number is the one S3 keeps.
        const last = [...sent].reverse().find((s) => s.partNumber === p.PartNumber)!;
        return { partNumber: p.PartNumber!, size: last.size };
      });
      outputSize = completed.reduce((sum, p) => sum + p.size, 0);
      return { $metadata: {} };
    },
    abortMultipartUpload: async () => ({}),
  };
  return { ops, sent, completed: () => completed, putSize: () => putSize };
}

async function* tailPatch(cut: number, tailLength: number): AsyncIterable<OutputSegment> {
  yield { kind: 'copy', start: 0, end: cut };
  yield { kind: 'data', bytes: new Uint8Array(tailLength) };
}

describe('the multipart plan for artifacts from 1 MiB to 50 GiB (planned, not uploaded)', () => {
  const sizes = [MiB, 5 * MiB, 10 * MiB - 1, 10 * MiB, 12 * MiB, 26 * MiB, 27 * MiB, 100 * MiB + 3, GiB, 5 * GiB, 5 * GiB + 1, 10 * GiB, 50 * GiB];
  const cutsFromEnd = [1, 10 * KiB, 300 * KiB, 4 * MiB, 16 * MiB - 1, 16 * MiB + 1, 30 * MiB];
  const cases = sizes.flatMap((size) => cutsFromEnd.filter((back) => back < size).map((back) => [size, size - back] as const));

  test.each(cases)('size %d, cut at %d', async (size, cut) => {
    const tailLength = 11 * KiB;
    const store = planningStore();
    const source = { bucket: 'in', key: 'model.tar.gz', size, etag: '"e"' };
    const result = await writeArtifact({
      ops: store.ops,
      source,
      reader: s3ByteSource(store.ops, source),
      destination: { bucket: 'out', key: 'new/model.tar.gz' }, metadata: { writer: 'test' },
      produce: async () => tailPatch(cut, tailLength),
    });
    expect(result.size).toBe(cut + tailLength);
    if (size < 10 * MiB) {
      expect(result.method).toBe('PutObject');
      expect(store.putSize()).toBe(cut + tailLength);
      return;
    }
    const completed = store.completed();
    if (result.method === 'PutObject') {
      // Only when nothing is long enough to copy: the cut is under 10 MiB into the file.
      expect(cut).toBeLessThan(10 * MiB);
      return;
    }
    checkS3Rules(completed);
    expect(completed.reduce((sum, p) => sum + p.size, 0)).toBe(cut + tailLength);
    // The copy parts cover [0, c) contiguously; everything after c is uploaded from the function.
    const copies = result.parts.filter((p) => p.kind === 'copy');
    let position = 0;
    for (const copy of copies) {
      expect(copy.range!.start).toBe(position);
      position = copy.range!.end;
    }
    expect(result.bytesCopiedServerSide).toBe(position);
    expect(result.bytesUploaded).toBe(cut - position + tailLength);
    // What the function itself sends stays small: under 10 MiB + 5 MiB + the tail, whatever the size.
    expect(result.bytesUploaded).toBeLessThan(15 * MiB + tailLength);
  });

  // 17 parts of the writer's smallest data part, fed in chunks that never align with them. What changes with the size
  // (the part size, the 10,000-part limit) is the planner's, tested above up to 5 TiB; 1 GiB here (64 parts) only
  // crossed the same boundaries more often, at four times the cost.
  test('a 256 MiB streamed output is uploaded in parts S3 accepts', async () => {
    const store = planningStore();
    const source = { bucket: 'in', key: 'model.tar', size: 256 * MiB, etag: '"e"' };
    const chunk = new Uint8Array(7 * MiB + 5);
    const total = 256 * MiB + 12345;
    async function* stream(): AsyncIterable<OutputSegment> {
      for (let sent = 0; sent < total; sent += chunk.length) yield { kind: 'data', bytes: chunk.subarray(0, Math.min(chunk.length, total - sent)) };
    }
    const result = await writeArtifact({
      ops: store.ops,
      source,
      reader: s3ByteSource(store.ops, source),
      destination: { bucket: 'out', key: 'new/model.tar.gz' }, metadata: { writer: 'test' },
      produce: async () => stream(),
    });
    checkS3Rules(store.completed());
    expect(result.size).toBe(total);
    expect(store.completed().reduce((sum, p) => sum + p.size, 0)).toBe(total);
    expect(store.completed().map((p) => p.partNumber)).toEqual(store.completed().map((_, i) => i + 1));
    expect(store.completed()).toHaveLength(17);
  });
});
