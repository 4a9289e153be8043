// Three tiers, one jest run (`npm test` runs them all, as CI does):
//   unit     synthesis and pure logic: the quick loop (`npm run test:unit`), no build needed
//   local    real local things: archives and the CLI, Python, S3 and CloudWatch servers on 127.0.0.1
//   package  the build and the tooling: jsii, npm pack, the consumer's type-check, README snippets, lint, snapshots
// A test file's tier is in its name: `x.local.test.ts`, `x.package.test.ts`, else (`x.test.ts`) unit. Files stay in
// the folder of the area they test; nothing to register.

/** What every tier shares. */
const base = {
  roots: ['<rootDir>/test'],
  // Node's environment, with one CloudFormation validator per worker instead of one per test file (see the file).
  testEnvironment: '<rootDir>/test/environment.js',
  moduleNameMapper: { '^@aws/cloudformation-validate$': '<rootDir>/test/helpers/shared-cfn-validate.js' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.jest.json' }],
  },
  // Source first: a local jsii build leaves compiled .js beside the .ts, which must never shadow it in tests.
  moduleFileExtensions: ['ts', 'js', 'json'],
  setupFiles: ['<rootDir>/test/setup-env.js'],
};

/** @type {import('jest').Config} */
module.exports = {
  // Builds the handler bundles (only when a source changed) and finds the real python3: once per run, for every tier.
  globalSetup: '<rootDir>/test/global-setup.js',
  globalTeardown: '<rootDir>/test/global-teardown.js',
  // jest's order, with the files that wait for the package build last (see the file).
  testSequencer: '<rootDir>/test/sequencer.js',
  // A worker that holds the shared validator's WebAssembly memory can take longer to exit than jest's 500 ms default,
  // after which jest kills it and reports a leak that is not one. A test that really leaks a
  // handle keeps its worker alive for good and is still reported, 2 s later.
  workerGracefulExitTimeout: 2000,
  testTimeout: 120000,
  // One worker per core (jest's own default leaves one core idle); a fraction, not a count, so it fits any machine.
  maxWorkers: '100%',
  projects: selectedTiers(),
};

/**
 * The tiers, or the one JEST_TIER names (`npm run test:unit|test:local|test:package` set it). Not `--selectProjects`
 * in those scripts: that option takes every word after it as a project name, so `npm run test:unit -- test/hosting`
 * ran every unit file instead of those of the folder.
 */
function selectedTiers() {
  const tiers = [
    // The unit tier starts no process: the synth-time Python syntax check is off there (test/setup-unit.js); the
    // local tier tests it (test/core/synth-time-reads.local.test.ts) and every other tier runs it.
    { ...base, displayName: 'unit', testRegex: '^(?!.*\\.(local|package)\\.test\\.ts$).*\\.test\\.ts$', setupFiles: [...base.setupFiles, '<rootDir>/test/setup-unit.js'] },
    { ...base, displayName: 'local', testMatch: ['**/*.local.test.ts'] },
    // The package build starts in the background as soon as this tier runs (test/package-setup.js).
    { ...base, displayName: 'package', testMatch: ['**/*.package.test.ts'], globalSetup: '<rootDir>/test/package-setup.js' },
  ];
  const tier = process.env.JEST_TIER;
  if (!tier) return tiers;
  const selected = tiers.filter((t) => t.displayName === tier);
  if (selected.length === 0) throw new Error(`JEST_TIER=${tier} names no tier: use ${tiers.map((t) => t.displayName).join(', ')}`);
  return selected;
}
