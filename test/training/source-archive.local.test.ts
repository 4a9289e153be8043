import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { TrainingJob } from '../../lib/training';
import { listSourceEntries, packSourceDirectory } from '../../lib/training/source-archive';
import { fastApp } from '../helpers/synth-checks';

// The construct whose source it is: its path starts the messages.
const JOB = new Stack(fastApp(), 'SourceArchive');

function makeSource(root: string, files: { [rel: string]: string }): string {
  fs.mkdirSync(root, { recursive: true });
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), content);
  }
  return root;
}

const FILES = {
  'train.py': 'print("train")\n',
  'requirements.txt': 'numpy\n',
  'pkg/model.py': 'class M: pass\n',
  'pkg/__init__.py': '',
};
const LITTER = {
  'pkg/__pycache__/model.cpython-312.pyc': 'bytecode',
  'stale.pyc': 'bytecode',
  '.git/HEAD': 'ref: refs/heads/main\n',
  '.DS_Store': 'finder',
  '.ipynb_checkpoints/x.ipynb': '{}',
};

let work: string;
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'h4-source-'));
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

test('entries are sorted and caches, VCS folders and OS litter are left out', () => {
  const dir = makeSource(path.join(work, 'list'), { ...FILES, ...LITTER });
  expect(listSourceEntries(JOB, dir)).toEqual(['pkg/', 'pkg/__init__.py', 'pkg/model.py', 'requirements.txt', 'train.py']);
});

test('same contents give the same bytes, whatever the mtimes, modes, creation order and litter', () => {
  const a = makeSource(path.join(work, 'a'), FILES);
  const reversed = Object.fromEntries(Object.entries(FILES).reverse());
  const b = makeSource(path.join(work, 'b'), { ...reversed, ...LITTER });
  fs.utimesSync(path.join(b, 'train.py'), new Date('2020-05-05'), new Date('2021-06-06'));
  fs.chmodSync(path.join(b, 'requirements.txt'), 0o600);
  expect(packSourceDirectory(JOB, a).equals(packSourceDirectory(JOB, b))).toBe(true);
});

test('a changed file changes the bytes', () => {
  const a = makeSource(path.join(work, 'c1'), FILES);
  const b = makeSource(path.join(work, 'c2'), { ...FILES, 'pkg/model.py': 'class M: x = 1\n' });
  expect(packSourceDirectory(JOB, a).equals(packSourceDirectory(JOB, b))).toBe(false);
});

test('real tools read it: gzip -t, GNU tar, Python tarfile (root owner, no names, fixed mtime)', () => {
  const dir = makeSource(path.join(work, 'tools'), FILES);
  const file = path.join(work, 'sourcedir.tar.gz');
  fs.writeFileSync(file, packSourceDirectory(JOB, dir));
  execFileSync('gzip', ['-t', file]);
  const listing = execFileSync('tar', ['-tzf', file]).toString().trim().split('\n');
  expect(listing).toEqual(['pkg/', 'pkg/__init__.py', 'pkg/model.py', 'requirements.txt', 'train.py']);
  const py = execFileSync('python3', ['-c', `
import json, tarfile
with tarfile.open(${JSON.stringify(file)}, mode="r:gz") as t:
    print(json.dumps([[m.name, m.uid, m.gid, m.uname, m.gname, m.mtime, m.isfile()] for m in t.getmembers() if m.isfile()]))
    print(t.extractfile("train.py").read().decode())
`]).toString().split('\n');
  expect(JSON.parse(py[0])).toEqual([
    ['pkg/__init__.py', 0, 0, '', '', 315532800, true],
    ['pkg/model.py', 0, 0, '', '', 315532800, true],
    ['requirements.txt', 0, 0, '', '', 315532800, true],
    ['train.py', 0, 0, '', '', 315532800, true],
  ]);
  expect(py[1]).toBe('print("train")');
});

test('symbolic links are refused', () => {
  const dir = makeSource(path.join(work, 'link'), FILES);
  fs.symlinkSync('/etc/hostname', path.join(dir, 'host'));
  expect(() => packSourceDirectory(JOB, dir)).toThrow(/symbolic link 'host'/);
});

test('the asset hash in the template follows the contents only', () => {
  const synthAssetKey = (dir: string) => {
    const stack = new Stack(fastApp(), 'S');
    new TrainingJob(stack, 'Train', { sourceDirectory: dir });
    const resources = Template.fromStack(stack).findResources('Custom::SageMakerTrainingJob');
    const hp = Object.values(resources)[0].Properties.HyperParameters.sagemaker_submit_directory;
    return JSON.stringify(hp);
  };
  const a = makeSource(path.join(work, 'h1'), FILES);
  const b = makeSource(path.join(work, 'h2'), { ...FILES, ...LITTER });
  const c = makeSource(path.join(work, 'h3'), { ...FILES, 'train.py': 'print("changed")\n' });
  expect(synthAssetKey(a)).toBe(synthAssetKey(b));
  expect(synthAssetKey(a)).not.toBe(synthAssetKey(c));
});

test('executables keep an executable mode, others are 0644', () => {
  const dir = makeSource(path.join(work, 'modes'), { 'train.py': 'x', 'run.sh': '#!/bin/sh\n' });
  fs.chmodSync(path.join(dir, 'run.sh'), 0o700);
  fs.chmodSync(path.join(dir, 'train.py'), 0o664);
  const file = path.join(work, 'modes.tar.gz');
  fs.writeFileSync(file, packSourceDirectory(JOB, dir));
  const listing = execFileSync('tar', ['-tvzf', file]).toString();
  expect(listing).toMatch(/-rwxr-xr-x 0\/0 .* run\.sh/);
  expect(listing).toMatch(/-rw-r--r-- 0\/0 .* train\.py/);
});
