/**
 * Every strategy on archives made by the real tools: Python tarfile (SageMaker's way) at several levels and formats,
 * GNU tar + gzip -1/-6/-9, bsdtar and pigz (committed fixtures), multi-member gzip. Outputs are checked by gzip -t,
 * tar -tzf and Python tarfile (every member's bytes, the new code/, modes, the trailer CRC and ISIZE).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import {
  CODE, FIXTURES, gnuTar, makeContent, pythonTar, rng, runEngine, tempDir, verify, writeTree,
} from './archive-helpers';

const work = tempDir('engine-strategies');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function hfTree(name: string): string {
  const r = rng(42);
  const dir = path.join(work, name);
  writeTree(dir, [
    { name: 'model.safetensors', data: makeContent('weights', 250_000, r) },
    { name: 'config.json', data: Buffer.from('{"hidden": 64}\n') },
    { name: 'tokenizer.json', data: makeContent('text', 40_000, r) },
    { name: 'tokenizer_config.json', data: Buffer.from('{"max": 512}\n') },
    { name: 'extra/README.md', data: Buffer.from('# model\n') },
  ]);
  return dir;
}

const tree = hfTree('hf');
const longName = `${'deeply_nested_directory/'.repeat(5)}${'a_very_long_file_name_'.repeat(4)}.bin`;
const longTree = path.join(work, 'long');
writeTree(longTree, [
  { name: 'weights.pt', data: makeContent('weights', 200_000, rng(7)) },
  { name: longName, data: makeContent('random', 5000, rng(8)) },
  { name: 'z.json', data: Buffer.from('{}') },
]);

const archives: Record<string, () => string> = {
  'python tarfile w:gz (level 9, PAX)': () => { const f = path.join(work, 'py9.tar.gz'); pythonTar(tree, f); return f; },
  'python tarfile level 1, GNU format': () => { const f = path.join(work, 'py1.tar.gz'); pythonTar(tree, f, { level: 1, format: 'GNU' }); return f; },
  'python tarfile PAX long names': () => { const f = path.join(work, 'pylong.tar.gz'); pythonTar(longTree, f, { format: 'PAX' }); return f; },
  'python tarfile GNU long names': () => { const f = path.join(work, 'pygnulong.tar.gz'); pythonTar(longTree, f, { format: 'GNU', level: 6 }); return f; },
  'GNU tar + gzip -1': () => { const f = path.join(work, 'gnu1.tar.gz'); gnuTar(tree, f, 1); return f; },
  'GNU tar + gzip -6': () => { const f = path.join(work, 'gnu6.tar.gz'); gnuTar(tree, f, 6); return f; },
  'GNU tar + gzip -9': () => { const f = path.join(work, 'gnu9.tar.gz'); gnuTar(tree, f, 9); return f; },
  'GNU tar long names + gzip -6': () => { const f = path.join(work, 'gnulong.tar.gz'); gnuTar(longTree, f, 6); return f; },
  'multi-member gzip (tar split across 3 members)': () => {
    const tar = path.join(work, 'multi.tar');
    pythonTar(tree, tar, { gzip: false });
    const bytes = fs.readFileSync(tar);
    const f = path.join(work, 'multi.tar.gz');
    const cuts = [0, 300_001, 700_003, bytes.length];
    fs.writeFileSync(f, Buffer.concat(cuts.slice(1).map((end, i) => execFileSync('gzip', ['-6', '-n', '-c'], { input: bytes.subarray(cuts[i], end) }))));
    return f;
  },
  'multi-member gzip whose last member starts exactly at the end-of-archive marker': () => {
    const tar = path.join(work, 'atmarker.tar');
    pythonTar(tree, tar, { gzip: false });
    const end = Number(execFileSync('python3', ['-c', 'import sys, tarfile\nt = tarfile.open(sys.argv[1])\nt.getmembers()\nprint(t.offset)', tar]).toString());
    const bytes = fs.readFileSync(tar);
    const f = path.join(work, 'atmarker.tar.gz');
    fs.writeFileSync(f, Buffer.concat([bytes.subarray(0, end), bytes.subarray(end)].map((part) => execFileSync('gzip', ['-6', '-n', '-c'], { input: part }))));
    return f;
  },
  'multi-member gzip with an empty last member (BGZF-like)': () => {
    const f = path.join(work, 'emptylast.tar.gz');
    pythonTar(tree, f);
    fs.appendFileSync(f, execFileSync('gzip', ['-n', '-c'], { input: Buffer.alloc(0) }));
    return f;
  },
};
for (const fixture of fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.tar.gz'))) {
  archives[`fixture ${fixture}`] = () => path.join(FIXTURES, fixture);
}

describe.each(Object.entries(archives))('%s', (_name, make) => {
  let input: string;
  beforeAll(() => {
    input = make();
  });

  // auto on a gzip archive without code/ is scan (auto's other choices have their own tests).
  test.each(['scan', 'stream'] as const)('%s writes the original plus code/', async (strategy) => {
    const out = path.join(work, `${path.basename(input)}.${strategy}.out.tar.gz`);
    const result = await runEngine(input, CODE, strategy, out);
    expect(result.strategy).toBe(strategy);
    const v = verify(input, out);
    expect(v.errors).toEqual([]);
    expect(v.ok).toBe(true);
    const stats = result.stats();
    const size = fs.statSync(input).size;
    expect(stats.bytesWritten).toBe(fs.statSync(out).size);
    expect(stats.entries).toEqual(['code/', 'code/bin/', 'code/bin/run.sh', 'code/inference.py', 'code/lib/', 'code/lib/helpers.py', 'code/requirements.txt']);
    if (strategy === 'stream') {
      expect(stats.bytesCopied).toBe(0);
      expect(v.tarSize! % 10240).toBe(0);
    } else {
      // Only the tail is rewritten: nearly everything is copied, and little is compressed.
      expect(stats.bytesCopied).toBeGreaterThan(size - 300_000);
      expect(stats.bytesDeflated).toBeLessThan(1024 * 1024);
    }
    if (strategy === 'scan') {
      expect(stats.bytesRead).toBeGreaterThanOrEqual(size);
      expect(v.tarSize! % 10240).toBe(0);
    }
  });
});

test('the same inputs give the same bytes', async () => {
  const input = path.join(work, 'determinism.tar.gz');
  pythonTar(tree, input);
  const outs: Buffer[] = [];
  for (const [i, strategy] of (['scan', 'scan', 'stream', 'stream'] as const).entries()) {
    const out = path.join(work, `det-${i}.tar.gz`);
    await runEngine(input, CODE, strategy, out);
    outs.push(fs.readFileSync(out));
  }
  expect(outs[1].equals(outs[0])).toBe(true);
  expect(outs[3].equals(outs[2])).toBe(true);
  // stream's bytes do not depend on how many deflate jobs run at once.
  const { bufferSource, injectCode } = await import('../../../lib/packaging/engine');
  const streamed: Buffer[] = [];
  for (const concurrency of [1, 5]) {
    const result = await injectCode(bufferSource(fs.readFileSync(input)), CODE, { strategy: 'stream', concurrency });
    const parts: Buffer[] = [];
    for await (const s of result.segments) if (s.kind === 'data') parts.push(Buffer.from(s.bytes));
    streamed.push(Buffer.concat(parts));
  }
  expect(streamed[0].equals(outs[2])).toBe(true);
  expect(streamed[1].equals(outs[2])).toBe(true);
  // Code files given in another order give the same archive.
  const out = path.join(work, 'det-reversed.tar.gz');
  await runEngine(input, [...CODE].reverse(), 'scan', out);
  expect(fs.readFileSync(out).equals(outs[0])).toBe(true);
});

test('a source that streams in odd-sized chunks (headers split across chunks) gives the same bytes', async () => {
  const { bufferSource, injectCode } = await import('../../../lib/packaging/engine');
  const r = rng(77);
  const outputs: Buffer[] = [];
  for (const [name, make] of [['plain.tar', (f: string) => pythonTar(tree, f, { gzip: false })], ['chunked.tar.gz', (f: string) => pythonTar(tree, f)]] as const) {
    const input = path.join(work, name);
    make(input);
    const bytes = fs.readFileSync(input);
    const base = bufferSource(bytes);
    let streamed = 0;
    const chunked = {
      size: base.size,
      read: base.read,
      async *stream(start: number, end: number) {
        for (let p = start; p < end; ) {
          const n = Math.min(end - p, 1 + Math.floor(r() * 1500));
          streamed += n;
          yield bytes.subarray(p, p + n);
          p += n;
        }
      },
    };
    for (const strategy of ['stream', 'scan'] as const) {
      if (strategy === 'scan' && name === 'plain.tar') continue;
      const run = async (source: typeof chunked | ReturnType<typeof bufferSource>) => {
        const result = await injectCode(source, CODE, { strategy, concurrency: 2 });
        const parts: Buffer[] = [];
        for await (const s of result.segments) parts.push(s.kind === 'copy' ? bytes.subarray(s.start, s.end) : Buffer.from(s.bytes));
        return Buffer.concat(parts);
      };
      const viaStream = await run(chunked);
      expect(viaStream.equals(await run(base))).toBe(true);
      outputs.push(viaStream);
    }
    expect(streamed).toBeGreaterThanOrEqual(bytes.length);
  }
  const out = path.join(work, 'chunked.out.tar.gz');
  fs.writeFileSync(out, outputs[outputs.length - 1]);
  expect(verify(path.join(work, 'chunked.tar.gz'), out).errors).toEqual([]);
});
