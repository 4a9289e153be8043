/** @type {import('jest').Config} */
module.exports = {
  // Node's environment, with one CloudFormation validator per worker instead of one per test file (see the file).
  testEnvironment: '<rootDir>/test/environment.js',
  moduleNameMapper: { '^@aws/cloudformation-validate$': '<rootDir>/test/helpers/shared-cfn-validate.js' },
  // A worker that holds that validator's WebAssembly memory takes about half a second to exit (measured 463 and
  // 514 ms), just over jest's 500 ms default, after which jest kills it and reports a leak that is not one. A test
  // that really leaks a handle keeps its worker alive for good and is still reported, 2 s later.
  workerGracefulExitTimeout: 2000,
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.jest.json' }],
  },
  // Synthesizing apps and building archives is CPU-bound; two cores here.
  // Source first: a local jsii build leaves compiled .js beside the .ts, which must never shadow it in tests.
  moduleFileExtensions: ['ts', 'js', 'json'],
  globalSetup: '<rootDir>/test/global-setup.js',
  setupFiles: ['<rootDir>/test/setup-env.js'],
  maxWorkers: 2,
  testTimeout: 120000,
};
