/**
 * The archives of the differential fuzzing: a case description (plain data, so fast-check can generate and shrink
 * it) and how to make the archive it describes with the real writers (GNU tar, bsdtar, Python tarfile; gzip, pigz,
 * pigz --independent, Python's zlib, multi-member gzip) and then damage it (tar-level header edits, bit flips,
 * truncations, appended data; gzip-level bit flips, truncations, appended members and garbage, edited trailers).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/** The Python side of the writers (a long-lived worker: see readers.ts). */
export interface PythonWriters {
  pythonWrite(src: string, out: string, format: string, globalHeaders: Record<string, string>): Promise<{ ok: boolean; error?: string }>;
  pythonGzip(src: string, out: string, level: number): Promise<void>;
}

export type ContentKind = 'random' | 'zeros' | 'text' | 'weights' | 'empty';

export type EntrySpec =
  | { readonly kind: 'file'; readonly name: string; readonly size: number; readonly content: ContentKind }
  | { readonly kind: 'dir'; readonly name: string }
  | { readonly kind: 'symlink'; readonly name: string; readonly target: string }
  | { readonly kind: 'hardlink'; readonly name: string; readonly target: number }
  | { readonly kind: 'fifo'; readonly name: string }
  | { readonly kind: 'nested-tar'; readonly name: string; readonly size: number };

export type Writer =
  | { readonly tool: 'gnu-tar'; readonly format: 'gnu' | 'posix' | 'ustar' | 'oldgnu' | 'v7'; readonly dotSlash: boolean }
  | { readonly tool: 'bsdtar'; readonly format: 'pax' | 'ustar' | 'gnutar' | 'restricted' | 'v7' }
  | { readonly tool: 'python'; readonly format: 'PAX' | 'GNU' | 'USTAR'; readonly globalHeader?: { readonly key: string; readonly value: string } };

export type Compressor =
  | { readonly tool: 'gzip' | 'pigz' | 'pigz-independent' | 'python-zlib'; readonly level: number }
  | { readonly tool: 'multi-member'; readonly level: number; readonly cuts: readonly number[] }
  | { readonly tool: 'none' };

export type TarMutation =
  | { readonly kind: 'header-byte'; readonly member: number; readonly offset: number; readonly value: number; readonly fixChecksum: boolean }
  | { readonly kind: 'header-field'; readonly member: number; readonly field: 'size' | 'typeflag' | 'mode' | 'uid' | 'mtime' | 'magic' | 'prefix' | 'linkname'; readonly value: number }
  | { readonly kind: 'base256-size'; readonly member: number }
  | { readonly kind: 'bitflip'; readonly at: number; readonly bit: number }
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'append-tar' }
  | { readonly kind: 'after-marker'; readonly bytes: number; readonly zero: boolean }
  | { readonly kind: 'single-zero-block' }
  | { readonly kind: 'global-header'; readonly key: string; readonly value: string };

export type GzipMutation =
  | { readonly kind: 'gz-bitflip'; readonly at: number; readonly bit: number }
  | { readonly kind: 'gz-truncate'; readonly bytes: number }
  | { readonly kind: 'gz-append'; readonly what: 'garbage' | 'zeros' | 'gzip-tar' | 'gzip-empty' | 'gzip-zeros' }
  | { readonly kind: 'gz-trailer'; readonly which: 'crc' | 'isize' };

export interface CaseSpec {
  readonly entries: readonly EntrySpec[];
  /** An existing code/ directory (with an inference.py) in the model tree. */
  readonly existingCode: boolean;
  readonly writer: Writer;
  readonly compressor: Compressor;
  readonly tarMutations: readonly TarMutation[];
  readonly gzipMutations: readonly GzipMutation[];
  /** Which of the code directories to inject (see {@link codeDirectories}). */
  readonly code: number;
}

/** Deterministic bytes for a file (the same spec gives the same archive): xorshift32 seeded from `seed`. */
function contentOf(kind: ContentKind, size: number, seed: string): Buffer {
  if (kind === 'empty' || size === 0) return Buffer.alloc(0);
  if (kind === 'zeros') return Buffer.alloc(size);
  const out = Buffer.alloc(size + 4);
  let x = 2166136261;
  for (let i = 0; i < seed.length; i++) x = Math.imul(x ^ seed.charCodeAt(i), 16777619) >>> 0;
  x ||= 1;
  for (let o = 0; o < size; o += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.writeUInt32LE(x >>> 0, o);
  }
  if (kind === 'text') {
    const words = ['tensor ', 'layer ', 'weight ', '{"a": 1} ', 'token ', 'model\n'];
    let o = 0;
    for (let i = 0; o < size; i++) o += out.write(words[out[i % out.length] % words.length], o);
  } else if (kind === 'weights') {
    for (let o = 3; o < size; o += 4) out[o] = 0x3c + (out[o] & 1);
  }
  return out.subarray(0, size);
}

