/**
 * Differential fuzzing of `inject-code`: fast-check generates cases (a model tree, a writer, a compressor, damage),
 * the real writers make each archive, every strategy runs through the bundled CLI, and the three readers judge:
 *
 * - a success must be an output GNU tar, Python tarfile and bsdtar each list and extract as the original plus
 *   exactly the new code/ (old code/ gone when it was replaced), with nothing left beside it;
 * - an original the readers read differently (or cannot read) must be refused by every strategy;
 * - a refusal must exit 1 with one clean line and leave nothing in the output directory;
 * - an undamaged archive from a usual writer must not be refused by auto or stream (nor by scan, unless it is a
 *   plain tar or already has code/);
 * - `--strategy tail` is a usage error that says it was removed.
 *
 * Used by differential.local.test.ts (fixed seed, about a minute) and scripts/fuzz.mjs (`npm run fuzz`).
 */
import { createHash } from 'crypto';
import * as fc from 'fast-check';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CaseSpec, codeDirectories, Compressor, EntrySpec, GzipMutation, makeArchive, TarMutation, Writer } from './archives';
import { refusalProblem, runInjectCode } from './cli-run';
import { isCodeName, Readers } from './readers';

const name = (i: number, long: boolean, dir: string) => `${dir}${long ? `${'a_long_file_name_'.repeat(8)}` : 'f'}${i}.bin`;

const dirArb = fc.constantFrom('', '', '', 'sub/', 'sub/deeper/', `${'a_rather_long_directory_name/'.repeat(4)}`, 'with space/');

const entryArb = (i: number): fc.Arbitrary<EntrySpec> =>
  fc.oneof(
    { weight: 8, arbitrary: fc.record({
      kind: fc.constant('file' as const),
      name: fc.tuple(fc.boolean(), dirArb).map(([long, dir]) => name(i, long, dir)),
      size: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: 2000 }) }, { weight: 3, arbitrary: fc.integer({ min: 2000, max: 120_000 }) }, { weight: 1, arbitrary: fc.integer({ min: 120_000, max: 1_500_000 }) }),
      content: fc.constantFrom('random', 'zeros', 'text', 'weights', 'empty'),
    }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('dir' as const), name: dirArb.map((d) => `${d}dir${i}`) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('symlink' as const), name: fc.constant(`link${i}`), target: fc.constantFrom('f0.bin', 'f0.bin', 'sub/f1.bin', 'sub/f1.bin', 'missing', 'code/inference.py', '../outside', '/etc/passwd') }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('hardlink' as const), name: fc.constant(`hard${i}`), target: fc.nat(20) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('fifo' as const), name: fc.constant(`fifo${i}`) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('nested-tar' as const), name: fc.constant(`zz_nested${i}.tar`), size: fc.constantFrom(20_000, 1_048_576) }) },
  );

const writerArb: fc.Arbitrary<Writer> = fc.oneof(
  fc.record({ tool: fc.constant('gnu-tar' as const), format: fc.constantFrom('gnu', 'posix', 'ustar', 'oldgnu', 'v7'), dotSlash: fc.boolean() }),
  fc.record({ tool: fc.constant('bsdtar' as const), format: fc.constantFrom('pax', 'ustar', 'gnutar', 'restricted', 'v7') }),
  fc.record(
    {
      tool: fc.constant('python' as const),
      format: fc.constantFrom('PAX', 'GNU', 'USTAR'),
      globalHeader: fc.oneof(
        { weight: 6, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.record({ key: fc.constantFrom('comment', 'path', 'mtime', 'uid', 'linkpath', 'size'), value: fc.constantFrom('../evil.py', '1234567890', 'x', '12') }) },
      ),
    },
    { requiredKeys: ['tool', 'format'] },
  ),
);

const levelArb = fc.integer({ min: 1, max: 9 });
const compressorArb: fc.Arbitrary<Compressor> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ tool: fc.constantFrom('gzip' as const, 'pigz' as const, 'pigz-independent' as const, 'python-zlib' as const), level: levelArb }) },
  { weight: 1, arbitrary: fc.record({ tool: fc.constant('multi-member' as const), level: levelArb, cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ tool: fc.constant('none' as const) }) },
);

const tarMutationArb: fc.Arbitrary<TarMutation> = fc.oneof(
  fc.record({ kind: fc.constant('header-byte' as const), member: fc.nat(40), offset: fc.nat(511), value: fc.nat(255), fixChecksum: fc.boolean() }),
  fc.record({ kind: fc.constant('header-field' as const), member: fc.nat(40), field: fc.constantFrom('size', 'typeflag', 'mode', 'uid', 'mtime', 'magic', 'prefix', 'linkname'), value: fc.nat(255) }),
  fc.record({ kind: fc.constant('base256-size' as const), member: fc.nat(40) }),
  fc.record({ kind: fc.constant('bitflip' as const), at: fc.double({ min: 0, max: 0.9999, noNaN: true }), bit: fc.nat(7) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 0.9999, noNaN: true }) }),
  fc.record({ kind: fc.constant('append-tar' as const) }),
  fc.record({ kind: fc.constant('after-marker' as const), bytes: fc.constantFrom(1, 100, 512, 10240), zero: fc.boolean() }),
  fc.record({ kind: fc.constant('single-zero-block' as const) }),
  fc.record({ kind: fc.constant('global-header' as const), key: fc.constantFrom('comment', 'path', 'mtime', 'foo'), value: fc.constantFrom('x', '../evil', '1') }),
);

