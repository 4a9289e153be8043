import { createHash } from 'crypto';
import * as zlib from 'zlib';
import type { CodeFile } from '../engine/types';

/**
 * Reads the files of the inference-code asset: a zip file, as the CDK CLI packs a directory asset (yazl,
 * deflate, Unix modes, no directory entries). Also reads what Info-ZIP `zip` and Python `zipfile` write.
 * Entries are found through the central directory, so local headers with data descriptors are fine; CRC32s
 * are checked. Returns the files sorted by path, directories left out.
 */
export function readZip(zip: Uint8Array): CodeFile[] {
  const buf = Buffer.from(zip.buffer, zip.byteOffset, zip.byteLength);
  const eocd = findEndOfCentralDirectory(buf);
  const entryCount = buf.readUInt16LE(eocd + 10);
  const directorySize = buf.readUInt32LE(eocd + 12);
  const directoryOffset = buf.readUInt32LE(eocd + 16);
  if (entryCount === 0xffff || directoryOffset === 0xffffffff || directorySize === 0xffffffff) {
    throw new Error('the inference code archive is a ZIP64 file; keep the code directory under 65,535 files and 4 GiB');
  }
  if (directoryOffset + directorySize > eocd) throw new Error('the inference code archive is truncated (central directory out of range)');
  const files: CodeFile[] = [];
  let position = directoryOffset;
  for (let i = 0; i < entryCount; i++) {
    if (position + 46 > buf.length || buf.readUInt32LE(position) !== 0x02014b50) {
      throw new Error(`the inference code archive is corrupt (central directory entry ${i} not found)`);
    }
    const madeBy = buf.readUInt16LE(position + 4);
    const flags = buf.readUInt16LE(position + 8);
    const method = buf.readUInt16LE(position + 10);
    const crc = buf.readUInt32LE(position + 16);
    const compressedSize = buf.readUInt32LE(position + 20);
    const size = buf.readUInt32LE(position + 24);
    const nameLength = buf.readUInt16LE(position + 28);
    const extraLength = buf.readUInt16LE(position + 30);
    const commentLength = buf.readUInt16LE(position + 32);
    const externalAttributes = buf.readUInt32LE(position + 38);
    const localOffset = buf.readUInt32LE(position + 42);
    const rawName = buf.subarray(position + 46, position + 46 + nameLength);
    // Bit 11: UTF-8 name. Otherwise CP437, which equals ASCII for the names code directories hold.
    const name = (flags & 0x800 ? rawName.toString('utf8') : rawName.toString('latin1')).replace(/\\/g, '/');
    position += 46 + nameLength + extraLength + commentLength;

    if (name.endsWith('/')) continue;
    if (flags & 0x1) throw new Error(`${name} is encrypted in the inference code archive`);
    if (compressedSize === 0xffffffff || size === 0xffffffff) throw new Error(`${name} is a ZIP64 entry; files over 4 GiB are not inference code`);
    checkPath(name);

    if (localOffset + 30 > buf.length || buf.readUInt32LE(localOffset) !== 0x04034b50) {
      throw new Error(`the inference code archive is corrupt (no local header for ${name})`);
    }
    const dataStart = localOffset + 30 + buf.readUInt16LE(localOffset + 26) + buf.readUInt16LE(localOffset + 28);
    const compressed = buf.subarray(dataStart, dataStart + compressedSize);
    if (compressed.length !== compressedSize) throw new Error(`the inference code archive is truncated (${name})`);
    let data: Buffer;
    if (method === 0) data = Buffer.from(compressed);
    else if (method === 8) data = zlib.inflateRawSync(compressed);
    else throw new Error(`${name} uses zip compression method ${method}; only stored and deflate are supported`);
    if (data.length !== size || zlib.crc32(data) !== crc) throw new Error(`${name} fails its CRC check in the inference code archive`);

    // Unix "made by" (3): the high 16 bits of the external attributes are the file mode.
    const mode = madeBy >> 8 === 3 ? externalAttributes >>> 16 : 0;
    files.push({ path: name, data, executable: (mode & 0o111) !== 0 });
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function findEndOfCentralDirectory(buf: Buffer): number {
  // The record is 22 bytes plus a comment of at most 65,535 bytes, at the very end.
  const lowest = Math.max(0, buf.length - 22 - 0xffff);
  for (let i = buf.length - 22; i >= lowest; i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) return i;
  }
  throw new Error('the inference code asset is not a zip file (no end of central directory record)');
}

function checkPath(name: string): void {
  const parts = name.split('/');
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name) || parts.includes('..') || parts.includes('')) {
    throw new Error(`unsafe path in the inference code archive: ${JSON.stringify(name)}`);
  }
}

/** SHA-256 of the code files (paths, executable bits and contents), independent of how they were zipped. */
export function codeDigest(files: readonly CodeFile[]): string {
  const hash = createHash('sha256');
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const file of sorted) {
    hash.update(`${file.path}\0${file.executable ? 'x' : '-'}\0${file.data.length}\0`);
    hash.update(file.data);
  }
  return hash.digest('hex');
}
