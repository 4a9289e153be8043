/** Tar header fields (ustar, GNU and PAX), and the safety rules for entry names and link targets. */
import { InjectionError } from './types';

export const BLOCK = 512;
/** Tar writers pad archives to a multiple of this record size (20 blocks). */
export const RECORD = 10240;

export interface RawHeader {
  readonly name: string;
  readonly size: number;
  readonly typeflag: string;
  readonly linkname: string;
  /** 'ustar' (POSIX, with prefix), 'gnu' ('ustar  '), or 'v7'. */
  readonly format: 'ustar' | 'gnu' | 'v7';
}

const decoder = new TextDecoder('utf-8');

function cString(block: Uint8Array, start: number, length: number): string {
  let end = start;
  while (end < start + length && block[end] !== 0) end++;
  return decoder.decode(block.subarray(start, end));
}

/** Octal (NUL/space terminated) or GNU base-256 number. Returns NaN when malformed. */
function parseNumber(block: Uint8Array, start: number, length: number): number {
  if (block[start] & 0x80) {
    if (block[start] === 0xff) return NaN; // negative base-256
    let v = block[start] & 0x7f;
    for (let i = 1; i < length; i++) v = v * 256 + block[start + i];
    return v;
  }
  let i = start;
  const end = start + length;
  while (i < end && (block[i] === 0x20 || block[i] === 0)) i++;
  let v = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = block[i];
    if (c === 0 || c === 0x20) break;
    if (c < 0x30 || c > 0x37) return NaN;
    v = v * 8 + (c - 0x30);
    digits++;
  }
  return digits === 0 ? 0 : v;
}

export function isZeroBlock(block: Uint8Array): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

/** The header checksum test tar tools apply (unsigned or, for old writers, signed byte sum). */
export function checksumValid(block: Uint8Array): boolean {
  const stored = parseNumber(block, 148, 8);
  if (Number.isNaN(stored)) return false;
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const c = i >= 148 && i < 156 ? 0x20 : block[i];
    unsigned += c;
    signed += c > 127 ? c - 256 : c;
  }
  return stored === unsigned || stored === signed;
}

/** Parses a non-zero header block; undefined when it is not a valid tar header. */
export function parseHeader(block: Uint8Array): RawHeader | undefined {
  if (!checksumValid(block)) return undefined;
  const size = parseNumber(block, 124, 12);
  if (Number.isNaN(size) || size < 0) return undefined;
  const magic = cString(block, 257, 6);
  const version = decoder.decode(block.subarray(263, 265));
  const format = magic === 'ustar' && version === '00' ? 'ustar' : magic === 'ustar' || magic === 'ustar ' ? 'gnu' : 'v7';
  let name = cString(block, 0, 100);
  if (format === 'ustar') {
    const prefix = cString(block, 345, 155);
    if (prefix) name = `${prefix}/${name}`;
  }
  const typeflag = block[156] === 0 ? '0' : String.fromCharCode(block[156]);
  return { name, size, typeflag, linkname: cString(block, 157, 100), format };
}

/** Entry types that carry `size` bytes of data in the archive (tarfile and GNU tar agree on these). */
export function hasData(typeflag: string): boolean {
  return !['1', '2', '3', '4', '5', '6'].includes(typeflag);
}

/** Parses PAX extended header records ("%d %s=%s\n"). */
export function parsePax(data: Uint8Array): Map<string, string> {
  const records = new Map<string, string>();
  let p = 0;
  while (p < data.length) {
    let q = p;
    while (q < data.length && data[q] !== 0x20) q++;
    const len = Number(decoder.decode(data.subarray(p, q)));
    if (!Number.isInteger(len) || len <= 0 || p + len > data.length) {
      if (data.subarray(p).every((b) => b === 0)) break;
      throw new InjectionError('not a valid tar archive: malformed PAX extended header', 'NOT_TAR');
    }
    const record = decoder.decode(data.subarray(q + 1, p + len - 1));
    const eq = record.indexOf('=');
    if (eq > 0) records.set(record.slice(0, eq), record.slice(eq + 1));
    p += len;
  }
  return records;
}

/**
 * Normalises an archive entry name for comparisons: strips leading `./` and trailing `/`.
 * Refuses absolute names and names with a `..` component, which would extract outside the target directory.
 */
export function safeEntryName(name: string): string {
  if (name.startsWith('/') || /^[A-Za-z]:[\\/]/.test(name)) {
    throw new InjectionError(`refusing archive entry with an absolute name: ${JSON.stringify(name)}`, 'UNSAFE_ENTRY');
  }
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) {
    throw new InjectionError(`refusing archive entry whose name contains "..": ${JSON.stringify(name)}`, 'UNSAFE_ENTRY');
  }
  return parts.join('/');
}

/** Refuses a symbolic or hard link whose target lies outside the archive root. */
export function checkLinkTarget(entryName: string, typeflag: string, target: string): void {
  if (typeflag !== '1' && typeflag !== '2') return;
  const what = typeflag === '1' ? 'hard link' : 'symbolic link';
  if (target.startsWith('/')) {
    throw new InjectionError(`refusing ${what} ${JSON.stringify(entryName)} to an absolute path ${JSON.stringify(target)}`, 'UNSAFE_ENTRY');
  }
  // A symlink resolves from its own directory; a hard link names another entry from the archive root.
  const base = typeflag === '2' ? entryName.split('/').slice(0, -1) : [];
  const stack = [...base];
  for (const part of target.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (stack.length === 0) {
        throw new InjectionError(`refusing ${what} ${JSON.stringify(entryName)} pointing outside the archive: ${JSON.stringify(target)}`, 'UNSAFE_ENTRY');
      }
      stack.pop();
    } else {
      stack.push(part);
    }
  }
}

// Shared with the synth-time read of a local archive (lib/core/local-archive.ts), so both see code/ alike.
export { isCodeEntry } from '../../common/code-entry';
