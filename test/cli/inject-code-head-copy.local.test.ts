/**
 * The local copy of the original's head that inject-code starts while the scan still runs (lib/cli/head-copy.ts),
 * through the bundled CLI on artifacts past its 16 MiB start: the output is verified by the three readers when scan
 * succeeds, when auto falls back to stream after the copy began (the copy is discarded), and a refusal after the copy
 * began leaves nothing behind.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { refusalProblem, runInjectCode } from '../packaging/fuzz/cli-run';
import { requireTools } from '../packaging/fuzz/readers';
import { cliTestBench } from '../packaging/fuzz/cli-test-bench';

requireTools(['tar', 'gzip', 'bsdtar', 'python3']);

const { work, readers, codeDir, code: CODE } = cliTestBench('cli-head-copy');

/**
 * A ~24 MiB artifact of incompressible data (the copy starts after 16 MiB), with or without an old code/ (before
 * the data, or after it: then the scan has read past 16 MiB when it meets code/).
 */
function artifact(name: string, withCode: boolean, weights = 'weights.bin'): string {
  const dir = path.join(work, name);
  fs.mkdirSync(path.join(dir, 'm'), { recursive: true });
  if (withCode) {
    fs.mkdirSync(path.join(dir, 'm', 'code'));
    fs.writeFileSync(path.join(dir, 'm', 'code', 'inference.py'), 'old\n');
  }
  execFileSync('bash', ['-euo', 'pipefail', '-c', `head -c 25000000 /dev/urandom >m/${weights}; echo {} >m/zz.json; tar --sort=name -czf m.tar.gz -C m .`], { cwd: dir });
  return path.join(dir, 'm.tar.gz');
}

test('scan: the head copied during the scan, cut at the new tail; verified by the three readers', async () => {
  const input = artifact('plain', false);
  const out = runInjectCode(input, codeDir, path.join(work, 'out-scan'), 'scan');
  expect({ exit: out.exit, leftovers: out.leftovers }).toEqual({ exit: 0, leftovers: [] });
  expect(out.report!.bytesCopied).toBeGreaterThan(fs.statSync(input).size - 64 * 1024);
  const original = await readers.readOriginal(input);
  expect(await readers.checkOutput(original, out.output!, out.report!.entries, CODE, work, false)).toEqual([]);
});

test.each([
  // code/ first: scan stops before 16 MiB; the stream that follows reads past 16 MiB and must not start the copy
  // over the output it writes (it did: the output was the original cut short).
  ['before the copy could begin', 'weights.bin'],
  // code/ after 25 MB: the copy began during the scan; it is finished, then overwritten by the stream.
  ['after the copy began', 'a.bin'],
])('auto falling back to stream %s: the output verified', async (_when, weights) => {
  const input = artifact(`with-code-${weights}`, true, weights);
  const out = runInjectCode(input, codeDir, path.join(work, `out-auto-${weights}`), 'auto');
  expect({ exit: out.exit, strategy: out.report?.strategy, leftovers: out.leftovers }).toEqual({ exit: 0, strategy: 'stream', leftovers: [] });
  const original = await readers.readOriginal(input);
  expect(await readers.checkOutput(original, out.output!, out.report!.entries, CODE, work, true)).toEqual([]);
});

test('a refusal after the copy began (a wrong CRC, seen at the end) leaves nothing in the output folder', () => {
  const input = artifact('bad-crc', false);
  const bytes = fs.readFileSync(input);
  bytes[bytes.length - 8] ^= 0x01;
  fs.writeFileSync(input, bytes);
  for (const json of [true, false]) {
    const out = runInjectCode(input, codeDir, path.join(work, `out-bad-${json}`), 'scan', { json });
    expect(refusalProblem(out, json)).toBeUndefined();
    if (json) expect(out.error?.code).toBe('CRC_MISMATCH');
  }
});
