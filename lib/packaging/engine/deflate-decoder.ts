/**
 * A pure-JS DEFLATE decoder for the last stretch of a gzip file, starting at an arbitrary bit offset.
 *
 * Native zlib cannot start mid-stream and does not report block boundaries; the tail patch needs both. A byte that
 * a back-reference copies from before the decode start is not guessed: it is recorded as "the history byte k before
 * the start" (`fromHistory[i] = k`), so a caller that knows the real content can check it, or resolve it. Decoding
 * continues across gzip member boundaries, so the caller learns where each member ends and its trailer. A decode is
 * accepted only when a final block ends exactly 8 bytes (one trailer) before the end of the buffer: that is what
 * rejects most false block starts.
 */
import { gzipHeaderLength, readUint32LE } from './gzip-format';
import {
  buildTable, CODELEN_ORDER, DecodeTable, DIST_BASE, DIST_EXTRA, FIXED, LENGTH_BASE, LENGTH_EXTRA,
} from './huffman';

/** A deflate block seen by the decoder. */
export interface BlockRecord {
  /** Bit offset of the block header, relative to the start of the buffer. */
  readonly bit: number;
  /** Output offset where the block's data starts. */
  readonly out: number;
  /** Index into {@link TailDecoding.members}. */
  readonly member: number;
  readonly final: boolean;
  /** BTYPE: 0 stored, 1 fixed Huffman, 2 dynamic Huffman. */
  readonly type: number;
  /** The first block of a gzip member (right after its header), reached by decoding through the previous trailer. */
  readonly memberStart: boolean;
}

/** A gzip member, or the end part of one, covered by the decode. */
export interface MemberRecord {
  /** Byte offset of its deflate data in the buffer; -1 for the member the decode started inside. */
  readonly deflateStart: number;
  /** Output offset of its first byte decoded here. */
  readonly outStart: number;
  /** Output offset just past its content. */
  readonly outEnd: number;
  /** Byte offset of its 8-byte trailer in the buffer. */
  readonly trailer: number;
  /** CRC-32 and ISIZE from its trailer. */
  readonly crc: number;
  readonly isize: number;
}

export interface TailDecoding {
  /** Decoded bytes [0, length); where `fromHistory[i] > 0`, `out[i]` is not known (0). */
  readonly out: Uint8Array;
  /** 0: `out[i]` is known; k > 0: byte i is a copy of the byte k bytes before the decode start (1 <= k <= 32768). */
  readonly fromHistory: Uint16Array;
  readonly length: number;
  readonly blocks: BlockRecord[];
  readonly members: MemberRecord[];
}

/** LZ77 symbols of one block: `lengths[i] === 0` means a literal `values[i]`, else a match of that length at distance `values[i]`. */
export interface BlockSymbols {
  readonly lengths: number[];
  readonly values: number[];
  /** Bit offset just past the block's end-of-block code. */
  readonly endBit: number;
}

/**
 * Why a decode failed. `truncated`: it ran into the last 8 bytes (where the trailer must be) or past the end
 * without finishing a final block; `after-trailer`: a member ended, but what follows its trailer is neither the end
 * nor a gzip header; `invalid`: an invalid code or block; `history`: a reference before a member start;
 * `too-large`: the output would exceed `maxOut` (or the blocks `maxBlocks`). The first three depend only on the bits
 * from a block start on, so a block start that failed with them fails the same way from any earlier start (see
 * {@link DecodeOptions.dead}); `too-large` from a start holds for any decode that reaches that start from before it.
 */
export type DecodeFailure = 'truncated' | 'after-trailer' | 'invalid' | 'history' | 'too-large';

/** What a failed decode saw, filled in when given. */
export interface DecodeTrace {
  failure?: DecodeFailure;
  /** Bit offsets of the blocks it went through, in order. */
  blockBits: number[];
  /** How many of those blocks after the first had a header that random bits rarely pass (dynamic or stored). */
  strongHeaders: number;
  /** Bytes it decoded before failing (the work it cost). */
  produced?: number;
}

export interface DecodeOptions {
  /** Give up (return undefined) once the output would exceed this many bytes. */
  readonly maxOut: number;
  /** The start bit is the first block of a member: a reference before it is corrupt, not unknown. */
  readonly atMemberStart?: boolean;
  /**
   * Block starts (bit offsets in the buffer) already known to fail, with how: a decode that reaches one stops at
   * once with that failure instead of decoding the rest of the buffer again.
   */
  readonly dead?: ReadonlyMap<number, DecodeFailure>;
  /** Filled in with the failure and the blocks seen, when the decode fails. */
  readonly trace?: DecodeTrace;
  /**
   * The real bytes just before the start (its last byte is the one right before), when known: references into them
   * decode to known bytes instead of history markers.
   */
  readonly history?: Uint8Array;
  /** Give up (as `too-large`) once a decode went through more blocks than this. @default 100,000 */
  readonly maxBlocks?: number;
}

