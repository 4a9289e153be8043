// After the tests: remove this run's scratch directory (made by test/global-setup.js).
const fs = require('fs');

module.exports = async () => {
  if (process.env.TEST_RUN_DIR) fs.rmSync(process.env.TEST_RUN_DIR, { recursive: true, force: true });
};
