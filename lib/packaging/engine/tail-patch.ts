/**
 * The tail patch shared by `scan` and `tail`: find the deflate block that holds the end-of-archive marker from a
 * window at the end of the file (growing the window by doubling), keep every compressed byte before it, and write
 * the replacement: that block's symbols up to the marker (fixed Huffman), an empty stored block to byte-align,
 * the new entries and marker compressed as the final block, and a new trailer (CRC-32 by uncombine + continuation).
 */
import * as zlib from 'zlib';
import { findBlockStarts } from './block-finder';
import { crc32, crc32OfZeros, crc32Uncombine } from './crc32';
import { DecodeFailure, DecodeTrace, decodeToEnd, failsFromAnyStart, readBlockSymbols, TailDecoding } from './deflate-decoder';
import { BitWriter, writeFixedBlock } from './deflate-encoder';
import { gzipHeaderLength, gzipTrailer } from './gzip-format';
import { ByteSource, InjectionError } from './types';

/** What the caller concluded from a successful decode of the tail. */
export type TailVerdict =
  /** The marker starts at decode offset `end`. */
  | { readonly kind: 'accept'; readonly end: number }
  /** This decode is wrong (it disagrees with what is known): try the next candidate. */
  | { readonly kind: 'reject'; readonly why: string }
  /** Plausible but not enough: read a larger window. */
  | { readonly kind: 'grow'; readonly why: string };

export interface TailSearchOptions {
  readonly initialWindow: number;
  readonly maxWindow: number;
  /** Largest decoded output per attempt (protects memory against highly compressible tails). */
  readonly maxOut: number;
  readonly judge: (decoding: TailDecoding) => TailVerdict;
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
  /** Decode offset of the end-of-archive marker. */
  readonly end: number;
}

/** Why the search failed: `unresolved` (the judge never accepted), or what the end of the file shows instead. */
export type TailFailureCause = 'unresolved' | 'truncated' | 'data-after-trailer';

export interface TailSearchFailure {
  readonly failed: string;
  readonly cause: TailFailureCause;
}

/**
 * A failed decode that proves the file does not end with a complete gzip member: it went through at least this many
 * block headers that random bits rarely pass (dynamic or stored) after its first block, then ran out of data (or met
 * bytes after a trailer) without any candidate of the same window decoding to the trailer.
 */
const PROOF_STRONG_HEADERS = 1;

/**
 * Reads growing windows from the end of `source` until a candidate block start decodes to the trailer and the
 * judge accepts it. Fails (with the last reason) when the largest window does not resolve, and at once when the
 * end of the file is shown not to be a deflate stream ending in a gzip trailer (truncated, or data after it).
 *
 * Each block start that failed is remembered (by absolute bit offset) with how it failed: a later decode that
 * reaches it stops there, so the work over all candidates and all window doublings stays linear in the window
 * instead of decoding to the end of the file once per candidate.
 */
export async function locateTail(source: ByteSource, options: TailSearchOptions): Promise<LocatedTail | TailSearchFailure> {
  let windowStart = source.size;
  let window = new Uint8Array(0);
  let size = options.initialWindow;
  let lastWhy = 'no deflate block start found in the tail';
  /** Block starts known to fail, by absolute bit offset in the source. */
  const dead = new Map<number, DecodeFailure>();
  /** The failed decode that went through the most blocks: what the end of the file looks like. */
  let longest: { blocks: number; failure: DecodeFailure } | undefined;
  let anyDecoded = false;
  for (;;) {
    const start = Math.max(0, source.size - size);
    const fresh = await source.read(start, windowStart);
    options.onRead(fresh.length);
    const next = new Uint8Array(fresh.length + window.length);
    next.set(fresh);
    next.set(window, fresh.length);
    const newBits = fresh.length * 8;
    window = next;
    windowStart = start;
    const base = windowStart * 8;
    const deadHere = new Map<number, DecodeFailure>();
    for (const [bit, failure] of dead) deadHere.set(bit - base, failure);
    const candidates: { bit: number; atMemberStart: boolean }[] = findBlockStarts(window, 0, newBits).map((bit) => ({ bit, atMemberStart: false }));
    if (windowStart === 0) {
      const h = gzipHeaderLength(window, 0);
      if (h > 0) candidates.unshift({ bit: h * 8, atMemberStart: true });
    }
    let proof: DecodeFailure | undefined;
    for (const c of candidates) {
      if (!c.atMemberStart && deadHere.has(c.bit)) continue;
      const trace: DecodeTrace = { blockBits: [], strongHeaders: 0 };
      const decoding = decodeToEnd(window, c.bit, { maxOut: options.maxOut, atMemberStart: c.atMemberStart, dead: deadHere, trace });
      if (!decoding) {
        if (!failsFromAnyStart(trace.failure)) continue;
        for (const bit of trace.blockBits) {
          deadHere.set(bit, trace.failure!);
          dead.set(base + bit, trace.failure!);
        }
        if (!longest || trace.blockBits.length > longest.blocks) longest = { blocks: trace.blockBits.length, failure: trace.failure! };
        if (trace.failure !== 'invalid' && trace.strongHeaders >= PROOF_STRONG_HEADERS) proof = trace.failure;
        continue;
      }
      anyDecoded = true;
      options.onDecoded(decoding.length);
      const verdict = options.judge(decoding);
      if (verdict.kind === 'accept') return { window, windowStart, decoding, end: verdict.end };
      lastWhy = verdict.why;
      if (verdict.kind === 'grow') break;
    }
    if (proof && !anyDecoded) return endFailure(proof);
    if (windowStart === 0 || size >= options.maxWindow) {
      return !anyDecoded && longest && longest.failure !== 'invalid' ? endFailure(longest.failure) : { failed: lastWhy, cause: 'unresolved' };
    }
    size = Math.min(size * 2, options.maxWindow);
  }
}

