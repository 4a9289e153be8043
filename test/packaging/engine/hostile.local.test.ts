/**
 * Hostile inputs for time and memory: every strategy, through the CLI, either writes an output the readers verify
 * or refuses with a clean line, within a bounded time (the spawn's timeout is a hang guard, not a benchmark) and a
 * bounded peak RSS. The deflate streams are built with Python's zlib to shapes no common writer produces on
 * purpose: fixed-Huffman blocks only, a sync flush after every few bytes, thousands of empty gzip members, a last
 * member of zeros far larger than any window, 200,000 members, a 100 KB name.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { BitWriter, writeFixedBlock } from '../../../lib/packaging/engine/deflate-encoder';
import { GZIP_HEADER, gzipTrailer } from '../../../lib/packaging/engine/gzip-format';
import { CliOutcome, refusalProblem, runInjectCode } from '../fuzz/cli-run';
import { requireTools } from '../fuzz/readers';
import { cliTestBench } from '../fuzz/cli-test-bench';

requireTools(['tar', 'gzip', 'bsdtar', 'python3']);

const { work, readers, codeDir, code: CODE } = cliTestBench('engine-hostile');
const FUZZ_DIR = path.join(__dirname, '..', 'fuzz');
const MiB = 1024 * 1024;
/** Far above what any of these runs needs (the largest measured: ~230 MB), far below what an unbounded run took. */
const RSS_LIMIT = 400 * MiB;

/** Runs Python (tarcraft and zlib imported) that writes the archive to OUT; returns its path. */
function build(name: string, script: string): string {
  const out = path.join(work, name);
  execFileSync('python3', ['-c', `import zlib\nfrom tarcraft import *\nOUT = ${JSON.stringify(out)}\n${script}`], { env: { ...process.env, PYTHONPATH: FUZZ_DIR }, stdio: ['ignore', 'ignore', 'inherit'] });
  return out;
}

/** A gzip member of `data` compressed by zlib with `flush` applied every `every` bytes (Z_NO_FLUSH: once). */
const GZIP_WITH = `
def gzip_with(data, level=6, strategy=zlib.Z_DEFAULT_STRATEGY, every=0, flush=zlib.Z_SYNC_FLUSH):
    c = zlib.compressobj(level, zlib.DEFLATED, 31, 9, strategy)
    if not every:
        return c.compress(data) + c.flush()
    out = [c.compress(data[i:i + every]) + c.flush(flush) for i in range(0, len(data), every)]
    return b''.join(out) + c.flush()
`;

function run(artifact: string, strategy: string): CliOutcome {
  const out = runInjectCode(artifact, codeDir, path.join(work, `out-${path.basename(artifact)}-${strategy}`), strategy, { timeoutMs: 180_000 });
  if (process.env.HOSTILE_TIMES) process.stderr.write(`${path.basename(artifact)} ${strategy}: exit ${out.exit} in ${out.ms} ms, ${Math.round((out.maxRss ?? 0) / MiB)} MiB\n`);
  expect({ strategy, exit: out.exit === 0 || out.exit === 1 ? 'clean' : out.exit }).toEqual({ strategy, exit: 'clean' });
  expect({ strategy, rss: (out.maxRss ?? Infinity) < RSS_LIMIT }).toEqual({ strategy, rss: true });
  if (out.exit === 1) expect({ strategy, problem: refusalProblem(out) }).toEqual({ strategy, problem: undefined });
  return out;
}

async function expectVerified(artifact: string, out: CliOutcome): Promise<void> {
  expect({ exit: out.exit, error: out.error }).toEqual({ exit: 0, error: undefined });
  const original = await readers.readOriginal(artifact);
  expect(await readers.checkOutput(original, out.output!, out.report!.entries, CODE, work, false)).toEqual([]);
}

/** `scan` and `auto` either verify or refuse as not applicable (never another refusal); `stream` always verifies. */
async function expectVerifiedOrNotApplicable(artifact: string): Promise<void> {
  for (const strategy of ['scan', 'auto']) {
    const out = run(artifact, strategy);
    if (out.exit === 0) await expectVerified(artifact, out);
    else expect(out.error?.code).toBe('STRATEGY_NOT_APPLICABLE');
  }
  await expectVerified(artifact, run(artifact, 'stream'));
}

test('fixed-Huffman blocks only: a small archive is proven from the member start; a large one is refused by scan, streamed by auto', async () => {
  const small = build('fixed-small.tar.gz', `${GZIP_WITH}
open(OUT, 'wb').write(gzip_with(archive(member('a', b'x' * 5000), member('b', b'hello')), strategy=zlib.Z_FIXED))`);
  await expectVerified(small, run(small, 'scan'));
  // Text that zlib codes in fixed blocks only (for random bytes it would choose stored blocks), larger than the 16 MiB
  // window: no block header that random bits rarely pass, no member start in reach, so no cut is proven.
  const large = build('fixed-large.tar.gz', `${GZIP_WITH}
import random
random.seed(7)
words = [bytes(random.choice(b'abcdefghijklmnopqrstuvwxyz') for _ in range(random.randint(2, 9))) for _ in range(5000)]
text = b' '.join(random.choices(words, k=6_000_000))
open(OUT, 'wb').write(gzip_with(archive(member('corpus.txt', text), member('z', b'end')), strategy=zlib.Z_FIXED, level=1))`);
  const scan = run(large, 'scan');
  expect(scan.error).toMatchObject({ code: 'STRATEGY_NOT_APPLICABLE', error: expect.stringMatching(/scan could not prove where the deflate block holding the end-of-archive marker starts/) });
  const auto = run(large, 'auto');
  expect(auto.report?.strategy).toBe('stream');
  await expectVerified(large, auto);
}, 300_000);

