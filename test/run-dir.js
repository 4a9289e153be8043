// This run's scratch directory, for what is built once per run and shared by test files (the packaged copy of
// test/helpers/package-build.ts): made by whichever global setup asks first (test/global-setup.js,
// test/package-setup.js), inherited by the workers, removed by test/global-teardown.js.
const fs = require('fs');
const os = require('os');
const path = require('path');

/**
 * The directory, made on the first call of the run. Its `tmp` becomes the run's TMPDIR, which the workers and every
 * process they start inherit: what a test leaves in the temporary directory goes with the run. (Each `new App()`
 * without an outdir makes a `cdk.out*` directory there, with copies of the assets, and nothing removes it: one run
 * of the unit tier left about 1,500 of them in /tmp.)
 */
function testRunDir() {
  if (!process.env.TEST_RUN_DIR) {
    const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-pytorch-sagemaker-test-run-'));
    fs.mkdirSync(path.join(runDir, 'tmp'));
    process.env[SAVED_TMPDIR] = JSON.stringify({ TMPDIR: process.env.TMPDIR ?? null });
    process.env.TEST_RUN_DIR = runDir;
    process.env.TMPDIR = path.join(runDir, 'tmp');
  }
  return process.env.TEST_RUN_DIR;
}

/**
 * Removes the run's directory and gives back the TMPDIR it replaced, so that the next run in the same process (jest
 * --watch runs the global setup and teardown once per run) makes a directory of its own.
 */
function endTestRun() {
  const runDir = process.env.TEST_RUN_DIR;
  if (!runDir) return;
  fs.rmSync(runDir, { recursive: true, force: true, maxRetries: 5 });
  const saved = process.env[SAVED_TMPDIR] ? JSON.parse(process.env[SAVED_TMPDIR]).TMPDIR : undefined;
  if (saved === null) delete process.env.TMPDIR;
  else if (saved !== undefined) process.env.TMPDIR = saved;
  delete process.env[SAVED_TMPDIR];
  delete process.env.TEST_RUN_DIR;
}

/** Where testRunDir() keeps the TMPDIR it replaced, as JSON ({ "TMPDIR": null } when there was none). */
const SAVED_TMPDIR = 'TEST_RUN_SAVED_TMPDIR';

/** Where the background package build (test/package-setup.js) writes its process id. */
const BUILDER_PID = 'package-build.pid';
/** Where it writes what it prints (only a crash of the builder itself prints anything). */
const BUILDER_LOG = 'package-build.log';

module.exports = { testRunDir, endTestRun, BUILDER_PID, BUILDER_LOG };
