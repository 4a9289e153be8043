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
    process.env.TEST_RUN_DIR = runDir;
    process.env.TMPDIR = path.join(runDir, 'tmp');
  }
  return process.env.TEST_RUN_DIR;
}

/** Where the background package build (test/package-setup.js) writes its process id. */
const BUILDER_PID = 'package-build.pid';
/** Where it writes what it prints (only a crash of the builder itself prints anything). */
const BUILDER_LOG = 'package-build.log';

module.exports = { testRunDir, BUILDER_PID, BUILDER_LOG };