function writeTree(dir: string, spec: CaseSpec): void {
  fs.mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (const [i, e] of spec.entries.entries()) {
    const p = path.join(dir, e.name);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    if (fs.existsSync(p) || isDangling(p)) continue;
    switch (e.kind) {
      case 'file':
        fs.writeFileSync(p, contentOf(e.content, e.size, `${i}${e.name}`));
        files.push(p);
        break;
      case 'dir':
        fs.mkdirSync(p, { recursive: true });
        break;
      case 'symlink':
        fs.symlinkSync(e.target, p);
        break;
      case 'hardlink':
        if (files.length > 0) fs.linkSync(files[e.target % files.length], p);
        break;
      case 'fifo':
        execFileSync('mkfifo', [p]);
        break;
      case 'nested-tar': {
        const inner = `${p}.d`;
        fs.mkdirSync(inner);
        fs.writeFileSync(path.join(inner, 'big.bin'), contentOf('random', e.size, `${i}nested`));
        fs.writeFileSync(path.join(inner, 'small.txt'), 'hello\n');
        execFileSync('tar', ['--sort=name', '-cf', p, '-C', inner, '.']);
        fs.rmSync(inner, { recursive: true });
        files.push(p);
        break;
      }
    }
  }
  if (spec.existingCode) {
    fs.mkdirSync(path.join(dir, 'code'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'code', 'inference.py'), 'def model_fn(model_dir):\n    return "old"\n');
    fs.writeFileSync(path.join(dir, 'code', 'old_helper.py'), 'OLD = 1\n');
  }
}

function isDangling(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/** The uncompressed tar the writer makes of `dir`. */
async function writeTar(dir: string, writer: Writer, py: PythonWriters): Promise<Buffer> {
  const big = { maxBuffer: 1024 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] as ('ignore' | 'pipe')[] };
  switch (writer.tool) {
    case 'gnu-tar': {
      const names = writer.dotSlash ? ['.'] : fs.readdirSync(dir).sort();
      if (names.length === 0) names.push('.');
      return execFileSync('tar', ['--sort=name', `--format=${writer.format}`, '-cf', '-', '-C', dir, ...names], big);
    }
    case 'bsdtar': {
      const format = writer.format === 'restricted' ? [] : ['--format', writer.format];
      return execFileSync('bsdtar', [...format, '-cf', '-', '-C', dir, '.'], big);
    }
    case 'python': {
      const out = `${dir}.python.tar`;
      const r = await py.pythonWrite(dir, out, writer.format, writer.globalHeader ? { [writer.globalHeader.key]: writer.globalHeader.value } : {});
      if (!r.ok) throw new Error(`Python tarfile cannot write this tree: ${r.error}`);
      const tar = fs.readFileSync(out);
      fs.rmSync(out);
      return tar;
    }
  }
}

/** Header offsets of a tar, read leniently (a mutation only needs to find them). */
export function headerOffsets(tar: Buffer): number[] {
  const offsets: number[] = [];
  let p = 0;
  while (p + 512 <= tar.length) {
    const h = tar.subarray(p, p + 512);
    if (h.every((b) => b === 0)) break;
    offsets.push(p);
    let size: number;
    if (h[124] === 0x80) size = Number(h.subarray(125, 136).readBigUInt64BE(3));
    else size = parseInt(h.subarray(124, 136).toString('latin1').replace(/[\0 ]/g, '') || '0', 8);
    if (!Number.isFinite(size) || size < 0) break;
    const type = String.fromCharCode(h[156]);
    const data = ['1', '2', '3', '4', '5', '6'].includes(type) ? 0 : Math.ceil(size / 512) * 512;
    p += 512 + data;
  }
  return offsets;
}

