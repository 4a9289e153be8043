/**
 * Finds bit offsets where a deflate block could start: a dynamic-Huffman header that zlib would accept, or a stored
 * block whose LEN is the complement of NLEN. Fixed-Huffman blocks are not searched (any 3 bits look like one); they
 * are decoded when reached from an earlier start. Candidates are only candidates: the caller accepts one when its
 * decode ends exactly at the trailer.
 */
import { readDynamicHeader } from './deflate-decoder';

/**
 * A cheap first test of a dynamic header, without allocating: the code-length code (HCLEN + 4 lengths of 3 bits)
 * must be complete (Kraft sum exactly 1), as zlib requires. Rejects the vast majority of false offsets.
 */
function codeLengthCodeComplete(buf: Uint8Array, bit: number): boolean {
  // 4 bits of HCLEN then up to 19 fields of 3 bits, read through a small running bit buffer.
  let p = Math.floor((bit + 13) / 8);
  let acc = (buf[p] | (buf[p + 1] << 8) | (buf[p + 2] << 16)) >>> ((bit + 13) % 8);
  let avail = 24 - ((bit + 13) % 8);
  p += 3;
  const hclen = (acc & 15) + 4;
  acc >>>= 4;
  avail -= 4;
  let kraft = 0;
  for (let i = 0; i < hclen; i++) {
    if (avail < 3) {
      acc |= buf[p++] << avail;
      avail += 8;
    }
    const len = acc & 7;
    acc >>>= 3;
    avail -= 3;
    if (len) {
      kraft += 128 >> len;
      if (kraft > 128) return false; // over-subscribed: most false offsets stop here
    }
  }
  return kraft === 128;
}

/** Candidate block starts in bit range [fromBit, toBit) of `buf`, ascending. */
export function findBlockStarts(buf: Uint8Array, fromBit: number, toBit: number): number[] {
  const found: number[] = [];
  const firstByte = Math.floor(fromBit / 8);
  const lastByte = Math.min(Math.ceil(toBit / 8), buf.length - 2);
  for (let i = firstByte; i < lastByte; i++) {
    const v = (buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24)) >>> 0;
    for (let s = 0; s < 8; s++) {
      const bit = i * 8 + s;
      if (bit < fromBit || bit >= toBit) continue;
      const x = v >>> s;
      const type = (x >>> 1) & 3;
      if (type === 2) {
        // HLIT <= 29 and HDIST <= 29 first: cheap, and rejects most offsets.
        if (((x >>> 3) & 31) > 29 || ((x >>> 8) & 31) > 29) continue;
        if (!codeLengthCodeComplete(buf, bit)) continue;
        if (readDynamicHeader(buf, bit)) found.push(bit);
      } else if (type === 0) {
        const p = s <= 5 ? i + 1 : i + 2;
        if (p + 4 > buf.length) continue;
        const len = buf[p] | (buf[p + 1] << 8);
        const nlen = buf[p + 2] | (buf[p + 3] << 8);
        if ((len ^ 0xffff) === nlen && p + 4 + len <= buf.length) found.push(bit);
      }
    }
  }
  return found;
}
