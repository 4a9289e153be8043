/**
 * Tar headers (ustar, GNU and PAX), read strictly: only the forms GNU tar, Python tarfile and bsdtar read the same
 * way are accepted, and every other form is refused with what was found. The rules, and the reader behaviour each
 * one rests on, are listed in docs/injection-engine.md ("Refusals"); test/packaging/engine/readers-agree.local.test.ts
 * shows each disagreement with the three readers themselves.
 */
import { InjectionError } from './types';

export const BLOCK = 512;
/** Tar writers pad archives to a multiple of this record size (20 blocks). */
export const RECORD = 10240;

export type HeaderFormat = 'ustar' | 'gnu' | 'v7';

export interface RawHeader {
  /** The name as the header spells it (ustar: prefix + '/' + name), before extended headers apply. */
  readonly name: string;
  readonly size: number;
  readonly typeflag: string;
  readonly linkname: string;
  readonly format: HeaderFormat;
  /** The 100-byte name field alone ends with '/' (Python tarfile makes such a '\0' member a directory). */
  readonly nameFieldEndsWithSlash: boolean;
  /** The type byte is NUL (the old regular-file type; `typeflag` says '0'). */
  readonly oldRegular: boolean;
}

const utf8 = new TextDecoder('utf-8');
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Member types whose data follows the header (`size` bytes, padded to 512). */
const DATA_TYPES = new Set(['0', '7']);
/** Member types that carry no data: their size field must be 0 (GNU tar skips `size` bytes after some of them). */
const EMPTY_TYPES: Record<string, string> = { 1: 'hard link', 2: 'symbolic link', 3: 'character device', 4: 'block device', 5: 'directory', 6: 'FIFO' };
/** Extended headers: data that applies to the next member (x, L, K) or to every later member (g). */
const EXTENDED_TYPES = new Set(['x', 'g', 'L', 'K']);
/** Types the readers know but the engine does not pass through, with what they are. */
const UNSUPPORTED_TYPES: Record<string, string> = {
  S: 'a GNU sparse file (old GNU format)',
  V: 'a GNU volume label',
  M: 'a GNU multi-volume continuation',
  N: 'an old GNU long-name record',
  D: 'a GNU incremental dump directory',
  X: 'a Solaris extended header',
};

export function isDataType(typeflag: string): boolean {
  return DATA_TYPES.has(typeflag);
}

export function isExtendedType(typeflag: string): boolean {
  return EXTENDED_TYPES.has(typeflag);
}

/** What a zero-size member type is, or undefined for other types. */
export function emptyTypeName(typeflag: string): string | undefined {
  return EMPTY_TYPES[typeflag];
}

/** Offset `at` as the messages say it: "at byte N of the tar". */
function where(at: number): string {
  return `at byte ${at} of the tar`;
}

/** A name or value for a one-line message: JSON-quoted, and cut after 200 characters (names may be megabytes). */
export function quote(text: string): string {
  return text.length <= 200 ? JSON.stringify(text) : `${JSON.stringify(text.slice(0, 200))}... (${text.length} characters)`;
}

export function ambiguous(what: string, at: number): InjectionError {
  return new InjectionError(`GNU tar, Python tarfile and bsdtar would read this archive differently: ${what} ${where(at)}`, 'AMBIGUOUS_ARCHIVE');
}

function cStringBytes(block: Uint8Array, start: number, length: number): Uint8Array {
  let end = start;
  while (end < start + length && block[end] !== 0) end++;
  return block.subarray(start, end);
}

export function isZeroBlock(block: Uint8Array): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

/**
 * A numeric header field, in the one form the three readers parse alike: all NUL (zero); or optional spaces, octal
 * digits, then only spaces and NULs; or GNU base-256 with the 0x80 marker (sizes of 8 GiB and more). Returns the
 * value, or what is wrong with the field: Python tarfile treats a field it cannot parse as the end of the archive
 * (silently), GNU tar reports it and reads on, bsdtar reads the leading digits.
 */