/** True for the failures that depend only on the bits from a block start on (memoizable). */
export function failsFromAnyStart(failure: DecodeFailure | undefined): boolean {
  return failure === 'truncated' || failure === 'after-trailer' || failure === 'invalid';
}

function bitsAt(buf: Uint8Array, bit: number, n: number): number {
  const i = Math.floor(bit / 8);
  const v = (buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24)) >>> (bit % 8);
  return v & ((1 << n) - 1);
}

/** Decodes one symbol with `t` at `bit`; returns entry (symbol << 4 | length) or -1. */
function symbolAt(buf: Uint8Array, bit: number, t: DecodeTable): number {
  return t.table[bitsAt(buf, bit, t.bits)];
}

export interface DynamicHeader {
  readonly lit: DecodeTable;
  readonly dist: DecodeTable;
  /** Bit offset just past the header (where the first symbol starts). */
  readonly endBit: number;
}

/**
 * Parses and checks a dynamic-Huffman block header whose 3-bit block header starts at `bit`, the way zlib does:
 * counts in range, a complete code-length code, repeat codes that stay in range, a literal/length code with a code
 * for end-of-block, codes neither over-subscribed nor incomplete (except a single 1-bit code).
 */
export function readDynamicHeader(buf: Uint8Array, bit: number): DynamicHeader | undefined {
  let b = bit + 3;
  const hlit = bitsAt(buf, b, 5) + 257;
  const hdist = bitsAt(buf, b + 5, 5) + 1;
  const hclen = bitsAt(buf, b + 10, 4) + 4;
  b += 14;
  if (hlit > 286 || hdist > 30) return undefined;
  const clLens = new Uint8Array(19);
  for (let i = 0; i < hclen; i++) {
    clLens[CODELEN_ORDER[i]] = bitsAt(buf, b, 3);
    b += 3;
  }
  const cl = buildTable(clLens, 19, 'codelens');
  if (!cl) return undefined;
  const lens = new Uint8Array(hlit + hdist);
  let n = 0;
  while (n < hlit + hdist) {
    if (b > buf.length * 8) return undefined;
    const e = symbolAt(buf, b, cl);
    if (e < 0) return undefined;
    b += e & 15;
    const sym = e >> 4;
    if (sym < 16) {
      lens[n++] = sym;
      continue;
    }
    let value = 0;
    let repeat: number;
    if (sym === 16) {
      if (n === 0) return undefined;
      value = lens[n - 1];
      repeat = 3 + bitsAt(buf, b, 2);
      b += 2;
    } else if (sym === 17) {
      repeat = 3 + bitsAt(buf, b, 3);
      b += 3;
    } else {
      repeat = 11 + bitsAt(buf, b, 7);
      b += 7;
    }
    if (n + repeat > hlit + hdist) return undefined;
    while (repeat-- > 0) lens[n++] = value;
  }
  if (lens[256] === 0) return undefined;
  const lit = buildTable(lens.subarray(0, hlit), hlit, 'lens');
  if (!lit) return undefined;
  const dist = buildTable(lens.subarray(hlit), hdist, 'dists');
  if (!dist) return undefined;
  if (b > buf.length * 8) return undefined;
  return { lit, dist, endBit: b };
}

/**
 * Decodes from `startBit` to the end of the buffer. Returns undefined unless the decode is valid all the way and
 * a final block ends exactly at `buf.length - 8` (the last trailer).
 */
