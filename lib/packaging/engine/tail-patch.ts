/**
 * `scan`'s tail patch: find the deflate block that holds the end-of-archive marker from a window at the end of the
 * file (growing the window by doubling), keep every compressed byte before it, and write the replacement: that
 * block's symbols up to the marker (fixed Huffman), an empty stored block to byte-align, the new entries and marker
 * compressed as the final block, and a new trailer (CRC-32 by uncombine + continuation). Then check what was
 * written: it decodes (in JS and in native zlib) to the original bytes up to the marker followed by exactly the new
 * content, under the new trailer.
 *
 * Every step is bounded: the window (16 MiB), the output of one decode attempt, the blocks one attempt may pass
 * through, and the total decoding work; past a bound the search fails with a reason, and `scan` refuses.
 */
import * as zlib from 'zlib';
import { findBlockStarts } from './block-finder';
import { crc32, crc32Combine, crc32OfZeros, crc32Uncombine } from './crc32';
import { BlockRecord, DecodeFailure, DecodeTrace, decodeToEnd, failsFromAnyStart, readBlockSymbols, TailDecoding } from './deflate-decoder';
import { BitWriter, writeFixedBlock } from './deflate-encoder';
import { gzipHeaderLength, gzipTrailer } from './gzip-format';
import { ByteSource, InjectionError } from './types';

/** The most uncompressed bytes of the cut block re-encoded (zlib's largest block is about 8 MiB of output). */
export const MAX_REENCODE = 9 * 1024 * 1024;
/** The most candidate block starts tried in one window. */
const MAX_CANDIDATES = 200_000;

/** The real content at the end of the stream, as the full inflate pass saw it. */
export interface KnownContent {
  /** Total uncompressed length (all members). */
  readonly total: number;
  /** Offset of the end-of-archive marker. */
  readonly end: number;
  /** Offset of the first byte kept: content before it cannot be checked. */
  readonly keptFrom: number;
  /** Content bytes [from, total), from >= keptFrom. */
  tail(from: number): Uint8Array;
}

export interface LocateLimits {
  readonly initialWindow: number;
  readonly maxWindow: number;
  /** Largest decoded output of one attempt. */
  readonly maxOut: number;
  /** Total bytes all attempts may decode. */
  readonly maxWork: number;
  /** Counts bytes read from the source. */
  readonly onRead: (bytes: number) => void;
  /** Counts bytes decoded by the pure-JS decoder. */
  readonly onDecoded: (bytes: number) => void;
}

export interface LocatedTail {
  /** The bytes [windowStart, size) of the source. */
  readonly window: Uint8Array;
  readonly windowStart: number;
  readonly decoding: TailDecoding;
  /** Uncompressed offset of `decoding`'s first byte. */
  readonly decodingStart: number;
  /** Decode offset of the end-of-archive marker. */
  readonly end: number;
  /** Index of the block the marker is in (the cut). */
  readonly block: number;
}

export interface LocateFailure {
  readonly failed: string;
}

/**
 * What a successful decode from a candidate block start says about the cut: the cut block (accept), that the
 * candidate starts after the marker (try earlier ones), or why it does not do (reject).
 */
type Judgement = { readonly accept: number } | { readonly after: string } | { readonly reject: string };

/** A block header that random bits rarely pass (zlib's checks of a dynamic header, LEN = ~NLEN), or a member start. */
function strong(block: BlockRecord): boolean {
  return block.type !== 1 || block.memberStart;
}

/**
 * Judges a decode against the real content. It must reproduce every byte: known bytes directly, history bytes by
 * the byte they copy. The cut is the last block that starts at or before the marker; it is accepted only when the
 * decode reached it through at least one strong block header after the candidate start (or started at the gzip
 * member's own start): a false start that happens to decode to the trailer and agree with the content is thereby
 * out of the question in practice, whereas every real block boundary has such a predecessor in a large enough window.
 */