const gzipMutationArb: fc.Arbitrary<GzipMutation> = fc.oneof(
  fc.record({ kind: fc.constant('gz-bitflip' as const), at: fc.double({ min: 0, max: 0.9999, noNaN: true }), bit: fc.nat(7) }),
  fc.record({ kind: fc.constant('gz-truncate' as const), bytes: fc.integer({ min: 1, max: 5000 }) }),
  fc.record({ kind: fc.constant('gz-append' as const), what: fc.constantFrom('garbage', 'zeros', 'gzip-tar', 'gzip-empty', 'gzip-zeros') }),
  fc.record({ kind: fc.constant('gz-trailer' as const), which: fc.constantFrom('crc', 'isize') }),
);

/** Cases: half of them undamaged (to catch over-refusal), the rest with one or two mutations. */
export const caseArb: fc.Arbitrary<CaseSpec> = fc
  .integer({ min: 1, max: 7 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => entryArb(i))))
  .chain((entries) =>
    fc.record({
      entries: fc.constant(entries),
      existingCode: fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
      writer: writerArb,
      compressor: compressorArb,
      tarMutations: fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 2, arbitrary: fc.array(tarMutationArb, { minLength: 1, maxLength: 2 }) }),
      gzipMutations: fc.oneof({ weight: 4, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(gzipMutationArb, { minLength: 1, maxLength: 2 }) }),
      code: fc.nat(2),
    }),
  );

/** Counters of what a campaign covered. */
export class Coverage {
  readonly counts = new Map<string, number>();
  add(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
  report(): string {
    const groups = new Map<string, string[]>();
    for (const [key, n] of [...this.counts.entries()].sort()) {
      const [group, rest] = key.split(':', 2);
      groups.set(group, [...(groups.get(group) ?? []), `${rest} ${n}`]);
    }
    return [...groups.entries()].map(([group, items]) => `  ${group}: ${items.join(', ')}`).join('\n');
  }
}

/** Writers and shapes the liveness rule trusts: undamaged archives they write must be accepted. */
function undamaged(spec: CaseSpec): boolean {
  const g = spec.writer.tool === 'python' ? spec.writer.globalHeader : undefined;
  return spec.tarMutations.length === 0 && spec.gzipMutations.length === 0 && (!g || g.key === 'comment');
}

const STRATEGIES = ['auto', 'scan', 'stream'] as const;

export interface CampaignContext {
  readonly readers: Readers;
  readonly work: string;
  readonly coverage: Coverage;
  /** Where a failing case's archive is kept. */
  readonly keepFailuresIn: string;
  readonly codes: ReturnType<typeof codeDirectories>;
  /** Also run --strategy tail (every n-th case). */
  readonly tailEvery: number;
}

export function createContext(keepFailuresIn = path.join(os.tmpdir(), 'inject-code-fuzz-failures')): CampaignContext {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'inject-code-fuzz-'));
  return { readers: new Readers(), work, coverage: new Coverage(), keepFailuresIn, codes: codeDirectories(work), tailEvery: 10 };
}

export function closeContext(context: CampaignContext): void {
  context.readers.close();
  fs.rmSync(context.work, { recursive: true, force: true });
}

let caseCounter = 0;