export function decodeToEnd(buf: Uint8Array, startBit: number, options: DecodeOptions): TailDecoding | undefined {
  const end = buf.length;
  let capacity = Math.min(options.maxOut, 1 << 16);
  let out = new Uint8Array(capacity);
  let fromHistory = new Uint16Array(capacity);
  const history = options.history ?? new Uint8Array(0);
  const maxBlocks = options.maxBlocks ?? 100_000;
  let o = 0;
  const blocks: BlockRecord[] = [];
  const members: MemberRecord[] = [];
  let memberOutStart = 0;
  let memberDeflateStart = options.atMemberStart ? Math.floor(startBit / 8) : -1;
  // A reference before this output offset is corrupt (it would cross a member start).
  let historyFloor = options.atMemberStart ? 0 : -Infinity;
  let bit = startBit;
  let strongHeaders = 0;
  const trailerBits = Math.max(0, end - 8) * 8;
  const fail = (failure: DecodeFailure): undefined => {
    if (options.trace) {
      options.trace.failure = failure;
      options.trace.blockBits = blocks.map((b) => b.bit);
      options.trace.strongHeaders = strongHeaders;
      options.trace.produced = o;
    }
    return undefined;
  };
  /** An invalid code at consumed bit `at`: in the trailer's place or beyond, the data simply ran out. */
  const invalidAt = (at: number): undefined => fail(at >= trailerBits ? 'truncated' : 'invalid');

  const grow = (need: number): boolean => {
    if (need <= capacity) return true;
    if (need > options.maxOut) return false;
    let next = capacity * 2;
    while (next < need) next *= 2;
    next = Math.min(next, options.maxOut);
    const o2 = new Uint8Array(next);
    o2.set(out.subarray(0, o));
    const u2 = new Uint16Array(next);
    u2.set(fromHistory.subarray(0, o));
    out = o2;
    fromHistory = u2;
    capacity = next;
    return true;
  };

  let memberStart = options.atMemberStart === true;
  for (;;) {
    if (bit + 3 > trailerBits) return fail('truncated');
    const known = blocks.length > 0 ? options.dead?.get(bit) : undefined;
    if (known) return fail(known);
    if (blocks.length >= maxBlocks) return fail('too-large');
    const header = bitsAt(buf, bit, 3);
    const final = (header & 1) === 1;
    const type = header >> 1;
    blocks.push({ bit, out: o, member: members.length, final, type, memberStart });
    memberStart = false;
    if (type === 0) {
      const p = Math.ceil((bit + 3) / 8);
      if (p + 4 > end - 8) return fail('truncated');
      const len = buf[p] | (buf[p + 1] << 8);
      const nlen = buf[p + 2] | (buf[p + 3] << 8);
      if ((len ^ 0xffff) !== nlen) return fail('invalid');
      if (p + 4 + len > end - 8) return fail('truncated');
      if (blocks.length > 1) strongHeaders++;
      if (!grow(o + len)) return fail('too-large');
      out.set(buf.subarray(p + 4, p + 4 + len), o);
      fromHistory.fill(0, o, o + len);
      o += len;
      bit = (p + 4 + len) * 8;
    } else if (type === 3) {
      return invalidAt(bit);
    } else {
      let lit: DecodeTable;
      let dist: DecodeTable;
      if (type === 1) {
        lit = FIXED.lit;
        dist = FIXED.dist;
        bit += 3;
      } else {
        const h = readDynamicHeader(buf, bit);
        if (!h) return invalidAt(bit);
        if (blocks.length > 1) strongHeaders++;
        lit = h.lit;
        dist = h.dist;
        bit = h.endBit;
      }
      // Hot loop: a local bit buffer instead of bitsAt() per field.
      const litTable = lit.table;
      const litMask = (1 << lit.bits) - 1;
      const distTable = dist.table;
      const distMask = (1 << dist.bits) - 1;
      let pos = Math.floor(bit / 8);
      let bitbuf = 0;
      let bitcnt = 0;
      const skip = bit % 8;
      while (bitcnt < 24) {
        bitbuf |= (pos < end ? buf[pos] : 0) << bitcnt;
        pos++;
        bitcnt += 8;
      }
      bitbuf >>>= skip;
      bitcnt -= skip;
      for (;;) {
        if (pos > end + 8) return fail('truncated');
        while (bitcnt < 16) {
          bitbuf |= (pos < end ? buf[pos] : 0) << bitcnt;
          pos++;
          bitcnt += 8;
        }
        const e = litTable[bitbuf & litMask];
        if (e < 0) return invalidAt(pos * 8 - bitcnt);
        const l = e & 15;
        bitbuf >>>= l;
        bitcnt -= l;
        const sym = e >> 4;
        if (sym < 256) {
          if (o >= capacity && !grow(o + 1)) return fail('too-large');
          out[o] = sym;
          fromHistory[o] = 0;
          o++;
          continue;
        }
        if (sym === 256) break;
        const li = sym - 257;
        if (li >= 29) return invalidAt(pos * 8 - bitcnt);
        while (bitcnt < 24) {
          bitbuf |= (pos < end ? buf[pos] : 0) << bitcnt;
          pos++;
          bitcnt += 8;
        }
        const lx = LENGTH_EXTRA[li];
        const length = LENGTH_BASE[li] + (bitbuf & ((1 << lx) - 1));
        bitbuf >>>= lx;
        bitcnt -= lx;
        const de = distTable[bitbuf & distMask];
        if (de < 0) return invalidAt(pos * 8 - bitcnt);
        const dl = de & 15;
        bitbuf >>>= dl;
        bitcnt -= dl;
        const ds = de >> 4;
        if (ds >= 30) return invalidAt(pos * 8 - bitcnt);
        while (bitcnt < 16) {
          bitbuf |= (pos < end ? buf[pos] : 0) << bitcnt;
          pos++;
          bitcnt += 8;
        }
        const dx = DIST_EXTRA[ds];
        const distance = DIST_BASE[ds] + (bitbuf & ((1 << dx) - 1));
        bitbuf >>>= dx;
        bitcnt -= dx;
        let from = o - distance;
        if (from < historyFloor) return fail('history');
        if (o + length > capacity && !grow(o + length)) return fail('too-large');
        for (let k = 0; k < length; k++, o++, from++) {
          if (from < 0) {
            if (-from <= history.length) {
              out[o] = history[history.length + from];
              fromHistory[o] = 0;
            } else {
              out[o] = 0;
              fromHistory[o] = -from;
            }
          } else {
            out[o] = out[from];
            fromHistory[o] = fromHistory[from];
          }
        }
      }
      bit = pos * 8 - bitcnt;
      if (bit > trailerBits) return fail('truncated');
    }
    if (!final) continue;
    // End of a member: byte-align, read its trailer, and either stop at the end or go on with the next member.
    const trailer = Math.ceil(bit / 8);
    if (trailer + 8 > end) return fail('truncated');
    members.push({
      deflateStart: memberDeflateStart,
      outStart: memberOutStart,
      outEnd: o,
      trailer,
      crc: readUint32LE(buf, trailer),
      isize: readUint32LE(buf, trailer + 4),
    });
    if (trailer + 8 === end) {
      return { out, fromHistory, length: o, blocks, members };
    }
    const headerLength = gzipHeaderLength(buf, trailer + 8);
    if (headerLength < 0) return fail('after-trailer');
    memberDeflateStart = trailer + 8 + headerLength;
    memberOutStart = o;
    historyFloor = o;
    memberStart = true;
    bit = memberDeflateStart * 8;
  }
}

