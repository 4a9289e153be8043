// Rebuild the handler bundles before the tests, so that a test never synthesizes a stale handler.
const { execFileSync } = require('child_process');
const path = require('path');

module.exports = async () => {
  execFileSync(process.execPath, [path.join(__dirname, '..', 'scripts', 'bundle.mjs')], { stdio: 'inherit' });
};
