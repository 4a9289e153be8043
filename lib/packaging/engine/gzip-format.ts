/** The gzip container (RFC 1952): header parsing and the fixed header and trailer this engine writes. */

export const GZIP_MAGIC_1 = 0x1f;
export const GZIP_MAGIC_2 = 0x8b;
const FHCRC = 2;
const FEXTRA = 4;
const FNAME = 8;
const FCOMMENT = 16;

/** True when the bytes start like a gzip member (magic and deflate method). */
export function looksLikeGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === GZIP_MAGIC_1 && bytes[1] === GZIP_MAGIC_2 && bytes[2] === 8;
}

/**
 * Length of the gzip member header at `pos`, or -1 when the bytes there are not a complete, valid header.
 * Handles FEXTRA, FNAME, FCOMMENT and FHCRC.
 */
export function gzipHeaderLength(buf: Uint8Array, pos: number): number {
  if (pos + 10 > buf.length) return -1;
  if (buf[pos] !== GZIP_MAGIC_1 || buf[pos + 1] !== GZIP_MAGIC_2 || buf[pos + 2] !== 8) return -1;
  const flags = buf[pos + 3];
  if (flags & 0xe0) return -1;
  let p = pos + 10;
  if (flags & FEXTRA) {
    if (p + 2 > buf.length) return -1;
    p += 2 + (buf[p] | (buf[p + 1] << 8));
  }
  for (const flag of [FNAME, FCOMMENT]) {
    if (flags & flag) {
      while (p < buf.length && buf[p] !== 0) p++;
      if (p >= buf.length) return -1;
      p++;
    }
  }
  if (flags & FHCRC) p += 2;
  return p > buf.length ? -1 : p - pos;
}

/** The 10-byte header of every member this engine writes: no name, no mtime (reproducible), OS = Unix. */
export const GZIP_HEADER = Uint8Array.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);

/** The 8-byte trailer: CRC-32 and ISIZE (length mod 2^32), little-endian. */
export function gzipTrailer(crc: number, length: number): Uint8Array {
  const t = new Uint8Array(8);
  const view = new DataView(t.buffer);
  view.setUint32(0, crc >>> 0, true);
  view.setUint32(4, ((length % 2 ** 32) + 2 ** 32) % 2 ** 32, true);
  return t;
}

export function readUint32LE(buf: Uint8Array, pos: number): number {
  return (buf[pos] | (buf[pos + 1] << 8) | (buf[pos + 2] << 16) | (buf[pos + 3] << 24)) >>> 0;
}
