import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { codeDigest, readZip } from '../../lib/packaging/runtime/code-archive';

let dir: string;
let code: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'code-zip-'));
  code = path.join(dir, 'code');
  fs.mkdirSync(path.join(code, 'lib', 'nested'), { recursive: true });
  fs.writeFileSync(path.join(code, 'inference.py'), 'def model_fn(model_dir):\n    return None\n'.repeat(50));
  fs.writeFileSync(path.join(code, 'requirements.txt'), 'numpy==2.1.0\n');
  fs.writeFileSync(path.join(code, 'lib', 'nested', 'helpers.py'), 'X = 1\n');
  fs.writeFileSync(path.join(code, 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const expected = () => ['inference.py', 'lib/nested/helpers.py', 'requirements.txt', 'run.sh'];

function check(zipFile: string) {
  const files = readZip(fs.readFileSync(zipFile));
  expect(files.map((f) => f.path)).toEqual(expected());
  for (const file of files) expect(Buffer.from(file.data).equals(fs.readFileSync(path.join(code, file.path)))).toBe(true);
  expect(files.find((f) => f.path === 'run.sh')!.executable).toBe(true);
  expect(files.find((f) => f.path === 'inference.py')!.executable).toBe(false);
  return files;
}

test('reads a zip made by Info-ZIP zip (deflated, with directory entries)', () => {
  const out = path.join(dir, 'infozip.zip');
  execFileSync('zip', ['-q', '-r', out, '.'], { cwd: code });
  check(out);
});

test('reads a stored (uncompressed) zip', () => {
  const out = path.join(dir, 'stored.zip');
  execFileSync('zip', ['-q', '-0', '-r', out, '.'], { cwd: code });
  check(out);
});

test('reads a zip made by Python zipfile, streamed with data descriptors', () => {
  const out = path.join(dir, 'python.zip');
  // Writing to a non-seekable stream makes zipfile use data descriptors (sizes after the data).
  const script = `
import os, sys, zipfile
class Unseekable:
    def __init__(self, f): self.f = f
    def write(self, b): return self.f.write(b)
    def flush(self): self.f.flush()
with open(sys.argv[2], 'wb') as raw:
    with zipfile.ZipFile(Unseekable(raw), 'w', zipfile.ZIP_DEFLATED) as z:
        for root, _, names in os.walk(sys.argv[1]):
            for name in names:
                full = os.path.join(root, name)
                z.write(full, os.path.relpath(full, sys.argv[1]))
`;
  execFileSync('python3', ['-c', script, code, out]);
  const raw = fs.readFileSync(out);
  // General purpose flag bit 3 (data descriptor) is set in the first local header.
  expect(raw.readUInt16LE(6) & 0x8).toBe(0x8);
  check(out);
});

test('the code digest depends on content, paths and modes, not on the zip tool', () => {
  const a = path.join(dir, 'a.zip');
  const b = path.join(dir, 'b.zip');
  execFileSync('zip', ['-q', '-9', '-r', a, '.'], { cwd: code });
  execFileSync('zip', ['-q', '-1', '-r', b, '.'], { cwd: code });
  expect(codeDigest(readZip(fs.readFileSync(a)))).toBe(codeDigest(readZip(fs.readFileSync(b))));
  const files = readZip(fs.readFileSync(a));
  const changed = files.map((f) => (f.path === 'lib/nested/helpers.py' ? { ...f, data: Buffer.from('X = 2\n') } : f));
  expect(codeDigest(changed)).not.toBe(codeDigest(files));
  const renamed = files.map((f) => (f.path === 'run.sh' ? { ...f, path: 'run2.sh' } : f));
  expect(codeDigest(renamed)).not.toBe(codeDigest(files));
  const notExecutable = files.map((f) => ({ ...f, executable: false }));
  expect(codeDigest(notExecutable)).not.toBe(codeDigest(files));
});

test('refuses what is not a zip, a corrupted entry and unsafe paths', () => {
  expect(() => readZip(Buffer.from('plain text, not a zip at all'))).toThrow('not a zip file');
  const out = path.join(dir, 'corrupt.zip');
  execFileSync('zip', ['-q', '-0', '-r', out, 'inference.py'], { cwd: code });
  const raw = fs.readFileSync(out);
  const at = raw.indexOf('def model_fn');
  raw[at] ^= 0xff;
  expect(() => readZip(raw)).toThrow('inference.py fails its CRC check');

  const evil = path.join(dir, 'evil.zip');
  const script = `
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], 'w') as z:
    z.writestr('../escape.py', 'x')
`;
  execFileSync('python3', ['-c', script, evil]);
  expect(() => readZip(fs.readFileSync(evil))).toThrow('unsafe path in the inference code archive: "../escape.py"');
});
