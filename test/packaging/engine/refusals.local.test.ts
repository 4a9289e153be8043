/**
 * What auto chooses, and every input the engine refuses, each with a one-line InjectionError and its code.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { bufferSource, injectCode, InjectionError, InjectionErrorCode, StrategyName } from '../../../lib/packaging/engine';
import { CODE, makeContent, pythonTar, rng, runEngine, tempDir, verify, writeTree } from './archive-helpers';

const work = tempDir('engine-refusals');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const tree = path.join(work, 'tree');
writeTree(tree, [
  { name: 'model.pt', data: makeContent('weights', 120_000, rng(1)) },
  { name: 'config.json', data: Buffer.from('{"a": 1}\n') },
]);
const good = path.join(work, 'good.tar.gz');
pythonTar(tree, good);

/** An archive with members given as Python TarInfo constructor code, written by tarfile. */
function pyArchive(name: string, members: string, mode = 'w:gz'): string {
  const out = path.join(work, name);
  const script = `
import io, sys, tarfile
def f(name, data=b'x' * 100, **kw):
    ti = tarfile.TarInfo(name); ti.size = len(data)
    for k, v in kw.items(): setattr(ti, k, v)
    return ti, io.BytesIO(data)
def link(name, target, kind=tarfile.SYMTYPE):
    ti = tarfile.TarInfo(name); ti.type = kind; ti.linkname = target
    return ti, None
with tarfile.open(sys.argv[1], '${mode}', format=tarfile.PAX_FORMAT) as t:
    for ti, data in [${members}]:
        t.addfile(ti, data)
`;
  execFileSync('python3', ['-c', script, out]);
  return out;
}

async function refusal(input: string | Buffer, strategy: StrategyName, files = CODE): Promise<InjectionError> {
  const bytes = typeof input === 'string' ? fs.readFileSync(input) : input;
  try {
    const result = await injectCode(bufferSource(bytes), files, { strategy, concurrency: 2 });
    for await (const _ of result.segments) { /* consume: stream refuses while it runs */ }
  } catch (err) {
    expect(err).toBeInstanceOf(InjectionError);
    expect((err as Error).message).not.toContain('\n');
    return err as InjectionError;
  }
  throw new Error(`expected a refusal from ${strategy}`);
}

async function expectRefused(input: string | Buffer, strategies: StrategyName[], code: InjectionErrorCode, message?: RegExp): Promise<void> {
  for (const strategy of strategies) {
    const err = await refusal(input, strategy);
    expect({ strategy, code: err.code }).toEqual({ strategy, code });
    if (message) expect(err.message).toMatch(message);
  }
}

describe('auto', () => {
  test('replaces existing code/ entries by streaming; scan refuses them', async () => {
    const input = pyArchive('with-code.tar.gz', `f('code/inference.py', b'old'), f('code/old_helper.py', b'old'), f('model.pt', bytes(range(256)) * 400), f('config.json', b'{}')`);
    const out = path.join(work, 'with-code.out.tar.gz');
    const result = await runEngine(input, CODE, 'auto', out);
    expect(result.strategy).toBe('stream');
    expect(result.reason).toMatch(/code\/inference\.py/);
    const v = verify(input, out, CODE, { replaceCode: true });
    expect(v.errors).toEqual([]);
    const listing = execFileSync('tar', ['-tzf', out]).toString();
    expect(listing).not.toContain('old_helper');
    expect(listing.match(/code\/inference\.py/g)).toHaveLength(1);
    await expectRefused(input, ['scan'], 'STRATEGY_NOT_APPLICABLE', /already contains code/);
  });

  test('stream also drops a ./code/ entry written with a PAX long name', async () => {
    const long = `./code/${'deep/'.repeat(30)}old.py`;
    const input = pyArchive('with-long-code.tar.gz', `f('model.pt', b'w' * 5000), f('${long}', b'old'), f('z.json', b'{}')`);
    const out = path.join(work, 'with-long-code.out.tar.gz');
    expect((await runEngine(input, CODE, 'stream', out)).strategy).toBe('stream');
    expect(verify(input, out, CODE, { replaceCode: true }).errors).toEqual([]);
    expect(execFileSync('tar', ['-tzf', out]).toString()).not.toContain('old.py');
  });

  test('stream refuses to drop an old code/ file that a hard link outside code/ points to', async () => {
    const input = pyArchive('hardlink-code.tar.gz', `f('code/inference.py', b'old'), link('model-copy.py', 'code/inference.py', tarfile.LNKTYPE)`);
    await expectRefused(input, ['stream', 'auto'], 'STRATEGY_NOT_APPLICABLE', /hard link/);
  });

  test('a plain tar is streamed to a gzip archive; scan refuses it', async () => {
    const input = path.join(work, 'plain.tar');
    pythonTar(tree, input, { gzip: false });
    const out = path.join(work, 'plain.out.tar.gz');
    const result = await runEngine(input, CODE, 'auto', out);
    expect(result.strategy).toBe('stream');
    expect(result.reason).toMatch(/plain tar/);
    expect(verify(input, out).errors).toEqual([]);
    await expectRefused(input, ['scan'], 'STRATEGY_NOT_APPLICABLE', /plain tar/);
  });

  test('non-zero data after the end-of-archive marker: every strategy refuses (tar -i would read it)', async () => {
    const tar = path.join(work, 'junk.tar');
    pythonTar(tree, tar, { gzip: false });
    const bytes = fs.readFileSync(tar);
    bytes.fill(0x41, bytes.length - 100);
    const input = path.join(work, 'junk.tar.gz');
    fs.writeFileSync(input, execFileSync('gzip', ['-c', '-n'], { input: bytes }));
    await expectRefused(input, ['auto', 'scan', 'stream'], 'AMBIGUOUS_ARCHIVE', /non-zero data follows the end-of-archive marker/);
    await expectRefused(bytes, ['auto', 'stream'], 'AMBIGUOUS_ARCHIVE', /non-zero data follows the end-of-archive marker/);
  });
});