/**
 * The LZ77 symbols of the block whose header starts at `bit` (a stored block's bytes as literals), to its end, or
 * only until they produced `stopAfter` bytes.
 */
export function readBlockSymbols(buf: Uint8Array, bit: number, stopAfter = Infinity): BlockSymbols | undefined {
  const type = bitsAt(buf, bit, 3) >> 1;
  let lit: DecodeTable;
  let dist: DecodeTable;
  let b: number;
  if (type === 1) {
    lit = FIXED.lit;
    dist = FIXED.dist;
    b = bit + 3;
  } else if (type === 2) {
    const h = readDynamicHeader(buf, bit);
    if (!h) return undefined;
    lit = h.lit;
    dist = h.dist;
    b = h.endBit;
  } else if (type === 0) {
    // A stored block: its bytes are literals.
    const p = Math.ceil((bit + 3) / 8);
    if (p + 4 > buf.length) return undefined;
    const len = buf[p] | (buf[p + 1] << 8);
    if (p + 4 + len > buf.length) return undefined;
    const n = Math.min(len, stopAfter);
    return { lengths: new Array<number>(n).fill(0), values: Array.from(buf.subarray(p + 4, p + 4 + n)), endBit: (p + 4 + len) * 8 };
  } else {
    return undefined;
  }
  const lengths: number[] = [];
  const values: number[] = [];
  let produced = 0;
  for (;;) {
    if (produced >= stopAfter) return { lengths, values, endBit: b };
    if (b > buf.length * 8) return undefined;
    const e = symbolAt(buf, b, lit);
    if (e < 0) return undefined;
    b += e & 15;
    const sym = e >> 4;
    if (sym < 256) {
      lengths.push(0);
      values.push(sym);
      produced++;
      continue;
    }
    if (sym === 256) return { lengths, values, endBit: b };
    const li = sym - 257;
    if (li >= 29) return undefined;
    const length = LENGTH_BASE[li] + bitsAt(buf, b, LENGTH_EXTRA[li]);
    b += LENGTH_EXTRA[li];
    const de = symbolAt(buf, b, dist);
    if (de < 0 || de >> 4 >= 30) return undefined;
    b += de & 15;
    const ds = de >> 4;
    const distance = DIST_BASE[ds] + bitsAt(buf, b, DIST_EXTRA[ds]);
    b += DIST_EXTRA[ds];
    lengths.push(length);
    values.push(distance);
    produced += length;
  }
}
