// The environment of every test file: jest's Node environment, plus one CloudFormation validator per worker process.
//
// aws-cdk-lib's built-in validation ("CloudFormation Validate", which checkedApp() turns strict) runs the WebAssembly
// engine of @aws/cloudformation-validate. Jest gives each test file fresh modules, so each file used to load its own
// WebAssembly instance, and the first engine built in a fresh instance spends seconds initializing what every later
// engine of that instance reuses (the next ones take a tenth of that; CONTRIBUTING.md has the figures). Many test
// files synthesize with the validation. Here the module is loaded once per worker, outside the test files' module
// registries, and test/helpers/shared-cfn-validate.js (what `@aws/cloudformation-validate` resolves to in the tests,
// see jest.config.js) hands aws-cdk-lib engines built by it. Same package, same engine configuration, same
// templates and options: only the initialization is shared.
//
// Only strings cross between this process's realm and a test file's (JSON for the configuration, the options and
// the report): the library checks that its inputs are plain objects of its own realm, and the report then consists
// of the test realm's own objects.
const path = require('path');
const { TestEnvironment } = require('jest-environment-node');

/** The key under which a test file's global finds the shared validator (read by test/helpers/shared-cfn-validate.js). */
const SHARED_VALIDATOR = Symbol.for('cdk-pytorch-sagemaker.test.shared-cfn-validate');

let validate;
/** The package, loaded the first time a test file validates (files that never do pay nothing). */
function validatePackage() {
  if (!validate) {
    // The copy aws-cdk-lib itself depends on (it may be nested under aws-cdk-lib/node_modules).
    const cdkLib = path.dirname(require.resolve('aws-cdk-lib/package.json'));
    validate = require(require.resolve('@aws/cloudformation-validate', { paths: [cdkLib] }));
  }
  return validate;
}

const engines = new Map();
let nextEngine = 0;

/** The validator's whole surface as aws-cdk-lib uses it, with strings in and out. */
const sharedValidator = Object.freeze({
  version: () => validatePackage().version(),
  /** Builds a CompositeEngine from its JSON configuration; returns its handle. */
  createEngine: (configJson) => {
    const handle = ++nextEngine;
    engines.set(handle, new (validatePackage().CompositeEngine)(JSON.parse(configJson)));
    return handle;
  },
  /** validateTemplate(new TemplateContent(content, name), options) on an engine; returns the report as JSON. */
  validateTemplate: (handle, content, name, optionsJson) => {
    const engine = engines.get(handle);
    if (!engine) throw new Error(`CloudFormation validation engine ${handle} was freed`);
    const template = new (validatePackage().TemplateContent)(content, name);
    return JSON.stringify(engine.validateTemplate(template, JSON.parse(optionsJson)));
  },
  freeEngine: (handle) => {
    engines.get(handle)?.free();
    engines.delete(handle);
  },
});

class Environment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.global[SHARED_VALIDATOR] = sharedValidator;
  }

  async teardown() {
    // A worker runs one test file at a time: the engines still held are that file's (aws-cdk-lib keeps its last one).
    for (const handle of [...engines.keys()]) sharedValidator.freeEngine(handle);
    await super.teardown();
  }
}

module.exports = Environment;