function judge(d: TailDecoding, known: KnownContent, fromMemberStart: boolean): Judgement {
  const start = known.total - d.length;
  if (start < known.keptFrom) return { reject: 'the decode is longer than the content kept to check it' };
  const tailStart = Math.max(known.keptFrom, start - 32768);
  const real = known.tail(tailStart);
  for (let i = 0; i < d.length; i++) {
    const k = d.fromHistory[i];
    if (k !== 0 && start - k < tailStart) return { reject: 'a candidate block start copies bytes from before the content kept to check it' };
    const got = k === 0 ? d.out[i] : real[start - k - tailStart];
    if (got !== real[start + i - tailStart]) return { reject: 'a candidate block start decodes to different bytes' };
  }
  const end = known.end - start;
  if (end < 0) return { after: 'the candidate starts after the end-of-archive marker' };
  let cut = -1;
  for (let i = 0; i < d.blocks.length; i++) if (d.blocks[i].out <= end) cut = i;
  let proven = fromMemberStart;
  for (let i = 1; i <= cut && !proven; i++) proven = strong(d.blocks[i]);
  if (!proven) return { reject: 'the block holding the marker was not reached through a verified block header yet' };
  return { accept: cut };
}

/**
 * Reads growing windows from the end of `source` and tries candidate block starts, latest first, until one decodes
 * to the trailer, reproduces the real content and reaches the block holding the marker through a strong header.
 * While verified decodes still start after the marker, the search gallops back (skipping 1, 2, 4, ... candidates),
 * so thousands of tiny blocks after the marker cost a few decodes, not thousands; any verified start before the
 * marker yields the same cut block, since every real path passes through it.
 *
 * Each block start that failed is remembered (by absolute bit offset) with how it failed: a later decode that
 * reaches it stops there, so the work over all candidates and all window doublings stays linear in the window.
 */
export async function locateTail(source: ByteSource, known: KnownContent, limits: LocateLimits): Promise<LocatedTail | LocateFailure> {
  let windowStart = source.size;
  let window = new Uint8Array(0);
  let size = limits.initialWindow;
  let lastWhy = 'no deflate block start found in the tail';
  const dead = new Map<number, DecodeFailure>();
  let work = 0;
  for (;;) {
    const start = Math.max(0, source.size - size);
    const fresh = await source.read(start, windowStart);
    limits.onRead(fresh.length);
    const next = new Uint8Array(fresh.length + window.length);
    next.set(fresh);
    next.set(window, fresh.length);
    const newBits = fresh.length * 8;
    window = next;
    windowStart = start;
    const base = windowStart * 8;
    const deadHere = new Map<number, DecodeFailure>();
    for (const [bit, failure] of dead) deadHere.set(bit - base, failure);
    const found = findBlockStarts(window, 0, newBits);
    if (found.length > MAX_CANDIDATES) return { failed: `${found.length} candidate block starts in the last ${window.length} bytes, more than the ${MAX_CANDIDATES} tried` };
    const candidates = found.map((bit) => ({ bit, atMemberStart: false })).reverse();
    if (windowStart === 0) {
      const h = gzipHeaderLength(window, 0);
      if (h > 0) candidates.push({ bit: h * 8, atMemberStart: true });
    }
    let step = 1;
    for (let i = 0; i < candidates.length; ) {
      const c = candidates[i];
      const next = i + 1;
      i = next;
      if (!c.atMemberStart && deadHere.has(c.bit) && deadHere.get(c.bit) !== 'too-large') continue;
      const trace: DecodeTrace = { blockBits: [], strongHeaders: 0 };
      const decoding = decodeToEnd(window, c.bit, { maxOut: limits.maxOut, atMemberStart: c.atMemberStart, dead: deadHere, trace });
      work += decoding ? decoding.length : trace.produced ?? 0;
      if (work > limits.maxWork) return { failed: `the search decoded more than ${limits.maxWork} bytes without proving the cut (${lastWhy})` };
      if (!decoding) {
        if (failsFromAnyStart(trace.failure)) {
          for (const bit of trace.blockBits) {
            deadHere.set(bit, trace.failure!);
            dead.set(base + bit, trace.failure!);
          }
        } else if (trace.failure === 'too-large') {
          // Reaching this start from an earlier one decodes even more: too large as well.
          deadHere.set(c.bit, 'too-large');
          dead.set(base + c.bit, 'too-large');
          lastWhy = `a decode from the end of the file grew past ${limits.maxOut} bytes`;
        }
        continue;
      }
      limits.onDecoded(decoding.length);
      const verdict = judge(decoding, known, c.atMemberStart);
      if ('accept' in verdict) {
        return { window, windowStart, decoding, decodingStart: known.total - decoding.length, end: known.end - (known.total - decoding.length), block: verdict.accept };
      }
      if ('after' in verdict) {
        lastWhy = verdict.after;
        // Gallop back, but never past the earliest candidate (it may be the member start).
        i = Math.min(next - 1 + step, Math.max(next, candidates.length - 1));
        step *= 2;
      } else {
        lastWhy = verdict.reject;
      }
    }
    if (windowStart === 0 || size >= limits.maxWindow) return { failed: `${lastWhy} within the last ${window.length} bytes` };
    size = Math.min(size * 2, limits.maxWindow);
  }
}

