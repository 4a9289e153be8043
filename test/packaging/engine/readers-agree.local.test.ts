/**
 * "Readers disagree, so refuse" (DESIGN.md section 11), form by form: for each tar form that GNU tar, Python tarfile
 * and bsdtar could read differently, the three readers are asked, and the engine must refuse exactly the forms they
 * disagree about (and a few more it refuses on purpose, each marked), and accept and inject into the forms they
 * agree about, with an output the three read as the original plus exactly the new code/.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { bufferSource, injectCode, InjectionError, StrategyName } from '../../../lib/packaging/engine';
import { disagreement, Readers, requireTools, Views } from '../fuzz/readers';
import { tempDir } from './archive-helpers';

requireTools(['tar', 'gzip', 'bsdtar', 'python3']);

const work = tempDir('readers-agree');
const readers = new Readers();
afterAll(() => {
  readers.close();
  fs.rmSync(work, { recursive: true, force: true });
});

const FUZZ_DIR = path.join(__dirname, '..', 'fuzz');
const CODE = [{ path: 'inference.py', data: Buffer.from('def model_fn(model_dir):\n    return None\n') }];
const STRATEGIES: StrategyName[] = ['auto', 'scan', 'stream'];
let counter = 0;

/** Writes the archive a tarcraft expression builds (gzip-compressed unless `gz` is false). */
function craft(expression: string, gz = true): string {
  const file = path.join(work, `case-${++counter}.tar${gz ? '.gz' : ''}`);
  execFileSync('python3', ['-c', `from tarcraft import *\nwrite(${JSON.stringify(file)}, ${expression}, gz=${gz ? 'True' : 'False'})`], {
    env: { ...process.env, PYTHONPATH: FUZZ_DIR },
  });
  return file;
}