function fixChecksum(tar: Buffer, at: number): void {
  tar.fill(0x20, at + 148, at + 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += tar[at + i];
  tar.write(`${sum.toString(8).padStart(6, '0')}\0 `, at + 148, 'latin1');
}

const FIELDS: Record<string, [number, number]> = {
  size: [124, 12], typeflag: [156, 1], mode: [100, 8], uid: [108, 8], mtime: [136, 12], magic: [257, 8], prefix: [345, 155], linkname: [157, 100],
};

/** Values a header edit writes, chosen by index (each one a form some writer or some damage produces). */
function fieldValue(field: string, length: number, choice: number, current: Buffer): Buffer {
  const pad = (s: string) => Buffer.concat([Buffer.from(s, 'latin1'), Buffer.alloc(Math.max(0, length - s.length))]).subarray(0, length);
  switch (field) {
    case 'typeflag':
      return Buffer.from(['0', '\0', '1', '2', '3', '5', '6', '7', 'x', 'g', 'L', 'K', 'S', 'V', 'Z'][choice % 15], 'latin1');
    case 'magic':
      return Buffer.from(['ustar\x0000', 'ustar  \x00', '\0\0\0\0\0\0\0\0', 'ustar\x00  ', 'USTAR\x0000'][choice % 5], 'latin1');
    case 'prefix':
      return pad(['', 'dir', 'code', '../up'][choice % 4]);
    case 'linkname':
      return pad(['', 'a', '../../etc/passwd', 'code/inference.py'][choice % 4]);
    default: {
      const forms = [
        () => pad(' '.repeat(length)),
        () => pad(`\0${'0'.repeat(length - 3)}1\0`),
        () => pad(`${'7'.repeat(length - 1)}\0`),
        () => pad('abc'),
        () => Buffer.concat([Buffer.from([0x80]), Buffer.alloc(length - 2), Buffer.from([choice & 0xff])]),
        () => Buffer.alloc(length, 0xff),
        () => pad(`  ${(parseInt(current.toString('latin1').replace(/[\0 ]/g, '') || '0', 8) + (choice % 3)).toString(8)} `),
        () => pad(`${'0'.repeat(length - 1)}\0`),
      ];
      return forms[choice % forms.length]();
    }
  }
}

function pax(key: string, value: string, type: string): Buffer {
  const body = ` ${key}=${value}\n`;
  let n = Buffer.byteLength(body) + 1;
  while (String(n).length + Buffer.byteLength(body) !== n) n = String(n).length + Buffer.byteLength(body);
  const data = Buffer.from(`${n}${body}`);
  const h = Buffer.alloc(512);
  h.write('PaxHeaders/global', 0, 'latin1');
  h.write('0000644\0', 100, 'latin1');
  h.write('0000000\0', 108, 'latin1');
  h.write('0000000\0', 116, 'latin1');
  h.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  h.write('00000000000\0', 136, 'latin1');
  h.write(type, 156, 'latin1');
  h.write('ustar\x0000', 257, 'latin1');
  fixChecksum(h, 0);
  return Buffer.concat([h, data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
}

function mutateTar(tar: Buffer, mutations: readonly TarMutation[], second: () => Buffer): Buffer {
  let t = Buffer.from(tar);
  for (const m of mutations) {
    const offsets = headerOffsets(t);
    const at = (member: number) => (offsets.length > 0 ? offsets[member % offsets.length] : undefined);
    switch (m.kind) {
      case 'header-byte': {
        const h = at(m.member);
        if (h === undefined) break;
        t[h + (m.offset % 512)] = m.value & 0xff;
        if (m.fixChecksum) fixChecksum(t, h);
        break;
      }
      case 'header-field': {
        const h = at(m.member);
        if (h === undefined) break;
        const [start, length] = FIELDS[m.field];
        fieldValue(m.field, length, m.value, t.subarray(h + start, h + start + length)).copy(t, h + start);
        fixChecksum(t, h);
        break;
      }
      case 'base256-size': {
        const h = at(m.member);
        if (h === undefined) break;
        const size = parseInt(t.subarray(h + 124, h + 136).toString('latin1').replace(/[\0 ]/g, '') || '0', 8);
        if (!Number.isFinite(size)) break;
        t[h + 124] = 0x80;
        t.fill(0, h + 125, h + 136);
        t.writeUIntBE(size, h + 130, 6);
        fixChecksum(t, h);
        break;
      }
      case 'bitflip':
        if (t.length > 0) t[Math.floor(m.at * t.length) % t.length] ^= 1 << (m.bit % 8);
        break;
      case 'truncate':
        t = t.subarray(0, Math.floor(m.at * t.length));
        break;
      case 'append-tar':
        t = Buffer.concat([t, second()]);
        break;
      case 'after-marker': {
        const extra = m.zero ? Buffer.alloc(m.bytes) : Buffer.alloc(m.bytes, 0x41);
        t = Buffer.concat([t, extra]);
        break;
      }
      case 'single-zero-block': {
        const last = offsets[offsets.length - 1];
        if (last === undefined) break;
        // Keep everything up to the first zero block after the last member, then exactly one zero block.
        let end = t.length;
        for (let p = last + 512; p + 512 <= t.length; p += 512) {
          if (t.subarray(p, p + 512).every((b) => b === 0)) {
            end = p;
            break;
          }
        }
        t = Buffer.concat([t.subarray(0, end), Buffer.alloc(512)]);
        break;
      }
      case 'global-header':
        t = Buffer.concat([pax(m.key, m.value, 'g'), t]);
        break;
    }
  }
  return t;
}

function gzipWith(tool: 'gzip' | 'pigz' | 'pigz-independent', level: number, data: Buffer): Buffer {
  const big = { input: data, maxBuffer: 1024 * 1024 * 1024 };
  switch (tool) {
    case 'gzip':
      return execFileSync('gzip', [`-${level}`, '-n', '-c'], big);
    case 'pigz':
      return execFileSync('pigz', [`-${level}`, '-n', '-c', '-b', '32'], big);
    case 'pigz-independent':
      return execFileSync('pigz', [`-${level}`, '-n', '-c', '-i', '-b', '32'], big);
  }
}

async function compress(tar: Buffer, c: Compressor, work: string, py: PythonWriters): Promise<Buffer> {
  switch (c.tool) {
    case 'none':
      return tar;
    case 'multi-member': {
      const cuts = [...new Set(c.cuts.map((f) => Math.floor(f * tar.length)))].sort((a, b) => a - b);
      const bounds = [0, ...cuts.filter((x) => x > 0 && x < tar.length), tar.length];
      return Buffer.concat(bounds.slice(1).map((end, i) => gzipWith('gzip', c.level, tar.subarray(bounds[i], end))));
    }
    case 'python-zlib': {
      const src = path.join(work, 'python-in.tar');
      const out = path.join(work, 'python-out.tar.gz');
      fs.writeFileSync(src, tar);
      await py.pythonGzip(src, out, c.level);
      const gz = fs.readFileSync(out);
      fs.rmSync(src);
      fs.rmSync(out);
      return gz;
    }
    default:
      return gzipWith(c.tool, c.level, tar);
  }
}

function mutateGzip(gz: Buffer, mutations: readonly GzipMutation[], secondTar: () => Buffer): Buffer {
  let g = Buffer.from(gz);
  for (const m of mutations) {
    switch (m.kind) {
      case 'gz-bitflip':
        if (g.length > 0) g[Math.floor(m.at * g.length) % g.length] ^= 1 << (m.bit % 8);
        break;
      case 'gz-truncate':
        g = g.subarray(0, Math.max(0, g.length - m.bytes));
        break;
      case 'gz-append': {
        const more = {
          garbage: () => Buffer.from('garbage after the archive'),
          zeros: () => Buffer.alloc(64),
          'gzip-tar': () => gzipWith('gzip', 6, secondTar()),
          'gzip-empty': () => gzipWith('gzip', 6, Buffer.alloc(0)),
          'gzip-zeros': () => gzipWith('gzip', 6, Buffer.alloc(20480)),
        }[m.what]();
        g = Buffer.concat([g, more]);
        break;
      }
      case 'gz-trailer':
        if (g.length >= 8) g[g.length - (m.which === 'crc' ? 8 : 4)] ^= 0x01;
        break;
    }
  }
  return g;
}

/** A small second archive (for appended tars and gzip members). */
function secondTarIn(work: string): Buffer {
  const dir = path.join(work, 'second');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'later.bin'), contentOf('random', 3000, 'second'));
  return execFileSync('tar', ['--sort=name', '-cf', '-', '-C', dir, '.']);
}

/** Writes the archive of `spec` in `work` and returns its path. */
export async function makeArchive(spec: CaseSpec, work: string, py: PythonWriters): Promise<string> {
  const tree = path.join(work, 'tree');
  writeTree(tree, spec);
  const tar = mutateTar(await writeTar(tree, spec.writer, py), spec.tarMutations, () => secondTarIn(work));
  const gz = mutateGzip(await compress(tar, spec.compressor, work, py), spec.compressor.tool === 'none' ? [] : spec.gzipMutations, () => secondTarIn(work));
  const file = path.join(work, spec.compressor.tool === 'none' ? 'model.tar' : 'model.tar.gz');
  fs.writeFileSync(file, gz);
  fs.rmSync(tree, { recursive: true, force: true });
  return file;
}

/** The code directories a case injects: plain; with a path long enough for a PAX header; with an empty file. */
export function codeDirectories(root: string): { dir: string; files: { path: string; data: Buffer }[] }[] {
  const inference = Buffer.from('def model_fn(model_dir):\n    return None\n');
  const sets: { path: string; data: Buffer }[][] = [
    [{ path: 'inference.py', data: inference }, { path: 'requirements.txt', data: Buffer.from('numpy\n') }],
    [{ path: 'inference.py', data: inference }, { path: `lib/${'deeply_nested/'.repeat(8)}${'helper_'.repeat(20)}.py`, data: Buffer.from('X = 1\n') }],
    [{ path: 'inference.py', data: inference }, { path: 'empty.txt', data: Buffer.alloc(0) }, { path: 'a/b/c.py', data: Buffer.from('C = 3\n') }],
  ];
  return sets.map((files, i) => {
    const dir = path.join(root, `code-${i}`);
    for (const f of files) {
      fs.mkdirSync(path.dirname(path.join(dir, f.path)), { recursive: true });
      fs.writeFileSync(path.join(dir, f.path), f.data);
    }
    return { dir, files };
  });
}
