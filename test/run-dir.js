// This run's scratch directory, for what is built once per run and shared by test files (the packaged copy of
// test/helpers/package-build.ts): made by whichever global setup asks first (test/global-setup.js,
// test/package-setup.js), inherited by the workers, removed by test/global-teardown.js.
const fs = require('fs');
const os = require('os');
const path = require('path');

/** The directory, made on the first call of the run. */
function testRunDir() {
  if (!process.env.TEST_RUN_DIR) process.env.TEST_RUN_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-pytorch-sagemaker-test-run-'));
  return process.env.TEST_RUN_DIR;
}

/** Where the background package build (test/package-setup.js) writes its process id. */
const BUILDER_PID = 'package-build.pid';
/** Where it writes what it prints (only a crash of the builder itself prints anything). */
const BUILDER_LOG = 'package-build.log';

module.exports = { testRunDir, BUILDER_PID, BUILDER_LOG };