describe('unsafe archive entries', () => {
  const cases: Record<string, string> = {
    '../ in a name': `f('model.pt'), f('../evil.py')`,
    'nested ../ escaping the root': `f('a/../../evil.py'), f('z.json')`,
    'absolute name': `f('/etc/cron.d/evil'), f('z.json')`,
    'symlink out of the archive': `f('model.pt'), link('weights', '../../etc/passwd')`,
    'absolute symlink': `f('model.pt'), link('weights', '/etc/passwd')`,
    'hard link out of the archive': `f('model.pt'), link('weights', '../outside', tarfile.LNKTYPE)`,
  };
  test.each(Object.entries(cases))('%s is refused by every strategy', async (name, members) => {
    const input = pyArchive(`unsafe-${name.replace(/\W+/g, '-')}.tar.gz`, members);
    await expectRefused(input, ['auto', 'scan', 'stream'], 'UNSAFE_ENTRY');
  });

  test('links that stay inside the archive are fine', async () => {
    const input = pyArchive('safe-links.tar.gz', `f('a/model.pt'), link('a/w', '../a/model.pt'), link('b', 'a/model.pt', tarfile.LNKTYPE)`);
    const out = path.join(work, 'safe-links.out.tar.gz');
    await runEngine(input, CODE, 'scan', out);
    expect(verify(input, out).errors).toEqual([]);
  });
});

describe('bad code files', () => {
  const cases: [string, { path: string; data: Buffer }[]][] = [
    ['../ in a path', [{ path: '../evil.py', data: Buffer.from('x') }]],
    ['absolute path', [{ path: '/etc/evil.py', data: Buffer.from('x') }]],
    ['empty path', [{ path: '', data: Buffer.from('x') }]],
    ['the same file twice', [{ path: 'a.py', data: Buffer.from('x') }, { path: './a.py', data: Buffer.from('y') }]],
    ['a file that is also a directory', [{ path: 'lib', data: Buffer.from('x') }, { path: 'lib/a.py', data: Buffer.from('y') }]],
    ['backslashes', [{ path: 'lib\\a.py', data: Buffer.from('x') }]],
    ['no files', []],
  ];
  test.each(cases)('%s is refused', async (_name, files) => {
    const err = await refusal(good, 'auto', files);
    expect(err.code).toBe('BAD_CODE_FILE');
  });
});

describe('broken inputs', () => {
  const bytes = fs.readFileSync(good);
  const flip = (at: number) => {
    const b = Buffer.from(bytes);
    b[at] ^= 0x01;
    return b;
  };

  test('not gzip, not tar, empty', async () => {
    await expectRefused(Buffer.from('hello, this is not an archive at all'.repeat(20)), ['auto', 'scan', 'stream'], 'NOT_GZIP_OR_TAR');
    await expectRefused(Buffer.alloc(0), ['auto', 'stream'], 'NOT_GZIP_OR_TAR', /empty/);
  });

  test('gzip of something that is not a tar', async () => {
    const input = execFileSync('gzip', ['-c'], { input: Buffer.from('just text\n'.repeat(1000)) });
    await expectRefused(input, ['auto', 'scan', 'stream'], 'NOT_TAR');
  });

  test('truncated gzip', async () => {
    const input = bytes.subarray(0, bytes.length - 1000);
    await expectRefused(input, ['auto', 'scan', 'stream'], 'TRUNCATED');
    await expectRefused(bytes.subarray(0, 12), ['auto'], 'TRUNCATED');
  });

  test('a complete gzip holding a truncated tar', async () => {
    const tar = path.join(work, 'cut.tar');
    pythonTar(tree, tar, { gzip: false });
    const cut = fs.readFileSync(tar).subarray(0, 70_000);
    await expectRefused(execFileSync('gzip', ['-c'], { input: cut }), ['auto', 'scan', 'stream'], 'TRUNCATED');
    await expectRefused(cut, ['auto', 'stream'], 'TRUNCATED');
  });

  test('CRC-32 and ISIZE mismatches', async () => {
    await expectRefused(flip(bytes.length - 7), ['auto', 'scan', 'stream'], 'CRC_MISMATCH', /CRC-32/);
    await expectRefused(flip(bytes.length - 3), ['auto', 'scan', 'stream'], 'CRC_MISMATCH', /ISIZE/);
  });

  test('a corrupted byte inside the compressed data', async () => {
    for (const strategy of ['scan', 'stream'] as const) {
      const err = await refusal(flip(Math.floor(bytes.length / 2)), strategy);
      expect(['CRC_MISMATCH', 'CORRUPT_DATA']).toContain(err.code);
    }
  });

  test('garbage or zeros after the last gzip member', async () => {
    for (const extra of [Buffer.from('garbage!'), Buffer.alloc(16)]) {
      await expectRefused(Buffer.concat([bytes, extra]), ['auto', 'scan', 'stream'], 'NOT_GZIP_OR_TAR', /after the last gzip member|gzip header/);
    }
  });
});