function endFailure(failure: DecodeFailure): TailSearchFailure {
  return failure === 'after-trailer'
    ? { failed: 'the deflate stream ends with a gzip trailer, but more bytes follow it that are not a gzip member', cause: 'data-after-trailer' }
    : {
      failed: 'the archive is truncated: the deflate stream runs into the end of the file without a final block followed by the 8-byte gzip trailer',
      cause: 'truncated',
    };
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
 * Builds the replacement for everything from the block that holds `located.end`.
 * `content` gets the number of zero bytes from the marker to the end of the tar and returns the new bytes
 * (entries + marker + padding). `byteAt` gives an original byte by decode offset when the decode does not know it.
 */
export function buildTailPatch(
  located: LocatedTail,
  content: (zerosAfterEnd: number) => Uint8Array,
  byteAt: (decodeOffset: number) => number | undefined = () => undefined,
): TailPatch {
  const { window, windowStart, decoding, end } = located;
  let blockIndex = -1;
  for (let i = 0; i < decoding.blocks.length; i++) if (decoding.blocks[i].out <= end) blockIndex = i;
  if (blockIndex < 0) throw new Error('buildTailPatch: no block starts before the marker');
  const block = decoding.blocks[blockIndex];
  const member = decoding.members[block.member];
  const known = (i: number): number | undefined => (decoding.unknown[i] ? byteAt(i) : decoding.out[i]);

  // The cut block's symbols up to the marker; a match that crosses it is shortened, or spelled as literals.
  const lengths: number[] = [];
  const values: number[] = [];
  if (block.out < end) {
    const symbols = readBlockSymbols(window, block.bit);
    if (!symbols) throw new Error('buildTailPatch: the cut block does not decode again');
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
          const b = known(k);
          if (b === undefined) throw new InjectionError('scan cannot patch this archive: a byte before the marker is unknown', 'STRATEGY_NOT_APPLICABLE');
          lengths.push(0);
          values.push(b);
        }
      }
      pos += length;
    }
  }

  const zerosInMember = member.outEnd - end;
  const newContent = content(decoding.length - end);
  const crcKept = crc32Uncombine(member.crc, crc32OfZeros(zerosInMember), zerosInMember);
  const crc = crc32(newContent, crcKept);
  const isize = member.isize - zerosInMember + newContent.length;

  const cutBit = windowStart * 8 + block.bit;
  const keep = Math.floor(cutBit / 8);
  const bitInByte = cutBit % 8;
  const writer = new BitWriter(window[Math.floor(block.bit / 8)], bitInByte);
  if (lengths.length > 0) writeFixedBlock(writer, lengths, values);
  writer.alignWithEmptyStoredBlock();
  const head = writer.finish();
  const deflated = zlib.deflateRawSync(newContent, { level: 9 });
  const trailer = gzipTrailer(crc, isize);
  const bytes = new Uint8Array(head.length + deflated.length + trailer.length);
  bytes.set(head);
  bytes.set(deflated, head.length);
  bytes.set(trailer, head.length + deflated.length);

  checkPatch(window, block.bit, bytes, located, block.out, newContent, crc);
  return { keep, bytes, bytesDeflated: end - block.out + newContent.length };
}

/**
 * Decodes the patched stream from the cut block again and checks it yields the original bytes up to the marker,
 * then exactly the new content, then our trailer: a guard against any encoder mistake.
 */
function checkPatch(window: Uint8Array, blockBit: number, patch: Uint8Array, located: LocatedTail, blockOut: number, newContent: Uint8Array, crc: number): void {
  const keepRel = Math.floor(blockBit / 8);
  const buf = new Uint8Array(keepRel + patch.length);
  buf.set(window.subarray(0, keepRel));
  buf.set(patch, keepRel);
  const kept = located.end - blockOut;
  const again = decodeToEnd(buf, blockBit, { maxOut: kept + newContent.length + 1 });
  const fail = (why: string) => new Error(`internal error: the patched tail does not decode back (${why})`);
  if (!again) throw fail('invalid stream');
  if (again.length !== kept + newContent.length) throw fail('length');
  const d = located.decoding;
  for (let i = 0; i < kept; i++) {
    if (!again.unknown[i] && !d.unknown[blockOut + i] && again.out[i] !== d.out[blockOut + i]) throw fail(`byte ${i}`);
  }
  for (let i = 0; i < newContent.length; i++) {
    if (again.unknown[kept + i] || again.out[kept + i] !== newContent[i]) throw fail(`new byte ${i}`);
  }
  if (again.members[again.members.length - 1].crc !== crc) throw fail('trailer');
}
