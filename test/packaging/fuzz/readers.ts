/**
 * The three readers an injected artifact must satisfy, as an oracle: GNU tar (the `tar` command), Python's tarfile
 * and bsdtar (libarchive: its member list through the library bsdtar reads with, its extraction through `bsdtar`).
 *
 * - {@link Readers.view} lists an archive the way each reader does: every member's name and link target as raw
 *   bytes, its type, size and (regular files) the SHA-256 of its data, or the reader's error.
 * - {@link disagreement} says whether the readers read an original the same way; the engine must refuse one
 *   they do not.
 * - {@link Readers.checkOutput} checks an injected output: for every reader, the output lists and extracts as the
 *   original plus exactly the new `code/` entries (old `code/` entries gone when they were replaced), and says
 *   nothing the original did not make it say.
 */
import { ChildProcessWithoutNullStreams, spawn, spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { createInterface } from 'readline';

export type MemberType = 'file' | 'hardlink' | 'symlink' | 'dir' | 'fifo' | 'char' | 'block' | 'other';

export interface Member {
  /** Raw name bytes, hex. */
  readonly name: string;
  readonly type: MemberType;
  readonly size: number;
  /** Raw link target bytes, hex (hard and symbolic links). */
  readonly link: string | null;
  /** SHA-256 of the data (regular files). */
  readonly sha256: string | null;
  /** Modification time, seconds (not compared: readers differ in how they show it; tests look at it directly). */
  readonly mtime?: number;
}

export type View =
  | { readonly ok: true; readonly members: Member[]; readonly warnings: string[] }
  | { readonly ok: false; readonly error: string };

export type ReaderName = 'gnu' | 'python' | 'bsdtar';
export const READERS: readonly ReaderName[] = ['gnu', 'python', 'bsdtar'];
export type Views = Record<ReaderName, View>;

/** A file the injection put under `code/`. */
export interface CodeFileSpec {
  /** Relative to `code/`. */
  readonly path: string;
  readonly data: Buffer;
}

const TOOL_ENV = { ...process.env, LC_ALL: 'C', TZ: 'UTC' };
const TOOL_TIMEOUT_MS = 60_000;

/** Fails at once, naming the package, when a reader or writer the tests need is missing: never a silent skip. */
export function requireTools(tools: readonly string[]): void {
  const packages: Record<string, string> = { bsdtar: 'libarchive-tools', pigz: 'pigz', tar: 'tar', gzip: 'gzip', python3: 'python3' };
  const missing = tools.filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
  if (missing.length > 0) {
    throw new Error(`missing ${missing.join(', ')}: install ${missing.map((t) => packages[t] ?? t).join(', ')} (.ci/run does: apt-get install libarchive-tools pigz)`);
  }
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
const hex = (s: string | Buffer): string => Buffer.from(s).toString('hex');

/** Decodes a GNU tar `--quoting-style=c` string (without its quotes) to bytes. */
function unquoteC(s: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== '\\') {
      out.push(...Buffer.from(c, 'latin1'));
      continue;
    }
    const n = s[++i];
    const simple: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, '"': 34, '\'': 39, '?': 63 };
    if (n in simple) out.push(simple[n]);
    else if (/[0-7]/.test(n)) {
      let digits = n;
      while (digits.length < 3 && /[0-7]/.test(s[i + 1] ?? '')) digits += s[++i];
      out.push(parseInt(digits, 8));
    } else out.push(n.charCodeAt(0));
  }
  return Buffer.from(out);
}

const GNU_TYPES: Record<string, MemberType> = { '-': 'file', C: 'file', h: 'hardlink', l: 'symlink', d: 'dir', p: 'fifo', c: 'char', b: 'block' };

/**
 * GNU tar's reading, in one run of `tar -xvvO`: the data of every regular member on stdout, the listing (C-quoted
 * names) and any warnings on stderr; the data is split by the listed sizes.
 */