export function numericField(block: Uint8Array, start: number, length: number, base256 = true): number | string {
  const end = start + length;
  const first = block[start];
  if (first === 0x80 && base256) {
    let v = 0;
    for (let i = start + 1; i < end; i++) v = v * 256 + block[i];
    return Number.isSafeInteger(v) ? v : 'a base-256 value past 2^53';
  }
  if (first >= 0x80) return first === 0xff ? 'a negative base-256 value' : `the byte 0x${first.toString(16)} where digits belong`;
  let i = start;
  while (i < end && block[i] === 0) i++;
  if (i === end) return 0;
  i = start;
  while (i < end && block[i] === 0x20) i++;
  let v = 0;
  let digits = 0;
  for (; i < end && block[i] >= 0x30 && block[i] <= 0x37; i++, digits++) v = v * 8 + (block[i] - 0x30);
  if (digits === 0) return `${JSON.stringify(String.fromCharCode(...block.subarray(start, end)))} where octal digits belong`;
  for (; i < end; i++) {
    if (block[i] !== 0 && block[i] !== 0x20) return `${JSON.stringify(String.fromCharCode(...block.subarray(start, end)))} (characters after the digits)`;
  }
  return v;
}

const NUMERIC_FIELDS: readonly [string, number, number][] = [
  ['mode', 100, 8], ['uid', 108, 8], ['gid', 116, 8], ['size', 124, 12], ['mtime', 136, 12], ['devmajor', 329, 8], ['devminor', 337, 8],
];

/** The header checksum test tar tools apply (unsigned or, for old writers, signed byte sum), on an octal field. */
export function checksumValid(block: Uint8Array): boolean {
  const stored = numericField(block, 148, 8, false);
  if (typeof stored !== 'number') return false;
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const c = i >= 148 && i < 156 ? 0x20 : block[i];
    unsigned += c;
    signed += c > 127 ? c - 256 : c;
  }
  return stored === unsigned || stored === signed;
}

function formatOf(block: Uint8Array): HeaderFormat | undefined {
  const magic = String.fromCharCode(...block.subarray(257, 265));
  if (magic === 'ustar\u000000') return 'ustar';
  if (magic === 'ustar  \u0000') return 'gnu';
  if (block.subarray(257, 265).every((b) => b === 0)) return 'v7';
  return undefined;
}

/**
 * Parses a non-zero header block at tar offset `at`. Throws NOT_TAR when its checksum is wrong (it is not a
 * header), AMBIGUOUS_ARCHIVE when a field is in a form the readers parse differently, UNSUPPORTED_ENTRY for member
 * types the engine does not pass through.
 */
export function parseHeader(block: Uint8Array, at: number): RawHeader {
  if (!checksumValid(block)) {
    const what = at === 0 ? 'not a tar archive' : 'corrupt tar archive';
    throw new InjectionError(`${what}: invalid header checksum ${where(at)}`, 'NOT_TAR');
  }
  const typeflag = block[156] === 0 ? '0' : String.fromCharCode(block[156]);
  const values: Record<string, number> = {};
  for (const [field, start, length] of NUMERIC_FIELDS) {
    const v = numericField(block, start, length);
    if (typeof v === 'string') throw ambiguous(`the ${field} field of a header holds ${v}`, at);
    values[field] = v;
  }
  const format = formatOf(block);
  if (!format) {
    throw ambiguous(`a header with the unrecognised magic ${JSON.stringify(String.fromCharCode(...block.subarray(257, 265)))} (GNU tar reads it as v7, bsdtar may not)`, at);
  }
  const unsupported = UNSUPPORTED_TYPES[typeflag];
  if (unsupported) {
    throw new InjectionError(`the member at byte ${at} of the tar is ${unsupported} (type '${typeflag}'), which the engine does not pass through: build the archive without it`, 'UNSUPPORTED_ENTRY');
  }
  if (!DATA_TYPES.has(typeflag) && !EMPTY_TYPES[typeflag] && !EXTENDED_TYPES.has(typeflag)) {
    throw new InjectionError(`the member at byte ${at} of the tar has the unknown type ${JSON.stringify(typeflag)}: GNU tar extracts it as a regular file with a warning; build the archive without it`, 'UNSUPPORTED_ENTRY');
  }
  const nameField = cStringBytes(block, 0, 100);
  let name = utf8.decode(nameField);
  if (format === 'ustar') {
    const prefix = cStringBytes(block, 345, 155);
    if (prefix.length > 0) name = `${utf8.decode(prefix)}/${name}`;
  } else if (block[345] !== 0 && typeflag !== 'L' && typeflag !== 'K') {
    // Python tarfile joins bytes 345-500 to the name whatever the format; GNU tar and bsdtar use them only in ustar.
    throw ambiguous(`a ${format === 'gnu' ? 'GNU' : 'v7'} header with bytes in the ustar prefix field (Python tarfile prepends them to the name, GNU tar and bsdtar do not)`, at);
  }
  return {
    name,
    size: values.size,
    typeflag,
    linkname: utf8.decode(cStringBytes(block, 157, 100)),
    format,
    nameFieldEndsWithSlash: nameField.length > 0 && nameField[nameField.length - 1] === 0x2f,
    oldRegular: block[156] === 0,
  };
}

