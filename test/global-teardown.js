// After the tests: stop the background package build if it still runs (test/package-setup.js), then remove this run's
// scratch directory (test/run-dir.js).
const fs = require('fs');
const path = require('path');
const { BUILDER_PID, endTestRun } = require('./run-dir');

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** True while a process of the group `pid` leads exists. */
function groupAlive(pid) {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

module.exports = async () => {
  const runDir = process.env.TEST_RUN_DIR;
  if (!runDir) return;
  const pidFile = path.join(runDir, BUILDER_PID);
  if (fs.existsSync(pidFile)) {
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    if (groupAlive(pid)) {
      process.kill(-pid, 'SIGTERM');
      for (let waited = 0; groupAlive(pid) && waited < 10_000; waited += 100) await sleep(100);
      if (groupAlive(pid)) process.kill(-pid, 'SIGKILL');
    }
  }
  endTestRun();
};