/** Runs a shell recipe in a fresh directory and returns the archive it writes (m.tar.gz). */
function shell(script: string): string {
  const dir = path.join(work, `sh-${++counter}`);
  fs.mkdirSync(dir);
  execFileSync('bash', ['-euo', 'pipefail', '-c', script], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  return path.join(dir, 'm.tar.gz');
}

async function engine(file: string, strategy: StrategyName): Promise<{ output?: string; error?: InjectionError; entries?: string[] }> {
  const bytes = fs.readFileSync(file);
  try {
    const result = await injectCode(bufferSource(bytes), CODE, { strategy, concurrency: 2 });
    const parts: Buffer[] = [];
    for await (const s of result.segments) parts.push(s.kind === 'copy' ? bytes.subarray(s.start, s.end) : Buffer.from(s.bytes));
    const output = `${file}.${strategy}.out.tar.gz`;
    fs.writeFileSync(output, Buffer.concat(parts));
    return { output, entries: result.stats().entries };
  } catch (error) {
    if (!(error instanceof InjectionError)) throw error;
    expect(error.message).not.toContain('\n');
    return { error };
  }
}

async function expectRefusedByAll(file: string, code: string, message: RegExp): Promise<void> {
  for (const strategy of STRATEGIES) {
    const r = await engine(file, strategy);
    expect({ strategy, code: r.error?.code, message: r.error?.message }).toEqual({ strategy, code, message: expect.stringMatching(message) });
  }
}

async function expectAcceptedAndVerified(file: string): Promise<void> {
  const original = await readers.readOriginal(file);
  expect(original.disagreement).toBeUndefined();
  // scan patches gzip archives only (a plain tar is streamed).
  for (const strategy of file.endsWith('.gz') ? STRATEGIES : STRATEGIES.filter((s) => s !== 'scan')) {
    const r = await engine(file, strategy);
    expect({ strategy, error: r.error?.message }).toEqual({ strategy, error: undefined });
    const problems = await readers.checkOutput(original, r.output!, r.entries!, CODE, work, false);
    expect({ strategy, problems }).toEqual({ strategy, problems: [] });
  }
}

const mtimes = (views: Views, reader: keyof Views): (number | undefined)[] => {
  const v = views[reader];
  return v.ok ? v.members.map((m) => m.mtime) : [];
};

describe('forms the readers read differently: refused, with what was found', () => {
  const cases: [string, string, string, RegExp, ((views: Views) => void)?][] = [
    ['a PAX global header with path=', "archive(pax({'path': 'evil.py'}, b'g'), member('a.txt', b'a'), member('b.txt', b'b'))",
      'AMBIGUOUS_ARCHIVE', /a PAX global header sets path="evil.py" for every later member/],
    ['a PAX global header with mtime= (GNU tar and Python tarfile apply it, bsdtar does not)',
      "archive(pax({'mtime': '1234567890'}, b'g'), member('a.txt', b'a'))", 'AMBIGUOUS_ARCHIVE', /sets mtime="1234567890"/,
      (views) => {
        expect(mtimes(views, 'gnu')).toEqual([1234567890]);
        expect(mtimes(views, 'python')).toEqual([1234567890]);
        expect(mtimes(views, 'bsdtar')).toEqual([1700000000]);
      }],
    ['a PAX global header right before the end-of-archive marker (Python tarfile cannot read it)',
      "archive(member('a.txt', b'a'), pax({'comment': 'x'}, b'g'))", 'AMBIGUOUS_ARCHIVE', /PAX global header followed by the end-of-archive marker/],
    ['a symbolic link with a size field', "archive(member('a', b'A' * 100), edit(special('s', tarfile.SYMTYPE, 'a'), 124, b'%011o\\0' % 600), member('b', b'B' * 600))",
      'AMBIGUOUS_ARCHIVE', /a symbolic link "s" with a size field of 600/],
    ['a uid field of blanks (GNU tar reports it, Python tarfile reads 0)', "archive(member('a', b'x'), edit(member('b', b'y'), 108, b'        '))",
      'AMBIGUOUS_ARCHIVE', /the uid field of a header holds "        " where octal digits belong/],
    ['a size field with a leading NUL (GNU tar skips it, Python tarfile reads 0)', "archive(member('a', b'x'), edit(member('b', b'y' * 600), 124, b'\\0' + b'%010o\\0' % 600))",
      'AMBIGUOUS_ARCHIVE', /the size field of a header holds/],
    ['a mode field that is not octal (Python tarfile stops there silently, GNU tar reports it)', "archive(member('a', b'x'), edit(member('b', b'y'), 100, b'abc\\0'), member('c', b'z'))",
      'AMBIGUOUS_ARCHIVE', /the mode field of a header holds "abc/],
    ['a GNU header with bytes in the ustar prefix field (Python tarfile prepends them to the name)', "archive(edit(member('a', b'x'), 345, b'dir'))",
      'AMBIGUOUS_ARCHIVE', /a GNU header with bytes in the ustar prefix field/],
    ['two PAX extended headers for one member', "archive(pax({'path': 'one'}), pax({'path': 'two'}), member('a', b'x'))",
      'AMBIGUOUS_ARCHIVE', /two PAX extended headers for one member/],
    ['a PAX path and a GNU long name for one member', "archive(extended(b'longname\\0', b'L', '././@LongLink'), pax({'path': 'paxname'}), member('a', b'x'))",
      'AMBIGUOUS_ARCHIVE', /named by both a PAX path and a GNU long name/],
    ['a regular file whose name ends with "/" (Python tarfile makes it a directory)', "archive(member('x/', b''), member('y', b'data'))",
      'AMBIGUOUS_ARCHIVE', /a regular file whose name "x\/" ends with "\/"/],
    ['a PAX size that is not a plain number (bsdtar reads 12, Python tarfile 0)', "archive(pax({'size': '12abc'}), member('a', b'x' * 12))",
      'AMBIGUOUS_ARCHIVE', /the PAX record size="12abc" \(not a plain decimal number\)/],
    ['a PAX path with a NUL byte (GNU tar cuts it there)', "archive(pax({'path': b'a\\0b'}), member('a', b'x'))",
      'AMBIGUOUS_ARCHIVE', /the PAX record path=.*a NUL byte/],
    ['a PAX record without its newline (GNU tar refuses it, old Python tarfile drops its last byte)', "archive(extended(b'12 path=abcd'), member('a', b'x'))",
      'AMBIGUOUS_ARCHIVE', /a malformed PAX extended header record/],
    // Found by `npm run fuzz` (seeds 6000 and 6001, a typeflag mutated to '1' on a member with no link target).
    ['a hard link with an empty target (GNU tar links to ".", Python tarfile to "", bsdtar reads no type)',
      "archive(member('a', b'x'), special('h', tarfile.LNKTYPE, ''), member('b', b'y'))", 'AMBIGUOUS_ARCHIVE', /a hard link "h" with an empty target/],
    ['a hard link to "d/../a" (GNU tar drops "d/../", the others keep it)', "archive(member('a', b'x'), special('h', tarfile.LNKTYPE, 'd/../a'))",
      'AMBIGUOUS_ARCHIVE', /a hard link "h" to "d\/..\/a" \(GNU tar drops/],
    ['a hard link whose PAX linkpath is empty', "archive(member('a', b'x'), pax({'linkpath': ''}), special('h', tarfile.LNKTYPE, 'a'))",
      'AMBIGUOUS_ARCHIVE', /a hard link "h" with an empty target/],
  ];
  test.each(cases.map(([name, expression, code, message, readersCheck]) => ({ name, expression, code, message, readersCheck })))('$name', async ({ expression, code, message, readersCheck }) => {
    const file = craft(expression);
    const views = await readers.view(file);
    if (readersCheck) readersCheck(views);
    else expect(disagreement(views)).toBeDefined();
    await expectRefusedByAll(file, code, message);
  });

  test('data after the end-of-archive marker: the three readers stop at the marker, tar -i reads on', async () => {
    const file = craft("member('a', b'x') + b'\\0' * 1024 + archive(member('b', b'y'))");
    const views = await readers.view(file);
    expect(disagreement(views)).toBeUndefined();
    const ignoreZeros = spawnSync('tar', ['-itzf', file], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    expect(ignoreZeros).toEqual(['a', 'b']);
    await expectRefusedByAll(file, 'AMBIGUOUS_ARCHIVE', /non-zero data follows the end-of-archive marker \(the marker is at byte 1024;/);
  });
});

describe('forms the engine refuses on purpose although the readers may agree', () => {
  const cases: [string, () => string, string, RegExp][] = [
    ['a PAX global header with a key that is not comment', () => craft("archive(pax({'foo': 'bar'}, b'g'), member('a', b'x'))"), 'AMBIGUOUS_ARCHIVE', /sets foo="bar"/],
    ['a negative base-256 mtime', () => craft("archive(edit(member('a', b'x'), 136, b'\\xff' * 12))"), 'AMBIGUOUS_ARCHIVE', /mtime field .* a negative base-256 value/],
    ['an unrecognised header magic (ustar\\0 with version "  ")', () => craft("archive(edit(member('a', b'x'), 257, b'ustar\\0  '))"), 'AMBIGUOUS_ARCHIVE', /unrecognised magic/],
    ['a name with a control character', () => craft("archive(member('a\\nb', b'x'))"), 'UNSAFE_ENTRY', /control character/],
    ['a file with an empty name', () => craft("archive(member('', b'x'))"), 'AMBIGUOUS_ARCHIVE', /a regular file with an empty name/],
    ['an extended header over 1 MiB', () => craft("archive(pax({'comment': 'x' * (1 << 20)}), member('a', b'x'))"), 'LIMIT_EXCEEDED', /extended tar header/],
    ['hdrcharset=BINARY', () => craft("archive(pax({'hdrcharset': 'BINARY', 'path': 'a'}), member('a', b'x'))"), 'AMBIGUOUS_ARCHIVE', /hdrcharset/],
    ['a GNU sparse file (tar -S, GNU format)', () => shell('truncate -s 1M s.bin; printf data >>s.bin; tar -S --format=gnu -czf m.tar.gz s.bin'), 'UNSUPPORTED_ENTRY', /GNU sparse file/],
    ['a GNU sparse file (tar -S, PAX format)', () => shell('truncate -s 1M s.bin; printf data >>s.bin; tar -S --format=posix -czf m.tar.gz s.bin'), 'UNSUPPORTED_ENTRY', /sparse file \(PAX GNU\.sparse/],
    ['a GNU volume label (tar -V)', () => shell('echo x >a; tar -V mylabel --format=gnu -czf m.tar.gz a'), 'UNSUPPORTED_ENTRY', /a GNU volume label/],
    ['a GNU incremental dump directory (tar -g)', () => shell('mkdir d; echo x >d/a; tar -g snar --format=gnu -czf m.tar.gz d'), 'UNSUPPORTED_ENTRY', /GNU incremental dump directory/],
  ];
  test.each(cases)('%s', async (_name, make, code, message) => {
    await expectRefusedByAll(make(), code, message);
  });
});

describe('forms the readers read alike: accepted, and the output verified by all three', () => {
  const cases: [string, () => string][] = [
    ['a base-256 size (GNU tar writes it for members of 8 GiB and more)', () => craft("archive(member('a', b'x'), edit(member('b', b'y' * 600), 124, b'\\x80' + (600).to_bytes(11, 'big')))")],
    ['octal fields with leading spaces (old writers)', () => craft("archive(edit(member('a', b'x' * 10), 124, b'         12\\0'), member('b', b'y'))")],
    ['a PAX global header with only a comment (git archive)', () => shell('git init -q r; cd r; echo x >a; git add a; git -c user.email=a@b -c user.name=n commit -qm m; git archive --format=tar.gz -o ../m.tar.gz HEAD')],
    ['a contiguous file (type 7)', () => craft("archive(edit(member('c', b'data'), 156, b'7'), member('d', b'more'))")],
    ['a v7 archive (GNU tar --format=v7)', () => shell('mkdir d; echo hi >d/a; ln -s a d/s; tar --format=v7 -czf m.tar.gz d')],
    ['a v7 archive by bsdtar (directories as NUL-type members named "x/")', () => shell('mkdir -p d/sub; echo hi >d/sub/a; bsdtar --format v7 -czf m.tar.gz -C d .')],
    ['a long name split into ustar prefix and name', () => craft(`archive(member('${'d'.repeat(120)}/file', b'x', fmt='ustar'), member('z', b'y'))`)],
    ['GNU long names and long link targets', () => craft(`archive(member('${'n'.repeat(150)}', b'x'), special('${'l'.repeat(120)}', tarfile.SYMTYPE, '${'n'.repeat(150)}'))`)],
    ['UTF-8 names with spaces (PAX)', () => craft("archive(member('dir with space/\\u00fcn\\u00efc\\u00f8d\\u00e9.txt', b'x', fmt='pax'), member('z', b'y', fmt='pax'))")],
    ['a hard link to "." and a symbolic link with an empty target (the readers agree on both)',
      () => craft("archive(member('a', b'x'), special('h', tarfile.LNKTYPE, '.'), special('s', tarfile.SYMTYPE, ''), member('b', b'y'))")],
    ['hard links, symbolic links, FIFOs, directories and empty files (GNU tar)', () => shell('mkdir -p d/sub; echo x >d/a; ln d/a d/h; ln -s a d/s; mkfifo d/p; : >d/empty; tar --sort=name -czf m.tar.gz d')],
    ['a single zero block as the end-of-archive marker, then the end of the file', () => craft("member('a', b'x') + b'\\0' * 512")],
    ['an empty archive (Python tarfile), plain', () => craft('end()', false)],
    ['an empty archive (Python tarfile), gzip-compressed', () => craft('end()')],
  ];
  test.each(cases)('%s', async (_name, make) => {
    await expectAcceptedAndVerified(make());
  });
});
