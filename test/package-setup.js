// The package tier's global setup (jest runs it only when a package-tier test file runs): starts the package build of
// test/helpers/package-build.ts in the background, in its own process group, so that it runs beside the other test
// files from the start. The files that need its output wait for it (packagedCopy()), and test/sequencer.js runs them
// last; without this, the first of them would build while holding a worker, and the second would hold the other
// worker waiting. test/global-teardown.js stops the build if it is still running when the tests end.
const { spawn } = require('child_process');
const fs = require('fs');
const path = require('path');
const { testRunDir, BUILDER_PID, BUILDER_LOG } = require('./run-dir');

module.exports = async () => {
  const runDir = testRunDir();
  const root = path.join(__dirname, '..');
  const log = fs.openSync(path.join(runDir, BUILDER_LOG), 'w');
  const child = spawn(path.join(root, 'node_modules', '.bin', 'tsx'), [path.join(__dirname, 'helpers', 'package-build.ts')], {
    cwd: root,
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, TEST_RUN_DIR: runDir },
  });
  fs.closeSync(log);
  fs.writeFileSync(path.join(runDir, BUILDER_PID), String(child.pid));
  child.unref();
};
