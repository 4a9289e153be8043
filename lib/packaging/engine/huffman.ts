/**
 * Canonical Huffman decode tables for DEFLATE (RFC 1951), with the completeness rules zlib's inflate_table
 * applies: an over-subscribed code is always invalid; an incomplete code is invalid except a single 1-bit code
 * (zlib accepts that for literal/length and distance codes, never for the code-length code).
 */

/** A decode table indexed by the next `bits` input bits (LSB first); entry = symbol << 4 | code length, -1 = invalid. */
export interface DecodeTable {
  readonly table: Int32Array;
  readonly bits: number;
}

export type CodeKind = 'codelens' | 'lens' | 'dists';

/** Builds a table for `lengths[0..count)`, or returns undefined when zlib would reject the code. */
export function buildTable(lengths: Uint8Array, count: number, kind: CodeKind): DecodeTable | undefined {
  const blCount = new Int32Array(16);
  let maxLen = 0;
  for (let i = 0; i < count; i++) {
    const len = lengths[i];
    blCount[len]++;
    if (len > maxLen) maxLen = len;
  }
  if (maxLen === 0) {
    // No codes at all: legal for distances (a literal-only block), never for the other two.
    if (kind !== 'dists') return undefined;
    return { table: new Int32Array(2).fill(-1), bits: 1 };
  }
  let left = 1;
  for (let len = 1; len <= 15; len++) {
    left = left * 2 - blCount[len];
    if (left < 0) return undefined; // over-subscribed
  }
  if (left > 0 && (kind === 'codelens' || maxLen !== 1)) return undefined; // incomplete
  const nextCode = new Int32Array(16);
  let code = 0;
  blCount[0] = 0; // unused symbols must not shift the first code
  for (let len = 1; len <= 15; len++) {
    code = (code + blCount[len - 1]) << 1;
    nextCode[len] = code;
  }
  const size = 1 << maxLen;
  const table = new Int32Array(size).fill(-1);
  for (let sym = 0; sym < count; sym++) {
    const len = lengths[sym];
    if (len === 0) continue;
    const c = nextCode[len]++;
    // Reverse the code: DEFLATE sends Huffman codes MSB first into an LSB-first bit stream.
    let rev = 0;
    for (let i = 0; i < len; i++) rev |= ((c >> i) & 1) << (len - 1 - i);
    const entry = (sym << 4) | len;
    for (let i = rev; i < size; i += 1 << len) table[i] = entry;
  }
  return { table, bits: maxLen };
}

function fixedTables(): { lit: DecodeTable; dist: DecodeTable } {
  const lens = new Uint8Array(288);
  for (let i = 0; i < 144; i++) lens[i] = 8;
  for (let i = 144; i < 256; i++) lens[i] = 9;
  for (let i = 256; i < 280; i++) lens[i] = 7;
  for (let i = 280; i < 288; i++) lens[i] = 8;
  // The fixed distance code has 32 entries of 5 bits (30 and 31 are invalid if used). pigz ends its stream with a
  // fixed-Huffman block, so a 30-entry table would mis-decode it.
  const dl = new Uint8Array(32).fill(5);
  return { lit: buildTable(lens, 288, 'lens')!, dist: buildTable(dl, 32, 'dists')! };
}

export const FIXED = fixedTables();

/** Base lengths and extra bits of length symbols 257..285. */
export const LENGTH_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
export const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
/** Base distances and extra bits of distance symbols 0..29. */
export const DIST_BASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
export const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
/** Order in which code-length code lengths are sent. */
export const CODELEN_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];
