// The run's scratch directory (test/run-dir.js): it holds the run's TMPDIR, and ending the run removes it and gives the
// TMPDIR back, so that a second run in the same process (jest --watch) gets a directory of its own.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { testRunDir, endTestRun } = require('./run-dir') as { testRunDir: () => string; endTestRun: () => void };

const KEYS = ['TEST_RUN_DIR', 'TMPDIR', 'TEST_RUN_SAVED_TMPDIR'];
let saved: { [key: string]: string | undefined };
let parent: string;
beforeEach(() => {
  saved = Object.fromEntries(KEYS.map((k) => [k, process.env[k]]));
  parent = fs.mkdtempSync(path.join(os.tmpdir(), 'run-dir-test-'));
  for (const k of KEYS) delete process.env[k];
});
afterEach(() => {
  for (const k of KEYS) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  fs.rmSync(parent, { recursive: true, force: true });
});

test.each([['set', true], ['unset', false]])('TMPDIR %s before: the run has its own, and gets it back at the end, twice over', (_label, wasSet) => {
  if (wasSet) process.env.TMPDIR = parent;
  for (let run = 0; run < 2; run++) {
    const dir = testRunDir();
    expect(testRunDir()).toBe(dir);
    expect(process.env.TMPDIR).toBe(path.join(dir, 'tmp'));
    fs.writeFileSync(path.join(process.env.TMPDIR!, 'left-behind'), 'x');
    endTestRun();
    expect(fs.existsSync(dir)).toBe(false);
    expect(process.env.TEST_RUN_DIR).toBeUndefined();
    expect(process.env.TMPDIR).toBe(wasSet ? parent : undefined);
    expect(process.env.TEST_RUN_SAVED_TMPDIR).toBeUndefined();
  }
});
