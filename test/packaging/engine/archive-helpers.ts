/**
 * Builds real archives with the tools users' archives come from (Python tarfile as SageMaker writes them, GNU tar,
 * gzip at several levels) and checks engine outputs with gzip -t, tar -tzf and Python tarfile.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { bufferSource, CodeFile, injectCode, InjectionResult, StrategyName } from '../../../lib/packaging/engine';

export const FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'archives');
const VERIFY = path.join(__dirname, 'verify_archive.py');

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
}

/** Deterministic pseudo-random generator (mulberry32) for seeded test data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Content = 'random' | 'weights' | 'zeros' | 'text' | 'weights-then-zeros';

export function makeContent(kind: Content, size: number, random: () => number): Buffer {
  const b = Buffer.alloc(size);
  if (kind === 'random') for (let i = 0; i < size; i++) b[i] = (random() * 256) | 0;
  else if (kind === 'weights' || kind === 'weights-then-zeros') {
    // float32 with small magnitude: high bytes repeat, low bytes are noise (compresses to ~0.9 like real weights).
    const n = kind === 'weights' ? size : Math.floor(size / 2);
    for (let i = 0; i + 4 <= n; i += 4) b.writeFloatLE((random() - 0.5) * 0.04, i);
  } else if (kind === 'text') {
    const words = ['tensor', 'layer', 'weight', 'bias', 'token', '{"a": 1}', 'model', 'x'];
    let o = 0;
    while (o < size) o += b.write(words[(random() * words.length) | 0] + ' ', o);
  }
  return b;
}

export interface TreeFile {
  readonly name: string;
  readonly data: Buffer;
}

export function writeTree(dir: string, files: readonly TreeFile[]): void {
  for (const f of files) {
    const p = path.join(dir, f.name);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, f.data);
  }
}

/** Python tarfile, like the SageMaker SDK and service: names as given (sorted by the caller), `w:gz`. */
export function pythonTar(dir: string, out: string, options: { level?: number; format?: 'GNU' | 'PAX' | 'USTAR'; gzip?: boolean } = {}): void {
  const mode = options.gzip === false ? 'w' : 'w:gz';
  const kw = options.gzip === false ? '' : `, compresslevel=${options.level ?? 9}`;
  const script = `
import os, sys, tarfile
src, out = sys.argv[1], sys.argv[2]
with tarfile.open(out, '${mode}'${kw}, format=tarfile.${options.format ?? 'PAX'}_FORMAT) as t:
    for root, dirs, files in os.walk(src):
        dirs.sort()
        for f in sorted(files):
            p = os.path.join(root, f)
            t.add(p, arcname=os.path.relpath(p, src))
`;
  execFileSync('python3', ['-c', script, dir, out]);
}

/** GNU tar | gzip -LEVEL (names start with ./, GNU format). */
export function gnuTar(dir: string, out: string, level = 6): void {
  execFileSync('sh', ['-c', `tar -C "$1" --sort=name -cf - . | gzip -${level} -n > "$2"`, 'sh', dir, out]);
}

/** Runs the engine on a file and writes the output; returns the result and the output path. */
export async function runEngine(input: string, files: CodeFile[], strategy: StrategyName, out: string): Promise<InjectionResult> {
  const bytes = fs.readFileSync(input);
  const source = bufferSource(bytes);
  const result = await injectCode(source, files, { strategy, concurrency: 2 });
  const parts: Buffer[] = [];
  for await (const s of result.segments) parts.push(s.kind === 'copy' ? bytes.subarray(s.start, s.end) : Buffer.from(s.bytes));
  fs.writeFileSync(out, Buffer.concat(parts));
  return result;
}

export const CODE: CodeFile[] = [
  { path: 'inference.py', data: Buffer.from('def model_fn(model_dir):\n    return None\n') },
  { path: 'requirements.txt', data: Buffer.from('numpy==1.26.4\n') },
  { path: 'lib/helpers.py', data: Buffer.from('HELP = 1\n') },
  { path: 'bin/run.sh', data: Buffer.from('#!/bin/sh\necho hi\n'), executable: true },
];

export interface Verification {
  readonly ok: boolean;
  readonly errors: string[];
  readonly members: number;
  readonly tarSize: number | null;
}

/** gzip -t, tar -tzf and the Python tarfile comparison; throws with the tool's message on failure. */
export function verify(original: string, output: string, code: CodeFile[] = CODE, options: { replaceCode?: boolean } = {}): Verification {
  execFileSync('gzip', ['-t', output]);
  const listing = execFileSync('tar', ['-tzf', output]).toString().split('\n').filter(Boolean);
  for (const f of code) if (!listing.includes(`code/${f.path}`)) throw new Error(`tar -tzf does not list code/${f.path}`);
  const spec: Record<string, { hex: string; mode: number }> = {};
  for (const f of code) spec[f.path] = { hex: Buffer.from(f.data).toString('hex'), mode: f.executable ? 0o755 : 0o644 };
  const specFile = `${output}.code.json`;
  fs.writeFileSync(specFile, JSON.stringify(spec));
  const args = [VERIFY, original, output, specFile];
  if (options.replaceCode) args.push('--replace-code');
  return JSON.parse(execFileSync('python3', args).toString()) as Verification;
}
