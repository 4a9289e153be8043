/**
 * The building blocks of the tail patch, checked against native zlib: CRC-32 GF(2) arithmetic, the fixed-Huffman
 * encoder and stored-block alignment, the block finder and the unknown-window decoder.
 */
import * as zlib from 'zlib';
import { findBlockStarts } from '../../../lib/packaging/engine/block-finder';
import { crc32Combine, crc32OfZeros, crc32Uncombine } from '../../../lib/packaging/engine/crc32';
import { DecodeOptions, DecodeTrace, decodeToEnd, readBlockSymbols } from '../../../lib/packaging/engine/deflate-decoder';
import { BitWriter, writeFixedBlock } from '../../../lib/packaging/engine/deflate-encoder';
import { makeContent, rng } from './archive-helpers';

describe('CRC-32 arithmetic', () => {
  const r = rng(3);
  test.each([0, 1, 7, 512, 10240, 100_000])('zeros, combine and uncombine agree with zlib.crc32 (%i zero bytes)', (n) => {
    const a = makeContent('random', 1 + Math.floor(r() * 5000), r);
    const z = Buffer.alloc(n);
    expect(crc32OfZeros(n)).toBe(zlib.crc32(z));
    const whole = zlib.crc32(Buffer.concat([a, z]));
    expect(crc32Combine(zlib.crc32(a), zlib.crc32(z), n)).toBe(whole);
    expect(crc32Uncombine(whole, zlib.crc32(z), n)).toBe(zlib.crc32(a));
  });

  test('uncombine inverts combine for lengths past 2^32 bits', () => {
    for (const n of [536_870_913, 5_000_000_001, 2 ** 40 + 3]) {
      const crcA = 0x1234abcd;
      expect(crc32Uncombine(crc32Combine(crcA, crc32OfZeros(n), n), crc32OfZeros(n), n)).toBe(crcA);
    }
  });
});

describe('fixed-Huffman re-encoding', () => {
  test('symbols survive encode -> decode, and native inflate accepts the stream at every bit offset', () => {
    const r = rng(11);
    const lengths: number[] = [];
    const values: number[] = [];
    let produced = 0;
    const expected: number[] = [];
    for (let i = 0; i < 3000; i++) {
      if (produced < 300 || r() < 0.5) {
        const v = Math.floor(r() * 256);
        lengths.push(0); values.push(v); expected.push(v); produced++;
      } else {
        const len = 3 + Math.floor(r() * 256);
        const dist = 1 + Math.floor(r() * Math.min(produced, 32768));
        lengths.push(len); values.push(dist);
        for (let k = 0; k < len; k++) expected.push(expected[expected.length - dist]);
        produced += len;
      }
    }
    for (let j = 0; j < 8; j++) {
      // A first fixed block of j nine-bit literals puts our block at bit 10 + 9j: every bit offset mod 8.
      const w = new BitWriter(0, 0);
      writeFixedBlock(w, new Array(j).fill(0), new Array(j).fill(200));
      const startBit = 10 + 9 * j;
      writeFixedBlock(w, lengths, values);
      w.alignWithEmptyStoredBlock();
      const head = w.finish();
      const tail = zlib.deflateRawSync(Buffer.from('the end'), { level: 9 });
      const stream = Buffer.concat([head, tail]);
      // Buffer.equals, not toEqual: jest compares a Buffer byte by byte through its generic equality (seconds here).
      expect(zlib.inflateRawSync(stream).equals(Buffer.concat([Buffer.alloc(j, 200), Buffer.from(expected), Buffer.from('the end')]))).toBe(true);
      const symbols = readBlockSymbols(stream, startBit);
      expect(symbols?.lengths).toEqual(lengths);
      expect(symbols?.values).toEqual(values);
    }
  });
});

