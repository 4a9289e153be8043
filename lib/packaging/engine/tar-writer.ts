/**
 * Writes the new `code/` entries: deterministic bytes for the same inputs (sorted names, directory entries included,
 * fixed mtime, uid/gid 0, mode 0644 for files and 0755 for directories and executables), ustar headers, and a PAX
 * header only for a name that ustar cannot hold.
 */
import { BLOCK } from './tar-format';
import { TarWalker } from './tar-walker';
import { CodeFile, InjectionError } from './types';

/** 2000-01-01T00:00:00Z: a fixed, plausible mtime (some tools warn about 0). */
export const CODE_MTIME = 946684800;

const encoder = new TextEncoder();

export interface CodeEntries {
  /** The tar members (headers and padded data), without an end-of-archive marker. */
  readonly bytes: Uint8Array;
  /** Entry names in archive order; directories end with `/`. */
  readonly names: string[];
}

/** Validates a code file path and returns it normalised (POSIX, relative, no `.` segments). */
export function validateCodePath(path: string): string {
  const bad = (why: string) => new InjectionError(`invalid code file path ${JSON.stringify(path)}: ${why}`, 'BAD_CODE_FILE');
  if (path.length === 0) throw bad('it is empty');
  if (path.includes('\0')) throw bad('it contains a NUL byte');
  if (path.includes('\\')) throw bad('use "/" as the separator');
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) throw bad('it must be relative to code/');
  if (path.endsWith('/')) throw bad('it names a directory, not a file');
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0) throw bad('it names no file');
  if (parts.includes('..')) throw bad('it must not contain ".."');
  return parts.join('/');
}

function writeString(block: Uint8Array, offset: number, length: number, value: string): void {
  const bytes = encoder.encode(value);
  block.set(bytes.subarray(0, length), offset);
}

function writeOctal(block: Uint8Array, offset: number, length: number, value: number): void {
  writeString(block, offset, length - 1, value.toString(8).padStart(length - 1, '0'));
}

/** Splits a name into ustar prefix and name, or returns undefined when it does not fit. */
function splitUstar(name: string): [string, string] | undefined {
  const bytes = encoder.encode(name);
  if (bytes.length <= 100) return ['', name];
  for (let i = name.length - 1; i > 0; i--) {
    if (name[i] !== '/') continue;
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (encoder.encode(prefix).length <= 155 && encoder.encode(rest).length <= 100 && rest.length > 0) return [prefix, rest];
  }
  return undefined;
}

function header(name: string, typeflag: string, mode: number, size: number): Uint8Array {
  const block = new Uint8Array(BLOCK);
  const split = splitUstar(name);
  const [prefix, short] = split ?? ['', name.slice(0, 100)];
  writeString(block, 0, 100, short);
  writeOctal(block, 100, 8, mode);
  writeOctal(block, 108, 8, 0);
  writeOctal(block, 116, 8, 0);
  writeOctal(block, 124, 12, size);
  writeOctal(block, 136, 12, CODE_MTIME);
  block[156] = typeflag.charCodeAt(0);
  writeString(block, 257, 6, 'ustar');
  writeString(block, 263, 2, '00');
  writeString(block, 265, 32, 'root');
  writeString(block, 297, 32, 'root');
  writeString(block, 345, 155, prefix);
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += block[i];
  writeString(block, 148, 7, sum.toString(8).padStart(6, '0') + '\0');
  return block;
}

function padded(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(data.length / BLOCK) * BLOCK);
  out.set(data);
  return out;
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = encoder.encode(body).length;
  let total = len + String(len).length;
  while (total !== String(total).length + len) total = String(total).length + len;
  len = total;
  return `${len}${body}`;
}

function member(name: string, typeflag: string, mode: number, data: Uint8Array): Uint8Array[] {
  const parts: Uint8Array[] = [];
  if (!splitUstar(name)) {
    const pax = encoder.encode(paxRecord('path', name));
    parts.push(header('PaxHeader/' + name.slice(-80).replace(/^\/+/, ''), 'x', 0o644, pax.length), padded(pax));
  }
  parts.push(header(name, typeflag, mode, data.length));
  if (data.length > 0) parts.push(padded(data));
  return parts;
}

/** Builds the `code/` members for `files` (paths relative to `code/`). */
export function buildCodeEntries(files: readonly CodeFile[]): CodeEntries {
  if (files.length === 0) throw new InjectionError('no code files given: code/ would be empty', 'BAD_CODE_FILE');
  const fileByName = new Map<string, CodeFile>();
  for (const f of files) {
    const rel = validateCodePath(f.path);
    const name = `code/${rel}`;
    if (fileByName.has(name)) throw new InjectionError(`code file ${JSON.stringify(rel)} is given twice`, 'BAD_CODE_FILE');
    fileByName.set(name, f);
  }
  const dirs = new Set<string>(['code/']);
  for (const name of fileByName.keys()) {
    const parts = name.split('/');
    for (let i = 2; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/') + '/');
  }
  for (const d of dirs) {
    if (fileByName.has(d.slice(0, -1))) {
      throw new InjectionError(`code file ${JSON.stringify(d.slice(5, -1))} is also a directory of other code files`, 'BAD_CODE_FILE');
    }
  }
  const names = [...dirs, ...fileByName.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const parts: Uint8Array[] = [];
  for (const name of names) {
    const file = fileByName.get(name);
    if (file) parts.push(...member(name, '0', file.executable ? 0o755 : 0o644, file.data));
    else parts.push(...member(name, '5', 0o755, new Uint8Array(0)));
  }
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    bytes.set(p, o);
    o += p.length;
  }
  return { bytes, names };
}

/**
 * The bytes that replace the end of the archive: the code entries, a 1024-byte end-of-archive marker, and zero
 * padding so that the archive ends on a 10240-byte record boundary, given where the new bytes start (mod 10240).
 */
export function archiveTail(entries: CodeEntries, startMod: number, record = 10240): Uint8Array {
  const unpadded = entries.bytes.length + 2 * BLOCK;
  const total = unpadded + ((record - ((startMod + unpadded) % record)) % record);
  const out = new Uint8Array(total);
  out.set(entries.bytes);
  return out;
}

/**
 * Checks bytes from {@link archiveTail} as every reader will meet them, `start` bytes into the archive: a chain of
 * valid headers naming exactly `entries` in order, then the end-of-archive marker and zeros only, ending on a record
 * boundary. A guard against any writer mistake (it throws an internal error).
 */
export function checkArchiveTail(bytes: Uint8Array, entries: CodeEntries, start: number, record = 10240): void {
  const names: string[] = [];
  const walker = new TarWalker({ onEntry: (entry) => (names.push(entry.typeflag === '5' ? `${entry.normalizedName}/` : entry.normalizedName), true) });
  walker.push(bytes);
  walker.finish();
  const fail = (why: string) => new Error(`internal error: the new end of the archive is wrong (${why})`);
  if (names.join('\n') !== entries.names.join('\n')) throw fail(`it holds ${names.join(' ')}`);
  if (walker.endOfArchive !== entries.bytes.length) throw fail('the end-of-archive marker is not right after the entries');
  if ((start + bytes.length) % record !== 0) throw fail('it does not end on a record boundary');
}