/** Runs one case; returns the problems found (empty: it passed). */
export async function runCase(spec: CaseSpec, context: CampaignContext): Promise<string[]> {
  const n = ++caseCounter;
  const dir = path.join(context.work, `case-${n}`);
  fs.mkdirSync(dir);
  const cov = context.coverage;
  cov.add(`writer:${spec.writer.tool}/${spec.writer.format}`);
  cov.add(`compressor:${spec.compressor.tool}`);
  for (const m of spec.tarMutations) cov.add(`mutation:${m.kind}${m.kind === 'header-field' ? `/${m.field}` : ''}`);
  for (const m of spec.gzipMutations) cov.add(`mutation:${m.kind}${m.kind === 'gz-append' ? `/${m.what}` : ''}`);
  if (spec.tarMutations.length + spec.gzipMutations.length === 0) cov.add('mutation:none');
  for (const e of spec.entries) cov.add(`entry:${e.kind}`);
  if (spec.existingCode) cov.add('entry:existing code/');
  try {
    let archive: string;
    try {
      archive = await makeArchive(spec, dir, context.readers);
    } catch {
      // A writer that cannot write this tree in this format (a name too long for ustar or v7, a FIFO in v7): no case.
      cov.add(`outcome:writer refused (${spec.writer.tool}/${spec.writer.format})`);
      return [];
    }
    const original = await context.readers.readOriginal(archive);
    cov.add(`original:${original.disagreement ? 'readers disagree' : 'readers agree'}`);
    const code = context.codes[spec.code % context.codes.length];
    const hasCode = (() => {
      const v = original.views.python;
      return v.ok && v.members.some((m) => isCodeName(m.name));
    })();
    const problems: string[] = [];
    // The readers' verdict on an output, by its bytes and what was reported about it: `auto` writes the same bytes as
    // the strategy it ran, and the verdict depends on nothing else, so those outputs are judged once.
    const verdicts = new Map<string, string[]>();
    const strategies: string[] = [...STRATEGIES];
    if (n % context.tailEvery === 0) strategies.push('tail');
    for (const strategy of strategies) {
      const out = runInjectCode(archive, code.dir, path.join(dir, `out-${strategy}`), strategy, { timeoutMs: 120_000 });
      const outcome = out.exit === 0 ? `ok (${out.report?.strategy})` : out.exit === 1 ? (out.error?.code ?? '?') : out.exit === 2 ? 'usage error' : `exit ${out.exit}`;
      cov.add(`${strategy}:${outcome}`);
      const say = (what: string) => problems.push(`${strategy}: ${what}`);
      if (strategy === 'tail') {
        if (out.exit !== 2 || !/^--strategy tail was removed in 0\.2\.0: /.test(out.error?.error ?? '')) say(`not refused as removed: exit ${out.exit} ${out.stdout}${out.stderr}`);
        continue;
      }
      if (out.exit === 0) {
        if (out.leftovers.length > 0) say(`left ${out.leftovers.join(', ')} beside the output`);
        if (!out.report) {
          say(`no JSON report: ${out.stdout}`);
          continue;
        }
        const replaced = out.report.strategy === 'stream' && hasCode;
        const key = [createHash('sha256').update(fs.readFileSync(out.output!)).digest('hex'), replaced, ...out.report.entries].join('|');
        let found = verdicts.get(key);
        if (found) cov.add('oracle:an output judged before (same bytes)');
        else verdicts.set(key, found = await context.readers.checkOutput(original, out.output!, out.report.entries, code.files, dir, replaced));
        for (const p of found) say(p);
      } else if (out.exit === 1) {
        const p = refusalProblem(out);
        if (p) say(`unclean refusal: ${p}`);
        const liveness = undamaged(spec) && !original.disagreement;
        const excused = strategy === 'scan' && (spec.compressor.tool === 'none' || hasCode) && out.error?.code === 'STRATEGY_NOT_APPLICABLE';
        const unsupportedShape = out.error?.code === 'UNSAFE_ENTRY' || out.error?.code === 'UNSUPPORTED_ENTRY';
        if (liveness && !excused && !unsupportedShape) say(`refused an undamaged archive the readers agree on: ${out.error?.code} ${out.error?.error}`);
      } else {
        say(`exit ${out.exit} (crash, signal or timeout); stderr: ${out.stderr.slice(0, 1000)}`);
      }
    }
    if (problems.length > 0) {
      fs.mkdirSync(context.keepFailuresIn, { recursive: true });
      const kept = path.join(context.keepFailuresIn, `case-${process.pid}-${n}${path.extname(archive)}`);
      fs.copyFileSync(archive, kept);
      problems.push(`archive kept at ${kept}; code directory ${code.dir}`);
    }
    return problems;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface CampaignOptions {
  readonly seed: number;
  readonly runs: number;
  /** Stop generating new cases after this long (the runs done so far count); none when undefined. */
  readonly timeLimitMs?: number;
  /** Called after each case. */
  readonly onCase?: (index: number) => void;
}

/** A failed campaign: fast-check's report (seed, path, shrunk case), the case's problems, and the cases run before it. */
export class CampaignFailure extends Error {
  constructor(report: string, public readonly cause: unknown, public readonly casesRun: number) {
    super(report);
  }
}

/** Runs a campaign; resolves with the number of cases run, rejects with a CampaignFailure. */
export async function runCampaign(context: CampaignContext, options: CampaignOptions): Promise<number> {
  let cases = 0;
  const details = await fc.check(
    fc.asyncProperty(caseArb, async (spec) => {
      cases++;
      const problems = await runCase(spec, context);
      options.onCase?.(cases);
      if (problems.length > 0) throw new Error(`${problems.length} problem(s):\n  - ${problems.join('\n  - ')}`);
    }),
    {
      seed: options.seed,
      numRuns: options.runs,
      interruptAfterTimeLimit: options.timeLimitMs,
      markInterruptAsFailure: false,
      endOnFailure: false,
      verbose: 1,
    },
  );
  // numRuns counts the cases up to and including the failing one; `cases` also counts the shrinking's reruns.
  if (details.failed) throw new CampaignFailure(fc.defaultReportMessage(details) ?? 'the property failed', details.errorInstance, details.numRuns);
  return cases;
}
