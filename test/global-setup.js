// Before the tests: refuse compiled output left next to the sources by an older build layout (it would shadow the
// .ts files for tsx, cdk synth and jest), and rebuild the handler bundles, so that a test never synthesizes a stale
// handler.
const { execFileSync } = require('child_process');
const path = require('path');
const { staleCompiledFiles } = require('../scripts/stale-build.js');

module.exports = async () => {
  const root = path.join(__dirname, '..');
  const stale = staleCompiledFiles(root);
  if (stale.length > 0) {
    throw new Error(`Compiled files next to the sources would shadow them (${stale.slice(0, 3).join(', ')}${stale.length > 3 ? ', ...' : ''}): ` +
      'the build now writes build/; delete them with `node scripts/stale-build.js --delete`.');
  }
  execFileSync(process.execPath, [path.join(root, 'scripts', 'bundle.mjs')], { stdio: 'inherit' });
};
