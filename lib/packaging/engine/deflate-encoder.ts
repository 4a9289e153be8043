/**
 * The few DEFLATE encoding pieces the tail patch needs: an LSB-first bit writer, a fixed-Huffman block for the
 * kept symbols of the cut block, and the empty stored block that byte-aligns the stream at any bit position.
 */
import { DIST_BASE, DIST_EXTRA, LENGTH_BASE, LENGTH_EXTRA } from './huffman';

export class BitWriter {
  private readonly bytes: number[] = [];
  private acc: number;
  private count: number;

  /** Starts inside a byte whose low `bitCount` bits (`initial`) belong to the stream already written. */
  constructor(initial = 0, bitCount = 0) {
    this.acc = initial & ((1 << bitCount) - 1);
    this.count = bitCount;
  }

  /** Bits written so far, the initial ones included. */
  get position(): number {
    return this.bytes.length * 8 + this.count;
  }

  /** Writes `n` (<= 16) bits of `value`, LSB first. */
  bits(value: number, n: number): void {
    this.acc |= (value & ((1 << n) - 1)) << this.count;
    this.count += n;
    while (this.count >= 8) {
      this.bytes.push(this.acc & 0xff);
      this.acc >>>= 8;
      this.count -= 8;
    }
  }

  /** Writes a Huffman code (sent MSB first). */
  code(code: number, length: number): void {
    let rev = 0;
    for (let i = 0; i < length; i++) rev |= ((code >> i) & 1) << (length - 1 - i);
    this.bits(rev, length);
  }

  /** An empty, non-final stored block: makes the stream byte-aligned whatever the current bit position. */
  alignWithEmptyStoredBlock(): void {
    this.bits(0, 3);
    if (this.count > 0) this.bits(0, 8 - this.count);
    this.bits(0x0000, 16);
    this.bits(0xffff, 16);
  }

  /** The bytes written; the writer must be byte-aligned. */
  finish(): Uint8Array {
    if (this.count !== 0) throw new Error('BitWriter.finish: not byte-aligned');
    return Uint8Array.from(this.bytes);
  }
}

function fixedLiteral(w: BitWriter, sym: number): void {
  if (sym < 144) w.code(0x30 + sym, 8);
  else if (sym < 256) w.code(0x190 + sym - 144, 9);
  else if (sym < 280) w.code(sym - 256, 7);
  else w.code(0xc0 + sym - 280, 8);
}

function lengthIndex(length: number): number {
  if (length === 258) return 28;
  let i = 0;
  while (i + 1 < 28 && LENGTH_BASE[i + 1] <= length) i++;
  return i;
}

function distIndex(distance: number): number {
  let i = 0;
  while (i + 1 < 30 && DIST_BASE[i + 1] <= distance) i++;
  return i;
}

/**
 * Writes a non-final fixed-Huffman block holding these LZ77 symbols (`lengths[i] === 0`: literal `values[i]`;
 * else a match of that length, 3..258, at distance `values[i]`).
 */
export function writeFixedBlock(w: BitWriter, lengths: readonly number[], values: readonly number[]): void {
  w.bits(0, 1); // BFINAL = 0
  w.bits(1, 2); // BTYPE = 01, fixed Huffman
  for (let i = 0; i < lengths.length; i++) {
    const length = lengths[i];
    if (length === 0) {
      fixedLiteral(w, values[i]);
      continue;
    }
    const li = lengthIndex(length);
    fixedLiteral(w, 257 + li);
    w.bits(length - LENGTH_BASE[li], LENGTH_EXTRA[li]);
    const di = distIndex(values[i]);
    w.code(di, 5);
    w.bits(values[i] - DIST_BASE[di], DIST_EXTRA[di]);
  }
  fixedLiteral(w, 256);
}
