/**
 * Seeded random archives (entry counts, sizes, names, content, compressor and level, what comes last) for the tail
 * strategy: it either writes exactly what scan writes (scan knows the marker offset from a full verified pass) or
 * refuses with TAIL_UNRESOLVED; it never guesses. Also exercises the window growth and the 4 MiB read limit.
 */
import * as fs from 'fs';
import * as path from 'path';
import { InjectionError } from '../../../lib/packaging/engine';
import {
  CODE, Content, gnuTar, makeContent, pythonTar, rng, runEngine, tempDir, TreeFile, verify, writeTree,
} from './archive-helpers';

const work = tempDir('engine-tail-random');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const KINDS: Content[] = ['random', 'weights', 'zeros', 'text', 'weights-then-zeros'];

function randomArchive(seed: number): { file: string; description: string } {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const count = 1 + Math.floor(r() * 5);
  const files: TreeFile[] = [];
  for (let i = 0; i < count; i++) {
    const long = r() < 0.25;
    const dir = r() < 0.4 ? `${long ? 'a_rather_long_directory_name/'.repeat(4) : 'sub'}/` : '';
    const name = `${dir}${String.fromCharCode(97 + i)}_${long ? 'long_file_name_'.repeat(5) : 'f'}.bin`;
    const size = pick([0, 1 + Math.floor(r() * 3000), 20_000 + Math.floor(r() * 300_000)]);
    files.push({ name, data: makeContent(pick(KINDS), size, r) });
  }
  const dir = path.join(work, `tree-${seed}`);
  writeTree(dir, files);
  const file = path.join(work, `random-${seed}.tar.gz`);
  const writer = pick(['python', 'gnu'] as const);
  const level = pick([1, 6, 9]);
  if (writer === 'python') pythonTar(dir, file, { level, format: pick(['PAX', 'GNU'] as const) });
  else gnuTar(dir, file, level);
  return { file, description: `${writer} -${level}, ${count} files` };
}

const SEEDS = Array.from({ length: 14 }, (_, i) => 1000 + i);

/** What tail did with one seed's archive, beside scan's output for the same archive. */
interface TailOutcome {
  readonly file: string;
  readonly scanOut: string;
  readonly tailOut: string;
  /** Bytes tail read, when it resolved the archive. */
  readonly bytesRead?: number;
  /** Why tail refused, when it did. */
  readonly refusal?: unknown;
}

// Each seed runs once per file, whichever test asks first: the per-seed tests and the summary below share the
// runs, and the summary still computes every seed itself when it is run alone (`-t "random set resolved"`).
const outcomes = new Map<number, Promise<TailOutcome>>();
function tailVersusScan(seed: number): Promise<TailOutcome> {
  let outcome = outcomes.get(seed);
  if (!outcome) {
    outcome = runTailAndScan(seed);
    outcomes.set(seed, outcome);
  }
  return outcome;
}

async function runTailAndScan(seed: number): Promise<TailOutcome> {
  const { file } = randomArchive(seed);
  const scanOut = path.join(work, `scan-${seed}.tar.gz`);
  await runEngine(file, CODE, 'scan', scanOut);
  const tailOut = path.join(work, `tail-${seed}.tar.gz`);
  try {
    const result = await runEngine(file, CODE, 'tail', tailOut);
    return { file, scanOut, tailOut, bytesRead: result.stats().bytesRead };
  } catch (refusal) {
    return { file, scanOut, tailOut, refusal };
  }
}

test.each(SEEDS)('seed %i: tail equals scan or refuses', async (seed) => {
  const { file, scanOut, tailOut, bytesRead, refusal } = await tailVersusScan(seed);
  if (refusal === undefined) {
    expect(bytesRead).toBeGreaterThan(0);
    expect(fs.readFileSync(tailOut).equals(fs.readFileSync(scanOut))).toBe(true);
    expect(verify(file, tailOut).errors).toEqual([]);
  } else {
    expect(refusal).toBeInstanceOf(InjectionError);
    expect((refusal as InjectionError).code).toBe('TAIL_UNRESOLVED');
    expect(verify(file, scanOut).errors).toEqual([]);
  }
});

test('the random set resolved mostly, and some needed a grown window', async () => {
  const readByTail: number[] = [];
  for (const seed of SEEDS) {
    const { scanOut, tailOut, bytesRead, refusal } = await tailVersusScan(seed);
    // Resolved means the same bytes as scan; anything else is for the per-seed test to report.
    if (refusal === undefined && fs.readFileSync(tailOut).equals(fs.readFileSync(scanOut))) readByTail.push(bytesRead!);
  }
  expect(readByTail.length).toBeGreaterThanOrEqual(SEEDS.length / 2);
  expect(Math.max(...readByTail)).toBeGreaterThan(64 * 1024 + 512);
  expect(Math.max(...readByTail)).toBeLessThanOrEqual(4 * 1024 * 1024);
});

test('a last entry bigger than the window: tail refuses after reading at most 4 MiB, scan patches it', async () => {
  const dir = path.join(work, 'biglast');
  writeTree(dir, [{ name: 'a.json', data: Buffer.from('{}') }, { name: 'z_weights.bin', data: makeContent('weights', 5_000_000, rng(5)) }]);
  const file = path.join(work, 'biglast.tar.gz');
  pythonTar(dir, file, { level: 1 });
  let read = 0;
  const { bufferSource, injectCode } = await import('../../../lib/packaging/engine');
  const bytes = fs.readFileSync(file);
  const source = bufferSource(bytes);
  const counting = { size: source.size, read: async (s: number, e: number) => { read += e - s; return source.read(s, e); } };
  await expect(injectCode(counting, CODE, { strategy: 'tail' })).rejects.toMatchObject({ code: 'TAIL_UNRESOLVED' });
  expect(read).toBeLessThanOrEqual(4 * 1024 * 1024);
  expect(read).toBeGreaterThan(2 * 1024 * 1024);
  const out = path.join(work, 'biglast.scan.tar.gz');
  const result = await runEngine(file, CODE, 'scan', out);
  expect(result.stats().bytesDeflated).toBeLessThan(1024 * 1024);
  expect(verify(file, out).errors).toEqual([]);
});

test('a last file ending in zero blocks does not fool the marker search', async () => {
  // The tar's final zero run starts inside the last file: the marker must come from the header chain, not the zeros.
  const dir = path.join(work, 'zerotail');
  writeTree(dir, [
    { name: 'model.bin', data: makeContent('weights', 50_000, rng(9)) },
    { name: 'z_padded.bin', data: Buffer.concat([makeContent('weights', 3000, rng(10)), Buffer.alloc(20_000)]) },
  ]);
  const file = path.join(work, 'zerotail.tar.gz');
  pythonTar(dir, file);
  const tailOut = path.join(work, 'zerotail.tail.tar.gz');
  const scanOut = path.join(work, 'zerotail.scan.tar.gz');
  await runEngine(file, CODE, 'tail', tailOut);
  await runEngine(file, CODE, 'scan', scanOut);
  expect(fs.readFileSync(tailOut).equals(fs.readFileSync(scanOut))).toBe(true);
  expect(verify(file, tailOut).errors).toEqual([]);
});
