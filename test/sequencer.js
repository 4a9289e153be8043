// The order in which jest starts the test files: its own (the files that failed last time, then the slowest first,
// from the timings of the last run), except that the files that wait for the package build come last. That build
// starts in the background with the run (test/package-setup.js); run first, those files would hold the workers while
// they wait for it, and the rest of the suite would wait behind them.
const fs = require('fs');
const Sequencer = require('@jest/test-sequencer').default;

/** A test file that needs the packaged copy (test/helpers/package-build.ts). */
function waitsForPackageBuild(test) {
  return /\.package\.test\.ts$/.test(test.path) && fs.readFileSync(test.path, 'utf8').includes('packagedCopy(');
}

class TestSequencer extends Sequencer {
  async sort(tests) {
    const sorted = await super.sort(tests);
    return [...sorted.filter((t) => !waitsForPackageBuild(t)), ...sorted.filter(waitsForPackageBuild)];
  }
}

module.exports = TestSequencer;