/** True when the block is a checksum-valid tar header (the input detection's test). */
export function looksLikeTarHeader(block: Uint8Array): boolean {
  return block.length === BLOCK && !isZeroBlock(block) && checksumValid(block);
}

/** The PAX keys that change which bytes a member holds or how readers find them: refused when a reader would differ. */
const SPARSE_KEY = /^(GNU\.sparse\.|SCHILY\.realsize$|SUN\.holesdata$)/;
const DECIMAL = /^[0-9]+$/;
const TIME = /^-?[0-9]+(\.[0-9]+)?$/;
const UTF8_CHARSET = 'ISO-IR 10646 2000 UTF-8';

/**
 * Parses PAX extended header records (`%d %s=%s\n`) strictly: each record's length counts exactly its bytes, ends
 * with a newline, names a key without '=' or NUL, and the records fill the data exactly. Values of the keys the
 * readers interpret are checked too (decimal sizes and ids, UTF-8 names without NUL). Throws AMBIGUOUS_ARCHIVE or
 * UNSUPPORTED_ENTRY (sparse files) with the record.
 */
export function parsePax(data: Uint8Array, at: number): Map<string, string> {
  const records = new Map<string, string>();
  let p = 0;
  while (p < data.length) {
    let q = p;
    while (q < data.length && q - p < 20 && data[q] >= 0x30 && data[q] <= 0x39) q++;
    const len = q > p && data[p] !== 0x30 ? Number(utf8.decode(data.subarray(p, q))) : NaN;
    if (data[q] !== 0x20 || !Number.isSafeInteger(len) || p + len > data.length || data[p + len - 1] !== 0x0a) {
      throw ambiguous('a malformed PAX extended header record (its length, space or newline is wrong)', at);
    }
    const eq = data.indexOf(0x3d, q + 1);
    if (eq < 0 || eq >= p + len - 1 || eq === q + 1) throw ambiguous('a PAX extended header record without a key', at);
    const keyBytes = data.subarray(q + 1, eq);
    if (keyBytes.includes(0)) throw ambiguous('a PAX extended header key with a NUL byte', at);
    const key = utf8.decode(keyBytes);
    const valueBytes = data.subarray(eq + 1, p + len - 1);
    let value: string;
    try {
      value = strictUtf8.decode(valueBytes);
    } catch {
      value = '';
      if (key === 'path' || key === 'linkpath') throw ambiguous(`a PAX ${key} that is not UTF-8`, at);
    }
    checkPaxRecord(key, value, valueBytes, at);
    if (records.has(key) && (key === 'path' || key === 'linkpath' || key === 'size')) throw ambiguous(`a PAX extended header that sets ${key} twice`, at);
    records.set(key, value);
    p += len;
  }
  return records;
}

