// The tests share one CloudFormation validator per jest worker (test/environment.js, test/helpers/
// shared-cfn-validate.js): only the WebAssembly start-up is shared, so a report through the shared validator must be
// the report of the package itself. This compares both on templates with findings of several levels and without any;
// the package's own reports come from a separate Node process, outside jest's module registry and its mapping.
import { execFileSync } from 'child_process';
import * as path from 'path';

// What a test file (and aws-cdk-lib inside it) gets: jest maps the package to the shared validator.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const shared = require('@aws/cloudformation-validate');

// The options aws-cdk-lib's CloudFormationValidatePlugin passes.
const OPTIONS = { detailLevel: 'STANDARD', pseudoParameterOverrides: { accountId: '123456789012', region: 'eu-west-1' }, severityLevel: 'WARN' };

const TEMPLATES: { [name: string]: string } = {
  'invalid property, wrong type, bad reference': JSON.stringify({
    Resources: {
      Bucket: { Type: 'AWS::S3::Bucket', Properties: { NotAProperty: true, BucketName: 42 } },
      Queue: { Type: 'AWS::SQS::Queue', Properties: { VisibilityTimeout: { Ref: 'Missing' } } },
    },
  }),
  'valid': JSON.stringify({ Resources: { Topic: { Type: 'AWS::SNS::Topic' } } }),
};

/** A report without its timings (`performance`: milliseconds, different on every run). */
function comparable(report: any): unknown {
  const { performance: _timings, ...rest } = JSON.parse(JSON.stringify(report));
  return rest;
}

/** The package's own reports, from a plain Node process loading the copy aws-cdk-lib depends on. */
function packageReports(): { [name: string]: unknown } {
  const script = `
    const path = require('path');
    const cdkLib = path.dirname(require.resolve('aws-cdk-lib/package.json'));
    const v = require(require.resolve('@aws/cloudformation-validate', { paths: [cdkLib] }));
    const { templates, options } = JSON.parse(require('fs').readFileSync(0, 'utf8'));
    const engine = new v.CompositeEngine({});
    const reports = {};
    for (const [name, text] of Object.entries(templates)) reports[name] = engine.validateTemplate(new v.TemplateContent(text, 'T.template.json'), options);
    engine.free();
    process.stdout.write(JSON.stringify({ version: v.version(), reports }));`;
  const out = execFileSync(process.execPath, ['-e', script], {
    cwd: path.join(__dirname, '..'), input: JSON.stringify({ templates: TEMPLATES, options: OPTIONS }), encoding: 'utf8',
  });
  return JSON.parse(out);
}

let expected: { version: string; reports: { [name: string]: unknown } };
beforeAll(() => {
  expected = packageReports() as typeof expected;
});

test('the tests really get the shared validator, of the same package version', () => {
  expect(shared.CompositeEngine.toString()).toMatch(/shared\.createEngine/);
  expect(shared.version()).toBe(expected.version);
});

test.each(Object.keys(TEMPLATES))('%s: the shared validator reports what the package reports', (name) => {
  const engine = new shared.CompositeEngine({});
  try {
    const report = engine.validateTemplate(new shared.TemplateContent(TEMPLATES[name], 'T.template.json'), OPTIONS);
    expect(comparable(report)).toEqual(comparable(expected.reports[name]));
  } finally {
    engine.free();
  }
  if (name !== 'valid') expect(JSON.stringify(expected.reports[name])).toMatch(/NotAProperty/);
});

// The worker keeps one engine per configuration and hands it to every synthesis that asks for that configuration
// (test/environment.js): an engine already used, and "freed" by aws-cdk-lib, must report what a fresh one does. The
// package's reports above come from a process without the worker's `--liftoff-only`, so this also shows that flag
// changes no report.
test('an engine asked for again is the same engine, and its reports after any earlier use are the package\'s', () => {
  const first = new shared.CompositeEngine({});
  const again = new shared.CompositeEngine({});
  expect(again.handle).toBe(first.handle);
  for (const order of [Object.keys(TEMPLATES), Object.keys(TEMPLATES).reverse()]) {
    for (const name of order) {
      const engine = new shared.CompositeEngine({});
      const report = engine.validateTemplate(new shared.TemplateContent(TEMPLATES[name], 'T.template.json'), OPTIONS);
      engine.free();
      expect(comparable(report)).toEqual(comparable(expected.reports[name]));
    }
  }
});
