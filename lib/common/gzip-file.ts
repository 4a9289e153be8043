import * as fs from 'fs';

/** Whether a file starts with the gzip magic bytes 1f 8b (RFC 1952): reads two bytes, whatever the file's size. */
export function isGzipFile(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const magic = Buffer.alloc(2);
    return fs.readSync(fd, magic, 0, 2, 0) === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  } finally {
    fs.closeSync(fd);
  }
}
