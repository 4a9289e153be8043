// The environment of every test file: jest's Node environment, plus one CloudFormation validator per worker process.
//
// aws-cdk-lib's built-in validation ("CloudFormation Validate", which checkedApp() turns strict) runs the WebAssembly
// engine of @aws/cloudformation-validate. Jest gives each test file fresh modules, so each file used to load its own
// WebAssembly instance, and the first engine built in a fresh instance spends seconds initializing what every later
// engine of that instance reuses (the next ones take a tenth of that; CONTRIBUTING.md has the figures). Many test
// files synthesize with the validation. Here the module is loaded once per worker, outside the test files' module
// registries, and test/helpers/shared-cfn-validate.js (what `@aws/cloudformation-validate` resolves to in the tests,
// see jest.config.js) hands aws-cdk-lib engines built by it, one per configuration (below). Same package, same
// engine configuration, same templates and options: only the initialization is shared.
//
// Only strings cross between this process's realm and a test file's (JSON for the configuration, the options and
// the report): the library checks that its inputs are plain objects of its own realm, and the report then consists
// of the test realm's own objects.
const path = require('path');
const v8 = require('v8');
const { TestEnvironment } = require('jest-environment-node');

/** The key under which a test file's global finds the shared validator (read by test/helpers/shared-cfn-validate.js). */
const SHARED_VALIDATOR = Symbol.for('cdk-pytorch-sagemaker.test.shared-cfn-validate');

let validate;
/** The package, loaded the first time a test file validates (files that never do pay nothing). */
function validatePackage() {
  if (!validate) {
    // The copy aws-cdk-lib itself depends on (it may be nested under aws-cdk-lib/node_modules).
    const cdkLib = path.dirname(require.resolve('aws-cdk-lib/package.json'));
    // WebAssembly without V8's optimizing tier: a worker validates a few dozen templates, too few for TurboFan's
    // compilation of this large module to pay off (it doubled their CPU; CONTRIBUTING.md has the figures). The flag
    // applies to modules compiled after it, and this one is compiled when required below.
    v8.setFlagsFromString('--liftoff-only');
    validate = require(require.resolve('@aws/cloudformation-validate', { paths: [cdkLib] }));
  }
  return validate;
}

// Engines by their configuration. aws-cdk-lib builds an engine for each synthesis whose resource types its last one
// did not cover, and frees the one before; the configuration it builds from depends only on the rules for those types,
// and for this library's templates is nearly always the same. An engine validates any number of templates (the plugin
// itself reuses one across stacks), so the worker keeps one engine per configuration and hands it to every file: a
// later engine costs a tenth of a second of CPU to build even in a warm instance, and the suite builds hundreds.
const engines = new Map();
const handleOfConfig = new Map();
let nextEngine = 0;
/** Configurations kept at most; beyond it the least recently used engine is freed (the rule sets are few: see above). */
const MAX_ENGINES = 8;

/** The validator's whole surface as aws-cdk-lib uses it, with strings in and out. */
const sharedValidator = Object.freeze({
  version: () => validatePackage().version(),
  /** The engine for this JSON configuration, built on first use; returns its handle. */
  createEngine: (configJson) => {
    const known = handleOfConfig.get(configJson);
    if (known !== undefined) {
      // Most recently used last: the engine a file's plugin holds is never the one evicted.
      handleOfConfig.delete(configJson);
      handleOfConfig.set(configJson, known);
      return known;
    }
    const handle = ++nextEngine;
    engines.set(handle, new (validatePackage().CompositeEngine)(JSON.parse(configJson)));
    handleOfConfig.set(configJson, handle);
    if (handleOfConfig.size > MAX_ENGINES) {
      const [oldestConfig, oldestHandle] = handleOfConfig.entries().next().value;
      handleOfConfig.delete(oldestConfig);
      engines.get(oldestHandle).free();
      engines.delete(oldestHandle);
    }
    return handle;
  },
  /** validateTemplate(new TemplateContent(content, name), options) on an engine; returns the report as JSON. */
  validateTemplate: (handle, content, name, optionsJson) => {
    const engine = engines.get(handle);
    if (!engine) throw new Error(`CloudFormation validation engine ${handle} was freed`);
    const template = new (validatePackage().TemplateContent)(content, name);
    return JSON.stringify(engine.validateTemplate(template, JSON.parse(optionsJson)));
  },
  /** aws-cdk-lib is done with the engine; the worker keeps it for the next synthesis with the same configuration. */
  freeEngine: () => {},
});

class Environment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.global[SHARED_VALIDATOR] = sharedValidator;
  }
}

module.exports = Environment;
