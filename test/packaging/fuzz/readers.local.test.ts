/**
 * The oracle must fail fast when its Python worker dies: a request pending on a dead worker used to wait for the
 * test's timeout (120 s each), so a killed worker turned one failure into minutes of silence.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { Readers } from './readers';

let work: string;
let archive: string;
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'readers-worker-'));
  fs.writeFileSync(path.join(work, 'a.txt'), 'hello\n');
  archive = path.join(work, 'm.tar');
  expect(spawnSync('tar', ['-cf', archive, '-C', work, 'a.txt']).status).toBe(0);
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

test('a worker that answers lists the archive', async () => {
  const readers = new Readers();
  try {
    const views = await readers.view(archive);
    expect(views.python).toMatchObject({ ok: true, members: [expect.objectContaining({ name: Buffer.from('a.txt').toString('hex'), type: 'file' })] });
  } finally {
    readers.close();
  }
});

test('a request pending when the worker is killed fails at once, and so does every later one', async () => {
  const readers = new Readers();
  const started = Date.now();
  const pending = readers.view(archive);
  process.kill(readers.workerPid!, 'SIGKILL');
  await expect(pending).rejects.toThrow('readers.py exited (SIGKILL)');
  await expect(readers.view(archive)).rejects.toThrow('readers.py exited (SIGKILL)');
  expect(Date.now() - started).toBeLessThan(10_000);
}, 15_000);