export function gnuView(archive: string): View {
  const r = spawnSync('tar', ['-xvvOf', archive, '--quoting-style=c', '--numeric-owner', '--full-time'], { env: TOOL_ENV, timeout: TOOL_TIMEOUT_MS, maxBuffer: 1024 * 1024 * 1024 });
  const stderr = r.stderr?.toString('latin1') ?? '';
  if (r.status !== 0) return { ok: false, error: `tar -x exited ${r.status ?? r.signal}: ${stderr.trim().split('\n').filter((l) => l.startsWith('tar: ')).slice(-3).join(' | ')}` };
  const members: Member[] = [];
  const warnings: string[] = [];
  const line = /^(.)\S{9} \S+ +(\d+|\d+,\d+) (-?\d{4,}-\d\d-\d\d \d\d:\d\d:\d\d)(?:\.\d+)? +"((?:[^"\\]|\\.)*)"(?: (->|link to) "((?:[^"\\]|\\.)*)")?$/;
  for (const text of stderr.split('\n')) {
    if (text === '') continue;
    const m = line.exec(text);
    if (!m) {
      if (text.startsWith('tar: ')) warnings.push(text);
      else return { ok: false, error: `unparsed tar -tv line: ${JSON.stringify(text)}` };
      continue;
    }
    members.push({
      name: hex(unquoteC(m[4])),
      type: GNU_TYPES[m[1]] ?? 'other',
      size: m[2].includes(',') ? 0 : Number(m[2]),
      link: m[6] !== undefined ? hex(unquoteC(m[6])) : null,
      sha256: null,
      mtime: Date.parse(`${m[3].replace(' ', 'T')}Z`) / 1000,
    });
  }
  let offset = 0;
  const withData = members.map((member) => {
    if (member.type !== 'file') return member;
    const bytes = r.stdout.subarray(offset, offset + member.size);
    offset += member.size;
    return { ...member, sha256: sha256(bytes) };
  });
  if (offset !== r.stdout.length) return { ok: false, error: `tar -xO wrote ${r.stdout.length} bytes, the listing sums ${offset}` };
  return { ok: true, members: withData, warnings };
}

/** An original as the readers read it. */
export interface OriginalReading {
  readonly archive: string;
  readonly views: Views;
  /** Why the readers would read it differently (then it must be refused), or undefined. */
  readonly disagreement: string | undefined;
  /** Per reader, the extracted tree or the extraction error (filled in by {@link Readers.checkOutput}). */
  readonly trees: Partial<Record<ReaderName, Map<string, string> | string>>;
}

/**
 * A member no reader should be asked to extract (an absolute name, a `..` component, a link leaving the tree), as
 * Python tarfile lists it; such an archive must be refused, and the oracle never extracts it.
 */
export function unsafeMember(views: Views): string | undefined {
  if (!views.python.ok) return undefined;
  for (const m of views.python.members) {
    const name = Buffer.from(m.name, 'hex').toString('latin1');
    const link = m.link === null ? '' : Buffer.from(m.link, 'hex').toString('latin1');
    if (name.startsWith('/') || name.split('/').includes('..')) return `an unsafe name ${JSON.stringify(name)}`;
    if (m.type === 'symlink' || m.type === 'hardlink') {
      if (link.startsWith('/')) return `a link ${JSON.stringify(name)} to the absolute ${JSON.stringify(link)}`;
      const base = m.type === 'symlink' ? name.split('/').filter((p) => p && p !== '.').slice(0, -1) : [];
      let depth = base.length;
      for (const part of link.split('/')) {
        if (part === '..') depth--;
        else if (part && part !== '.') depth++;
        if (depth < 0) return `a link ${JSON.stringify(name)} leaving the tree (${JSON.stringify(link)})`;
      }
    }
  }
  return undefined;
}

/** One extraction of `archive` into `dest` by `reader`: ok, or the reader's error. */
type Extraction = { ok: true } | { ok: false; error: string };

function toolExtract(reader: 'gnu' | 'bsdtar', archive: string, dest: string): Extraction {
  const args = reader === 'gnu' ? ['tar', ['-xf', archive, '-C', dest, '--no-same-owner']] as const : ['bsdtar', ['-xof', archive, '-C', dest]] as const;
  const r = spawnSync(args[0], [...args[1]], { env: TOOL_ENV, timeout: TOOL_TIMEOUT_MS });
  return r.status === 0 ? { ok: true } : { ok: false, error: `${args[0]} -x exited ${r.status ?? r.signal}: ${r.stderr?.toString('latin1').trim()}` };
}

/**
 * What an extracted tree holds: relative path -> kind, data hash or link target. Paths are read and kept as bytes
 * (latin1 keys, one character per byte): a member name that is not UTF-8 is a name like any other to the readers, and
 * a UTF-8 decoding of it could not be opened again.
 */
export function treeOf(dir: string): Map<string, string> {
  const tree = new Map<string, string>();
  const root = Buffer.from(dir);
  const slash = Buffer.from('/');
  const walk = (rel: Buffer | undefined) => {
    const here = rel ? Buffer.concat([root, slash, rel]) : root;
    for (const name of fs.readdirSync(here, { encoding: 'buffer' })) {
      const p = rel ? Buffer.concat([rel, slash, name]) : name;
      const full = Buffer.concat([root, slash, p]);
      const key = p.toString('latin1');
      const st = fs.lstatSync(full);
      if (st.isDirectory()) {
        tree.set(key, 'dir');
        walk(p);
      } else if (st.isSymbolicLink()) tree.set(key, `symlink ${hex(fs.readlinkSync(full, { encoding: 'buffer' }))}`);
      else if (st.isFile()) tree.set(key, `file ${sha256(fs.readFileSync(full))}`);
      else tree.set(key, st.isFIFO() ? 'fifo' : 'special');
    }
  };
  walk(undefined);
  return tree;
}

/** A name as compared: raw bytes without trailing slashes (Python strips them from directories). */
function normalName(nameHex: string): string {
  let b = Buffer.from(nameHex, 'hex');
  while (b.length > 1 && b[b.length - 1] === 0x2f) b = b.subarray(0, b.length - 1);
  return b.toString('hex');
}

/** The parts of a member every reader must agree on. */
function comparable(m: Member): string {
  const parts = [normalName(m.name), m.type];
  if (m.type === 'file') parts.push(String(m.size), m.sha256 ?? '');
  if (m.type === 'hardlink' || m.type === 'symlink') parts.push(normalName(m.link ?? ''));
  return parts.join(' ');
}

export function describeMember(line: string): string {
  const [name, ...rest] = line.split(' ');
  const bytes = Buffer.from(name, 'hex');
  return `${JSON.stringify(bytes.toString('latin1'))} ${rest.join(' ')}`;
}

/** The first difference between two member lists, or undefined. */
function listDifference(expected: string[], got: string[]): string | undefined {
  for (let i = 0; i < Math.max(expected.length, got.length); i++) {
    if (expected[i] !== got[i]) {
      const show = (s: string | undefined) => (s === undefined ? '(nothing)' : describeMember(s));
      return `member ${i}: expected ${show(expected[i])}, got ${show(got[i])} (${expected.length} vs ${got.length} members)`;
    }
  }
  return undefined;
}

/**
 * Undefined when every reader lists `views` the same way (names, types, sizes, data, link targets); otherwise what
 * differs or which reader failed. An original the readers disagree about must be refused.
 */
export function disagreement(views: Views): string | undefined {
  for (const reader of READERS) {
    const v = views[reader];
    if (!v.ok) return `${reader} cannot read it: ${v.error}`;
  }
  const lists = READERS.map((r) => (views[r] as Extract<View, { ok: true }>).members.map(comparable));
  for (let i = 1; i < READERS.length; i++) {
    const d = listDifference(lists[0], lists[i]);
    if (d) return `${READERS[0]} and ${READERS[i]} differ at ${d}`;
  }
  return undefined;
}

/** True for `code`, `./code` and everything under them. */
export function isCodeName(nameHex: string): boolean {
  const parts = Buffer.from(nameHex, 'hex').toString('latin1').split('/').filter((p) => p !== '' && p !== '.');
  return parts[0] === 'code';
}

/** Runs the Python worker (tarfile and libarchive views, tarfile extraction) and the GNU tar and bsdtar commands. */
export class Readers {
  private readonly worker: ChildProcessWithoutNullStreams;
  private readonly answers: { resolve: (line: string) => void; reject: (error: Error) => void }[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  /** Why the worker is gone (it exited or could not start); every pending and later request fails with it. */
  private gone: Error | undefined;

  constructor() {
    this.worker = spawn('python3', [path.join(__dirname, 'readers.py')], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.worker.stderr.on('data', (d) => process.stderr.write(`readers.py: ${d}`));
    createInterface({ input: this.worker.stdout }).on('line', (line) => this.answers.shift()?.resolve(line));
    // A worker that dies (killed, crashed) must fail its requests at once, not leave them to a test's timeout.
    this.worker.on('exit', (code, signal) => this.fail(new Error(`readers.py exited (${signal ?? `code ${code}`})`)));
    this.worker.on('error', (error) => this.fail(new Error(`readers.py: ${error.message}`)));
    // Writing to a dead worker's stdin raises EPIPE on the stream: the exit above says why.
    this.worker.stdin.on('error', () => undefined);
  }

  private fail(error: Error): void {
    this.gone ??= error;
    for (const answer of this.answers.splice(0)) answer.reject(this.gone);
  }

  private request<T>(body: object): Promise<T> {
    const run = () => new Promise<T>((resolve, reject) => {
      if (this.gone) return reject(this.gone);
      this.answers.push({ resolve: (line) => resolve(JSON.parse(line) as T), reject });
      this.worker.stdin.write(`${JSON.stringify(body)}\n`);
    });
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  async view(archive: string): Promise<Views> {
    const answer = await this.request<{ python: View; libarchive: View }>({ op: 'view', path: archive });
    return { gnu: gnuView(archive), python: answer.python, bsdtar: answer.libarchive };
  }

  /** Python tarfile writes `src` (sorted, relative names) to `out`; false with the error when the format cannot hold it. */
  async pythonWrite(src: string, out: string, format: string, globalHeaders: Record<string, string>): Promise<Extraction> {
    return this.request<Extraction>({ op: 'write', src, out, format, globalHeaders });
  }

  /** Python's gzip.compress (what tarfile's w:gz writes) of `src` to `out`. */
  async pythonGzip(src: string, out: string, level: number): Promise<void> {
    await this.request<Extraction>({ op: 'gzip', src, out, level });
  }

  async extract(reader: ReaderName, archive: string, dest: string): Promise<Extraction> {
    fs.mkdirSync(dest, { recursive: true });
    if (reader === 'python') return this.request<Extraction>({ op: 'extract', path: archive, dest });
    return toolExtract(reader, archive, dest);
  }

  /** The original's views and whether the readers agree on it; extraction trees are added when first needed. */
  async readOriginal(archive: string): Promise<OriginalReading> {
    const views = await this.view(archive);
    return { archive, views, disagreement: disagreement(views), trees: {} };
  }

  /**
   * Problems with `output`, an injection of `code` into `original` (on which every reader agreed); empty when every
   * reader reads the output as the original plus exactly the new code/ entries. `entries` are the code/ entry names
   * the injection reported, in order; `replaced`: old code/ entries are gone.
   */
  async checkOutput(original: OriginalReading, output: string, entries: readonly string[], code: readonly CodeFileSpec[], work: string, replaced: boolean): Promise<string[]> {
    if (original.disagreement) return [`the readers disagree about the original (${original.disagreement}), yet it was not refused`];
    const problems: string[] = [];
    const gzipTest = spawnSync('gzip', ['-t', output], { timeout: TOOL_TIMEOUT_MS });
    if (gzipTest.status !== 0) problems.push(`gzip -t: ${gzipTest.stderr.toString().trim()}`);
    const dataOf = new Map(code.map((f) => [`code/${f.path}`, f.data]));
    const newEntries = entries.map((name): Member => {
      const data = dataOf.get(name);
      return data
        ? { name: hex(name), type: 'file', size: data.length, link: null, sha256: sha256(data) }
        : { name: hex(name), type: 'dir', size: 0, link: null, sha256: null };
    });
    const views = await this.view(output);
    const safe = unsafeMember(original.views) === undefined;
    if (!safe) problems.push(`the original has ${unsafeMember(original.views)}, yet it was not refused`);
    for (const reader of READERS) {
      const before = original.views[reader] as Extract<View, { ok: true }>;
      const after = views[reader];
      if (!after.ok) {
        problems.push(`${reader} cannot read the output: ${after.error}`);
        continue;
      }
      const kept = before.members.filter((m) => !(replaced && isCodeName(m.name)));
      const d = listDifference([...kept, ...newEntries].map(comparable), after.members.map(comparable));
      if (d) problems.push(`${reader} lists the output differently: ${d}`);
      const added = after.warnings.filter((w) => !before.warnings.includes(w));
      if (added.length > 0) problems.push(`${reader} warns about the output only: ${added.join(' | ')}`);
      if (!safe) continue;
      // Extraction, with the reader's own semantics on both sides: the output's tree is the original's plus code/.
      original.trees[reader] ??= await this.extractTree(reader, original.archive, path.join(work, `x-${reader}-original`));
      const before_ = original.trees[reader]!;
      const after_ = await this.extractTree(reader, output, path.join(work, `x-${reader}-output`));
      if (typeof after_ === 'string') {
        if (typeof before_ !== 'string') problems.push(`${reader} cannot extract the output: ${after_}`);
        continue;
      }
      if (typeof before_ === 'string') continue;
      const expected = new Map(before_);
      for (const key of [...expected.keys()]) if (replaced && (key === 'code' || key.startsWith('code/'))) expected.delete(key);
      for (const e of newEntries) {
        const name = Buffer.from(e.name, 'hex').toString('latin1').replace(/\/$/, '');
        expected.set(name, e.type === 'dir' ? 'dir' : `file ${e.sha256}`);
      }
      const keys = new Set([...expected.keys(), ...after_.keys()]);
      const diffs = [...keys].filter((k) => expected.get(k) !== after_.get(k)).slice(0, 3);
      if (diffs.length > 0) {
        problems.push(`${reader} extracts the output differently: ${diffs.map((k) => `${JSON.stringify(k)} expected ${expected.get(k) ?? 'nothing'}, got ${after_.get(k) ?? 'nothing'}`).join('; ')}`);
      }
    }
    return problems;
  }

  /** The tree `reader` extracts from `archive` into `dest` (removed afterwards), or its error. */
  private async extractTree(reader: ReaderName, archive: string, dest: string): Promise<Map<string, string> | string> {
    try {
      const r = await this.extract(reader, archive, dest);
      return r.ok ? treeOf(dest) : r.error;
    } finally {
      fs.rmSync(dest, { recursive: true, force: true });
    }
  }

  /** The Python worker's process id (a test kills it to see requests fail at once). */
  get workerPid(): number | undefined {
    return this.worker.pid;
  }

  close(): void {
    this.worker.stdin.end();
  }
}