export interface TailPatch {
  /** Copy bytes [0, keep) of the source unchanged. */
  readonly keep: number;
  /** Then these bytes. */
  readonly bytes: Uint8Array;
  /** Uncompressed bytes re-encoded from the cut block, plus the new content. */
  readonly bytesDeflated: number;
}

/**
 * Builds the replacement for everything from the block that holds `located.end`, then checks it (see
 * {@link checkPatch}). `newContent` is the bytes that replace the marker and everything after it; `real` resolves a
 * byte of the decode the decoder took from history (by decode offset), from the content the scan kept.
 */
export function buildTailPatch(located: LocatedTail, newContent: Uint8Array, real: (decodeOffset: number) => number): TailPatch {
  const { window, windowStart, decoding, end } = located;
  const block = decoding.blocks[located.block];
  const member = decoding.members[block.member];
  const byteAt = (i: number): number => (decoding.fromHistory[i] === 0 ? decoding.out[i] : real(i));

  // The cut block's symbols up to the marker; a match that crosses it is shortened, or spelled as literals.
  const lengths: number[] = [];
  const values: number[] = [];
  if (end - block.out > MAX_REENCODE) {
    throw new InjectionError(
      `scan cannot patch this archive: the deflate block holding the end-of-archive marker starts ${end - block.out} bytes before it, more than the ${MAX_REENCODE} it re-encodes (stream rewrites it)`,
      'STRATEGY_NOT_APPLICABLE',
    );
  }
  if (block.out < end) {
    const symbols = readBlockSymbols(window, block.bit, end - block.out);
    if (!symbols) throw new Error('internal error: the cut block does not decode again');
    let pos = block.out;
    for (let i = 0; i < symbols.lengths.length && pos < end; i++) {
      const length = symbols.lengths[i] === 0 ? 1 : symbols.lengths[i];
      if (pos + length <= end) {
        lengths.push(symbols.lengths[i]);
        values.push(symbols.values[i]);
      } else if (end - pos >= 3) {
        lengths.push(end - pos);
        values.push(symbols.values[i]);
      } else {
        for (let k = pos; k < end; k++) {
          lengths.push(0);
          values.push(byteAt(k));
        }
      }
      pos += length;
    }
  }

  const zerosInMember = member.outEnd - end;
  const zerosCrc = crc32OfZeros(zerosInMember);
  const crcKept = crc32Uncombine(member.crc, zerosCrc, zerosInMember);
  if (crc32Combine(crcKept, zerosCrc, zerosInMember) !== member.crc) throw new Error('internal error: CRC-32 uncombine does not invert');
  const crc = crc32(newContent, crcKept);
  const isize = member.isize - zerosInMember + newContent.length;

  const cutBit = windowStart * 8 + block.bit;
  const keep = Math.floor(cutBit / 8);
  const writer = new BitWriter(window[Math.floor(block.bit / 8)], cutBit % 8);
  if (lengths.length > 0) writeFixedBlock(writer, lengths, values);
  const alignAt = writer.position;
  writer.alignWithEmptyStoredBlock();
  const head = writer.finish();
  const deflated = zlib.deflateRawSync(newContent, { level: 9 });
  const trailer = gzipTrailer(crc, isize);
  const bytes = new Uint8Array(head.length + deflated.length + trailer.length);
  bytes.set(head);
  bytes.set(deflated, head.length);
  bytes.set(trailer, head.length + deflated.length);

  checkPatch(located, bytes, newContent, crc, byteAt, { head, alignAt, deflated });
  return { keep, bytes, bytesDeflated: end - block.out + newContent.length };
}

