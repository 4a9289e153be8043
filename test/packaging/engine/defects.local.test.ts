/**
 * The archive-engine defects of issue 16, each from the issue's own recipe (GNU tar, Python tarfile, gzip), run
 * through the bundled CLI with every strategy. A success must be read by GNU tar, Python tarfile and bsdtar as the
 * original plus exactly the new code/; a refusal must be one clean line with the expected code and leave nothing.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { CliOutcome, refusalProblem, runInjectCode } from '../fuzz/cli-run';
import { requireTools } from '../fuzz/readers';
import { cliTestBench } from '../fuzz/cli-test-bench';

requireTools(['tar', 'gzip', 'bsdtar', 'python3']);

const { work, readers, codeDir, code: CODE } = cliTestBench('engine-defects');

/** Runs a shell recipe in a fresh directory; returns that directory. */
function recipe(name: string, script: string): string {
  const dir = path.join(work, name);
  fs.mkdirSync(dir, { recursive: true });
  execFileSync('bash', ['-euo', 'pipefail', '-c', script], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  return dir;
}

function python(script: string, cwd: string): void {
  execFileSync('python3', ['-c', script], { cwd, stdio: ['ignore', 'ignore', 'inherit'] });
}

type Expected = 'verified' | 'removed' | { readonly code: string; readonly message?: RegExp };

/** The strategy named by a report: auto runs scan or stream. */
async function expectOutcome(artifact: string, strategy: string, expected: Expected, replaced = false): Promise<CliOutcome> {
  const out = runInjectCode(artifact, codeDir, path.join(work, `out-${path.basename(path.dirname(artifact))}-${strategy}`), strategy);
  const what = { strategy, exit: out.exit, error: out.error, stderr: out.stderr };
  if (expected === 'verified') {
    expect(what).toMatchObject({ exit: 0 });
    const original = await readers.readOriginal(artifact);
    const problems = await readers.checkOutput(original, out.output!, out.report!.entries, CODE, work, replaced);
    expect({ strategy, problems }).toEqual({ strategy, problems: [] });
    expect(out.leftovers).toEqual([]);
  } else if (expected === 'removed') {
    // Usage error: the strategy no longer exists; the message says so, why, and what to use instead.
    expect(what).toMatchObject({ exit: 2 });
    expect(out.error?.error).toMatch(/^--strategy tail was removed in 0\.2\.0: .*; use --strategy scan \(or auto\)/);
    expect(out.output).toBeUndefined();
    expect(out.leftovers).toEqual([]);
  } else {
    expect({ strategy, problem: refusalProblem(out) }).toEqual({ strategy, problem: undefined });
    expect({ strategy, code: out.error?.code }).toEqual({ strategy, code: expected.code });
    if (expected.message) expect(out.error?.error).toMatch(expected.message);
  }
  return out;
}

describe('defect 1: tail, nested tar as the last member', () => {
  // The recipe: the inner tar's headers, in the window tail read, looked like the archive's own.
  let artifact: string;
  beforeAll(() => {
    const dir = recipe('d1', `
      mkdir in out
      head -c 1M /dev/urandom >in/big.bin; echo hello >in/small.txt
      tar --sort=name -cf out/zz_inner.tar -C in .; head -c 3000 /dev/urandom >out/a.bin
      tar --sort=name -czf m.tar.gz -C out .`);
    artifact = path.join(dir, 'm.tar.gz');
  });
  test('tail is refused as removed', () => expectOutcome(artifact, 'tail', 'removed'));
  test.each(['auto', 'scan', 'stream'])('%s adds code/ beside the inner tar, which stays byte for byte', (strategy) => expectOutcome(artifact, strategy, 'verified'));
});

describe('defect 2 and 6: data after the first end-of-archive marker', () => {
  const AFTER_END = /non-zero data follows the end-of-archive marker/;
  let concatenated: string;
  let secondMember: string;
  beforeAll(() => {
    const dir = recipe('d2', `
      mkdir a b
      head -c 20000 /dev/urandom >a/model.bin; echo '{}' >a/config.json
      head -c 5000 /dev/urandom >b/later.bin
      tar --sort=name -cf a.tar -C a .; tar --sort=name -cf b.tar -C b .
      cat a.tar b.tar | gzip >cat.tar.gz
      { gzip -c a.tar; gzip -c b.tar; } >members.tar.gz`);
    concatenated = path.join(dir, 'cat.tar.gz');
    secondMember = path.join(dir, 'members.tar.gz');
  });
  test.each(['auto', 'scan', 'stream'])('cat a.tar b.tar | gzip: %s refuses, naming what follows the marker', async (strategy) => {
    await expectOutcome(concatenated, strategy, { code: 'AMBIGUOUS_ARCHIVE', message: AFTER_END });
  });
  test.each(['auto', 'scan', 'stream'])('a second gzip member holding a tar: %s refuses', async (strategy) => {
    await expectOutcome(secondMember, strategy, { code: 'AMBIGUOUS_ARCHIVE', message: AFTER_END });
  });
  test('tail is refused as removed', () => expectOutcome(concatenated, 'tail', 'removed'));
});

describe('defect 3: code/ earlier in the archive', () => {
  let artifact: string;
  beforeAll(() => {
    const dir = recipe('d3', `
      mkdir -p m/code
      echo 'def model_fn(d): return 1' >m/code/inference.py; echo old >m/code/old_helper.py
      head -c 300000 /dev/urandom >m/zz_weights.bin
      tar --sort=name -czf m.tar.gz -C m .`);
    artifact = path.join(dir, 'm.tar.gz');
  });
  test('auto replaces the old code/ (stream): no old file is left', () => expectOutcome(artifact, 'auto', 'verified', true));
  test('stream replaces it too', () => expectOutcome(artifact, 'stream', 'verified', true));
  test('scan refuses: it cannot drop the old entries', () => expectOutcome(artifact, 'scan', { code: 'STRATEGY_NOT_APPLICABLE', message: /already contains code\// }));
  test('tail is refused as removed', () => expectOutcome(artifact, 'tail', 'removed'));
});

describe('defect 4: corrupt input', () => {
  let good: Buffer;
  let dir: string;
  beforeAll(() => {
    dir = recipe('d4', `
      mkdir m; head -c 200000 /dev/urandom >m/model.bin; echo '{"a": 1}' >m/config.json
      tar --sort=name -cf m.tar -C m .; gzip -c m.tar >m.tar.gz`);
    good = fs.readFileSync(path.join(dir, 'm.tar.gz'));
  });
  const variant = (name: string, edit: (b: Buffer) => void): string => {
    const b = Buffer.from(good);
    edit(b);
    const file = path.join(dir, `${name}.tar.gz`);
    fs.writeFileSync(file, b);
    return file;
  };
  test.each([
    ['a wrong CRC-32', (b: Buffer) => { b[b.length - 8] ^= 0x40; }, 'CRC_MISMATCH'],
    ['a wrong ISIZE', (b: Buffer) => { b[b.length - 3] ^= 0x01; }, 'CRC_MISMATCH'],
    ['a bit flip near the end', (b: Buffer) => { b[b.length - 40] ^= 0x10; }, undefined],
    ['a bit flip in the middle', (b: Buffer) => { b[b.length >> 1] ^= 0x04; }, undefined],
  ] as const)('%s: every strategy refuses; tail is removed', async (name, edit, code) => {
    const file = variant(name.replace(/\W+/g, '-'), edit);
    for (const strategy of ['auto', 'scan', 'stream']) {
      const out = await expectOutcome(file, strategy, { code: code ?? expect.stringMatching(/^(CRC_MISMATCH|CORRUPT_DATA|NOT_TAR|TRUNCATED)$/) as unknown as string });
      expect(out.exit).toBe(1);
    }
    await expectOutcome(file, 'tail', 'removed');
  });
  test('a tar header edited without fixing its checksum: every strategy refuses', async () => {
    const tar = fs.readFileSync(path.join(dir, 'm.tar'));
    tar[512 + 10] ^= 0x01; // the second header's name (the first member is ./, without data)
    const file = path.join(dir, 'badheader.tar.gz');
    fs.writeFileSync(file, execFileSync('gzip', ['-c'], { input: tar }));
    for (const strategy of ['auto', 'scan', 'stream']) await expectOutcome(file, strategy, { code: 'NOT_TAR', message: /invalid header checksum/ });
  });
});

describe('defect 5: a PAX global header carrying path=', () => {
  let artifact: string;
  beforeAll(() => {
    const dir = recipe('d5', '');
    python(`
import io, tarfile
with tarfile.open('m.tar.gz', 'w:gz', format=tarfile.PAX_FORMAT, pax_headers={'path': '../evil.py'}) as t:
    ti = tarfile.TarInfo('model.bin'); data = b'w' * 5000; ti.size = len(data); t.addfile(ti, io.BytesIO(data))
`, dir);
    artifact = path.join(dir, 'm.tar.gz');
  });
  test.each(['auto', 'scan', 'stream'])('%s refuses, naming the key', (strategy) =>
    expectOutcome(artifact, strategy, { code: 'AMBIGUOUS_ARCHIVE', message: /PAX global header .*path=/ }));
  test('tail is refused as removed', () => expectOutcome(artifact, 'tail', 'removed'));
});

describe('defect 7: link and FIFO entries with a non-zero size field', () => {
  const make = (type: string, name: string): string => {
    const dir = recipe(`d7-${name}`, '');
    // A real member header (Python tarfile) whose size field is then set to 600, checksum fixed: GNU tar skips 600
    // bytes after a symlink or FIFO, Python tarfile and bsdtar do not.
    python(`
import gzip, io, tarfile
def member(name, data):
    ti = tarfile.TarInfo(name); ti.size = len(data)
    return ti.tobuf(tarfile.GNU_FORMAT) + data + b'\\0' * (-len(data) % 512)
ti = tarfile.TarInfo('special'); ti.type = tarfile.${type}; ti.linkname = 'a' if tarfile.${type} in (tarfile.SYMTYPE, tarfile.LNKTYPE) else ''
h = bytearray(ti.tobuf(tarfile.GNU_FORMAT))
h[124:136] = b'%011o\\0' % 600
h[148:156] = b'        '
h[148:156] = b'%06o\\0 ' % sum(h)
body = member('a', b'A' * 100) + bytes(h) + member('b', b'B' * 600) + member('c', b'C' * 100) + b'\\0' * 10240
open('m.tar.gz', 'wb').write(gzip.compress(body))
`, dir);
    return path.join(dir, 'm.tar.gz');
  };
  test.each([
    ['SYMTYPE', 'symlink'], ['LNKTYPE', 'hardlink'], ['FIFOTYPE', 'fifo'], ['DIRTYPE', 'dir'], ['CHRTYPE', 'chardev'],
  ])('%s with size 600: every strategy refuses', async (type, name) => {
    const artifact = make(type, name);
    for (const strategy of ['auto', 'scan', 'stream']) {
      await expectOutcome(artifact, strategy, { code: 'AMBIGUOUS_ARCHIVE', message: /size field of 600/ });
    }
  });
});

describe('defect 8: a last header whose size is 077777777777', () => {
  let artifact: string;
  beforeAll(() => {
    const dir = recipe('d8', `
      mkdir m; head -c 5000 /dev/urandom >m/a.bin; echo hi >m/z.txt
      tar --sort=name -cf m.tar -C m .`);
    python(`
import gzip, tarfile
b = bytearray(open('m.tar', 'rb').read())
t = tarfile.open('m.tar'); last = t.getmembers()[-1]; o = last.offset
b[o + 124:o + 136] = b'77777777777\\0'
b[o + 148:o + 156] = b'        '
b[o + 148:o + 156] = b'%06o\\0 ' % sum(b[o:o + 512])
open('m.tar.gz', 'wb').write(gzip.compress(bytes(b)))
`, dir);
    artifact = path.join(dir, 'm.tar.gz');
  });
  test.each(['auto', 'scan', 'stream'])('%s refuses it as truncated, naming the member and its size', (strategy) =>
    expectOutcome(artifact, strategy, { code: 'TRUNCATED', message: /"\.\/z\.txt" declares 8589934591 bytes of data/ }));
  test('tail is refused as removed', () => expectOutcome(artifact, 'tail', 'removed'));
});

describe('defect 9: a zero-filled tail', () => {
  // The shape: 1.5 GB of zeros after a small tar, gzip -1 (a 6.5 MB archive). tail spent 102-119 s and 465 MB.
  let artifact: string;
  beforeAll(() => {
    const dir = recipe('d9', `
      mkdir m; head -c 100000 /dev/urandom >m/model.bin; echo '{}' >m/config.json
      { tar --sort=name -cf - -C m .; head -c 1536M /dev/zero; } | gzip -1 >m.tar.gz`);
    artifact = path.join(dir, 'm.tar.gz');
  }, 120_000);
  test('scan refuses at once (the zeros after the marker are past its re-encoding limit), in bounded memory', async () => {
    const out = await expectOutcome(artifact, 'scan', { code: 'STRATEGY_NOT_APPLICABLE', message: /bytes of zeros follow the end-of-archive marker/ });
    expect(out.maxRss).toBeLessThan(300 * 1024 * 1024);
  }, 120_000);
  test('auto falls back to stream, which drops the zeros; in bounded memory', async () => {
    const out = await expectOutcome(artifact, 'auto', 'verified');
    expect(out.report?.strategy).toBe('stream');
    expect(out.maxRss).toBeLessThan(300 * 1024 * 1024);
  }, 120_000);
  test('tail is refused as removed', () => expectOutcome(artifact, 'tail', 'removed'));
});