test('a sync flush after every 4 bytes (tens of thousands of blocks and stored markers in the window)', async () => {
  const file = build('flushes.tar.gz', `${GZIP_WITH}
import random
random.seed(3)
open(OUT, 'wb').write(gzip_with(archive(member('a', random.randbytes(300000)), member('b', b'text ' * 20000)), every=4))`);
  await expectVerifiedOrNotApplicable(file);
}, 300_000);

test('ten thousand empty gzip members after the archive', async () => {
  const file = build('empty-members.tar.gz', `${GZIP_WITH}
import gzip
open(OUT, 'wb').write(gzip_with(archive(member('a', b'x' * 100000), member('b', b'y'))) + gzip.compress(b'', mtime=0) * 10000)`);
  await expectVerifiedOrNotApplicable(file);
}, 300_000);

test('a last member of 64 MiB of zeros (gzip -1): scan re-encodes one block; nothing holds the whole tail', async () => {
  const dir = path.join(work, 'zeros-last');
  fs.mkdirSync(dir);
  execFileSync('bash', ['-euo', 'pipefail', '-c', 'mkdir m; head -c 100000 /dev/urandom >m/a.bin; truncate -s 64M m/zz.bin; tar --sort=name -cf - -C m . | gzip -1 >m.tar.gz'], { cwd: dir });
  const file = path.join(dir, 'm.tar.gz');
  const scan = run(file, 'scan');
  expect(scan.exit).toBe(0);
  expect(scan.report!.bytesDeflated).toBeLessThan(16 * MiB);
  await expectVerified(file, scan);
}, 300_000);

test('200,000 members: constant memory, the code entries after the last one', () => {
  // 200,000 copies of one empty-file header (duplicate names are legal), 100 MB of tar.
  const file = build('many.tar.gz', `${GZIP_WITH}
h = header('f', 0)
open(OUT, 'wb').write(gzip_with(archive(h * 200000), level=1))`);
  for (const strategy of ['scan', 'stream']) {
    const out = run(file, strategy);
    expect({ strategy, exit: out.exit }).toEqual({ strategy, exit: 0 });
    execFileSync('gzip', ['-t', out.output!]);
    const listing = execFileSync('sh', ['-c', 'tar -tzf "$1" | uniq -c', 'sh', out.output!]).toString().trim().split('\n').map((l) => l.trim());
    expect(listing).toEqual(['200000 f', '1 code/', '1 code/inference.py']);
  }
}, 300_000);

test('a 100 KB PAX name and a 100 KB GNU long name are read, kept and verified (no reader extracts them: NAME_MAX)', async () => {
  const file = build('longname.tar.gz', `
import gzip
open(OUT, 'wb').write(gzip.compress(archive(member('p' * 100000, b'x', fmt='pax'), member('n' * 100000, b'y'), member('z', b'z')), mtime=0))`);
  for (const strategy of ['scan', 'stream']) await expectVerified(file, run(file, strategy));
}, 300_000);

test('one deflate block of 12 MiB holding the end-of-archive marker: scan refuses to re-encode it, auto streams', async () => {
  // No common writer makes blocks this large (gzip's largest hold about 8.4 MB of zeros); our own encoder does: a
  // small file and a 12 MiB file of zeros with its marker, all in one fixed-Huffman block.
  const tar = execFileSync('python3', ['-c', `from tarcraft import *\nimport sys\nsys.stdout.buffer.write(archive(member('a.txt', b'hello'), member('zz.bin', bytes(12 << 20))))`], {
    env: { ...process.env, PYTHONPATH: FUZZ_DIR },
    maxBuffer: 64 * MiB,
  });
  const firstZero = 1024 + 512; // the second header ends here: zeros (data, padding, marker) to the end
  const lengths: number[] = [];
  const values: number[] = [];
  for (const byte of tar.subarray(0, firstZero + 1)) {
    lengths.push(0);
    values.push(byte);
  }
  for (let left = tar.length - firstZero - 1; left > 0; left -= Math.min(258, left)) {
    if (left < 3) {
      for (let k = 0; k < left; k++) {
        lengths.push(0);
        values.push(0);
      }
      break;
    }
    lengths.push(Math.min(258, left));
    values.push(1);
  }
  const w = new BitWriter();
  writeFixedBlock(w, lengths, values);
  w.bits(1, 1); // a final, empty fixed block
  w.bits(1, 2);
  w.code(0, 7);
  while (w.position % 8 !== 0) w.bits(0, 1);
  const file = path.join(work, 'one-big-block.tar.gz');
  fs.writeFileSync(file, Buffer.concat([GZIP_HEADER, w.finish(), gzipTrailer(zlib.crc32(tar), tar.length)]));
  const scan = run(file, 'scan');
  expect(scan.error).toMatchObject({ code: 'STRATEGY_NOT_APPLICABLE', error: expect.stringMatching(/the deflate block holding the end-of-archive marker starts \d+ bytes before it, more than the 9437184 it re-encodes/) });
  const auto = run(file, 'auto');
  expect(auto.report?.strategy).toBe('stream');
  await expectVerified(file, auto);
}, 300_000);