/**
 * Decodes the patched stream from the cut block again, twice (the JS decoder on the bytes as written; native zlib on
 * the same bits moved to a byte boundary), with the real bytes before the cut as history: both must yield exactly
 * the original bytes from the cut block to the marker, then exactly the new content, then our trailer. A guard
 * against any encoder mistake.
 */
function checkPatch(
  located: LocatedTail,
  patch: Uint8Array,
  newContent: Uint8Array,
  crc: number,
  byteAt: (i: number) => number,
  parts: { readonly head: Uint8Array; readonly alignAt: number; readonly deflated: Uint8Array },
): void {
  const { window, decoding } = located;
  const block = decoding.blocks[located.block];
  const blockBit = block.bit;
  const keepRel = Math.floor(blockBit / 8);
  const buf = new Uint8Array(keepRel + patch.length);
  buf.set(window.subarray(0, keepRel));
  buf.set(patch, keepRel);
  const kept = located.end - block.out;
  const expected = new Uint8Array(kept + newContent.length);
  for (let i = 0; i < kept; i++) expected[i] = byteAt(block.out + i);
  expected.set(newContent, kept);
  // The real content before the cut block, as history (references reach at most 32 KiB back; none before the start).
  const historyStart = Math.max(-located.decodingStart, block.out - 32768);
  const history = new Uint8Array(block.out - historyStart);
  for (let i = 0; i < history.length; i++) history[i] = byteAt(historyStart + i);
  const fail = (why: string) => new Error(`internal error: the patched tail does not decode back (${why})`);

  const again = decodeToEnd(buf, blockBit, { maxOut: expected.length + 1, history });
  if (!again) throw fail('invalid stream');
  if (again.length !== expected.length) throw fail(`length ${again.length}, expected ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    if (again.fromHistory[i] !== 0 || again.out[i] !== expected[i]) throw fail(`byte ${i}`);
  }
  if (again.members[again.members.length - 1].crc !== crc) throw fail('trailer');

  // Native zlib: the re-encoded block's bits (after the kept low bits of the first byte) moved to bit 0, then the
  // alignment, the new deflate data as written. (The stored block's padding depends on the absolute bit position,
  // so it is redone for the moved bits rather than shifted.)
  const shift = blockBit % 8;
  const moved = new BitWriter();
  for (let bit = shift; bit < parts.alignAt; bit++) moved.bits((parts.head[bit >> 3] >> (bit & 7)) & 1, 1);
  moved.alignWithEmptyStoredBlock();
  const aligned = Buffer.concat([moved.finish(), parts.deflated]);
  let native: Buffer;
  try {
    native = zlib.inflateRawSync(aligned, history.length > 0 ? { dictionary: history } : {});
  } catch (error) {
    throw fail(`zlib: ${(error as Error).message}`);
  }
  if (!native.equals(expected)) throw fail('zlib decodes other bytes');
}