function checkPaxRecord(key: string, value: string, bytes: Uint8Array, at: number): void {
  const bad = (why: string) => ambiguous(`the PAX record ${key.slice(0, 80)}=${quote(value.slice(0, 80))} (${why})`, at);
  if (SPARSE_KEY.test(key)) {
    throw new InjectionError(`the member at byte ${at} of the tar is a sparse file (PAX ${key}), which the engine does not pass through: build the archive without --sparse`, 'UNSUPPORTED_ENTRY');
  }
  switch (key) {
    case 'path':
    case 'linkpath':
    case 'uname':
    case 'gname':
      if (bytes.includes(0)) throw bad('a NUL byte: GNU tar cuts the value there, Python tarfile keeps it');
      if (key === 'path' && bytes.length === 0) throw bad('empty');
      return;
    case 'size':
    case 'uid':
    case 'gid':
      if (!DECIMAL.test(value) || !Number.isSafeInteger(Number(value))) throw bad('not a plain decimal number');
      return;
    case 'mtime':
    case 'atime':
    case 'ctime':
      if (!TIME.test(value)) throw bad('not a plain decimal time');
      return;
    case 'hdrcharset':
      if (value !== UTF8_CHARSET) throw bad('names in another charset than UTF-8 decode differently');
      return;
    default:
  }
}

/**
 * The keys a PAX global header may carry: `comment` only (what `git archive` writes). GNU tar and Python tarfile
 * apply the others (path, linkpath, size, uid, mtime, ...) to every later member, bsdtar ignores them all.
 */
export const HARMLESS_GLOBAL_KEYS: ReadonlySet<string> = new Set(['comment']);

/**
 * Normalises an archive entry name for comparisons: strips leading `./` and trailing `/`.
 * Refuses absolute names, names with a `..` component, which would extract outside the target directory, and names
 * with control characters.
 */
export function safeEntryName(name: string): string {
  if (name.startsWith('/') || /^[A-Za-z]:[\\/]/.test(name)) {
    throw new InjectionError(`refusing archive entry with an absolute name: ${quote(name)}`, 'UNSAFE_ENTRY');
  }
  if (/[\u0000-\u001f\u007f]/.test(name)) {
    throw new InjectionError(`refusing archive entry whose name contains a control character: ${quote(name)}`, 'UNSAFE_ENTRY');
  }
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) {
    throw new InjectionError(`refusing archive entry whose name contains "..": ${quote(name)}`, 'UNSAFE_ENTRY');
  }
  return parts.join('/');
}

/** Refuses a symbolic or hard link whose target lies outside the archive root (or holds control characters). */
export function checkLinkTarget(entryName: string, typeflag: string, target: string): void {
  if (typeflag !== '1' && typeflag !== '2') return;
  const what = typeflag === '1' ? 'hard link' : 'symbolic link';
  if (target.startsWith('/')) {
    throw new InjectionError(`refusing ${what} ${quote(entryName)} to an absolute path ${quote(target)}`, 'UNSAFE_ENTRY');
  }
  if (/[\u0000-\u001f\u007f]/.test(target)) {
    throw new InjectionError(`refusing ${what} ${quote(entryName)} whose target contains a control character: ${quote(target)}`, 'UNSAFE_ENTRY');
  }
  // A symlink resolves from its own directory; a hard link names another entry from the archive root.
  const base = typeflag === '2' ? entryName.split('/').slice(0, -1) : [];
  const stack = [...base];
  for (const part of target.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (stack.length === 0) {
        throw new InjectionError(`refusing ${what} ${quote(entryName)} pointing outside the archive: ${quote(target)}`, 'UNSAFE_ENTRY');
      }
      stack.pop();
    } else {
      stack.push(part);
    }
  }
}

// Shared with the synth-time read of a local archive (lib/core/local-archive.ts), so both see code/ alike.
export { isCodeEntry } from '../../common/code-entry';