describe('block finder and unknown-window decoder', () => {
  const r = rng(21);
  const data = Buffer.concat([makeContent('weights', 200_000, r), makeContent('text', 100_000, r), makeContent('random', 70_000, r), Buffer.alloc(30_000)]);
  test.each([1, 6, 9])('finds every block boundary of a zlib level %i stream and decodes from any of them', (level) => {
    const gz = zlib.gzipSync(data, { level });
    const full = decodeToEnd(gz, 80, { maxOut: 1 << 24, atMemberStart: true })!;
    expect(Buffer.from(full.out.subarray(0, full.length)).equals(data)).toBe(true);
    expect(full.members).toHaveLength(1);
    expect(full.members[0].crc).toBe(zlib.crc32(data));
    const starts = new Set(findBlockStarts(gz, 0, gz.length * 8));
    // The finder searches dynamic and stored blocks only (fixed ones are reached by decoding).
    const searchable = full.blocks.filter((b) => {
      const type = ((gz[Math.floor(b.bit / 8)] | (gz[Math.floor(b.bit / 8) + 1] << 8)) >> (b.bit % 8) >> 1) & 3;
      return type !== 1;
    });
    expect(searchable.length).toBeGreaterThan(2);
    for (const b of searchable) expect(starts.has(b.bit)).toBe(true);
    // From the middle: every byte the decoder claims to know is right, and it ends at the trailer.
    const mid = searchable[Math.floor(searchable.length / 2)];
    const part = decodeToEnd(gz, mid.bit, { maxOut: 1 << 24 })!;
    expect(part.length).toBe(data.length - mid.out);
    let known = 0;
    for (let i = 0; i < part.length; i++) {
      const k = part.fromHistory[i];
      // A byte from history names the byte it copies, k before the decode start: it must be that real byte.
      const real = k === 0 ? part.out[i] : data[mid.out - k];
      if (k === 0) known++;
      if (real !== data[mid.out + i]) throw new Error(`byte ${i} differs`);
    }
    expect(known).toBeGreaterThan(part.length / 2);
    // With the real history given, every byte is known.
    const withHistory = decodeToEnd(gz, mid.bit, { maxOut: 1 << 24, history: data.subarray(Math.max(0, mid.out - 32768), mid.out) })!;
    expect(withHistory.fromHistory.every((k) => k === 0)).toBe(true);
    expect(Buffer.from(withHistory.out.subarray(0, withHistory.length)).equals(data.subarray(mid.out))).toBe(true);
  });

  test('a decode that does not end exactly at the trailer is rejected', () => {
    const gz = zlib.gzipSync(data, { level: 6 });
    expect(decodeToEnd(Buffer.concat([gz, Buffer.from([0])]), 80, { maxOut: 1 << 24, atMemberStart: true })).toBeUndefined();
    expect(decodeToEnd(gz.subarray(0, gz.length - 1), 80, { maxOut: 1 << 24, atMemberStart: true })).toBeUndefined();
    expect(decodeToEnd(gz, 80, { maxOut: 1000, atMemberStart: true })).toBeUndefined();
  });

  test('a failed decode says how it failed, and a known failing block start stops it there', () => {
    const gz = zlib.gzipSync(data, { level: 6 });
    const failure = (buf: Buffer, options: Partial<DecodeOptions> = {}): DecodeTrace => {
      const trace: DecodeTrace = { blockBits: [], strongHeaders: 0 };
      expect(decodeToEnd(buf, 80, { maxOut: 1 << 24, atMemberStart: true, trace, ...options })).toBeUndefined();
      return trace;
    };
    // Cut anywhere: the stream runs out before a final block and its trailer.
    for (const cut of [1, 9, 100, 5000, Math.floor(gz.length / 2)]) {
      expect({ cut, failure: failure(gz.subarray(0, gz.length - cut)).failure }).toEqual({ cut, failure: 'truncated' });
    }
    const appended = failure(Buffer.concat([gz, Buffer.from('garbage after the trailer')]));
    expect(appended.failure).toBe('after-trailer');
    expect(failure(gz, { maxOut: 1000 }).failure).toBe('too-large');
    const truncated = failure(gz.subarray(0, gz.length - 100));
    expect(truncated.blockBits.length).toBeGreaterThan(3);
    expect(truncated.strongHeaders).toBeGreaterThan(0);
    // Known to fail from its third block on: the decode stops on reaching it, with that failure, decoding no further.
    const third = truncated.blockBits[2];
    const stopped = failure(gz, { dead: new Map([[third, 'invalid']]) });
    expect(stopped).toMatchObject({ failure: 'invalid', blockBits: truncated.blockBits.slice(0, 2) });
  });
});
