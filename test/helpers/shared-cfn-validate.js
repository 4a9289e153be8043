// What `@aws/cloudformation-validate` resolves to in the tests (jest.config.js moduleNameMapper): the part of the
// package that aws-cdk-lib's CloudFormationValidatePlugin uses (version, TemplateContent, CompositeEngine), backed
// by the one instance per worker that test/environment.js holds, so that each test file does not initialize its
// own WebAssembly engine. See test/environment.js for why and how.
const shared = globalThis[Symbol.for('cdk-pytorch-sagemaker.test.shared-cfn-validate')];
if (!shared) {
  throw new Error('@aws/cloudformation-validate is mapped to test/helpers/shared-cfn-validate.js, which needs the test environment test/environment.js');
}

function version() {
  return shared.version();
}

/** A template held in memory, as the package's own TemplateContent (aws-cdk-lib passes the template's text). */
class TemplateContent {
  constructor(content, name) {
    if (typeof content !== 'string') throw new TypeError('template content must be a string here (aws-cdk-lib passes the template text)');
    this.content = content;
    this.name = name;
  }
}

class CompositeEngine {
  constructor(config = {}) {
    this.handle = shared.createEngine(JSON.stringify(config));
  }

  validateTemplate(template, config = {}) {
    if (!(template instanceof TemplateContent)) throw new TypeError('validateTemplate takes a TemplateContent here');
    return JSON.parse(shared.validateTemplate(this.handle, template.content, template.name, JSON.stringify(config)));
  }

  free() {
    shared.freeEngine(this.handle);
  }
}

module.exports = { version, TemplateContent, CompositeEngine };
