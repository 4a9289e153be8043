/**
 * Synthesize an app the way `cdk synth` does with this repository's cdk.json, and collect every finding of
 * aws-cdk-lib's built-in "CloudFormation Validate" plugin (the CloudFormation schemas), of cdk-nag rule packs,
 * and every warning or error annotation.
 *
 * Usage:
 *   const app = checkedApp();
 *   new MyStack(app, 'S');
 *   const result = synthWithChecks(app);          // AwsSolutionsChecks by default
 *   expect(result.findings).toEqual([]);
 *   expect(result.suppressed.filter(s => !hasReason(s))).toEqual([]);
 *
 * How aws-cdk-lib 2.276 reports (core/lib/private/synthesis-validation.js): after writing the cloud assembly it runs
 * every validation plugin and writes `<outdir>/validation-report.json`; with
 * `@aws-cdk/core:validateAgainstDefaultRules` its schema findings are errors, and in a test process (NODE_ENV=test)
 * any error makes `app.synth()` throw `ValidationFailed`. Warnings never throw, so this helper reads the report
 * instead of relying on the exception, and counts warnings as findings too.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as cdk from 'aws-cdk-lib';
import * as cxapi from 'aws-cdk-lib/cx-api';
import type { NagPack } from 'cdk-nag';
import { IConstruct } from 'constructs';

/** The context of the repository's cdk.json, so tests synthesize under the same feature flags as `cdk synth`. */
export function cdkJsonContext(): { [key: string]: unknown } {
  const cdkJson = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8'));
  return cdkJson.context ?? {};
}

/** A new App with cdk.json's context (strict CloudFormation validation on) and its own temporary output dir. */
export function checkedApp(props: cdk.AppProps = {}): cdk.App {
  return new cdk.App({
    outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-checks-')),
    ...props,
    context: { ...cdkJsonContext(), ...props.context },
  });
}

/**
 * An App for assertion-only tests: the built-in CloudFormation schema validation is off, which makes each
 * `Template.fromStack` about 4x faster here. Keep at least one `expectCleanSynth(checkedApp())` test per construct
 * (and per meaningful option set) so the schemas are still checked.
 */
export function fastApp(props: cdk.AppProps = {}): cdk.App {
  return new cdk.App({ builtinCloudFormationValidation: false, ...props });
}

/** One finding of a validation plugin or one warning/error annotation. */
export interface Finding {
  /** 'CloudFormation Validate', a cdk-nag pack name such as 'AwsSolutions', or 'annotations'. */
  readonly plugin: string;
  /** The rule, e.g. 'E3002' or 'AwsSolutions-IAM5[Resource::*]'. */
  readonly rule: string;
  /** 'error', 'warning', ... */
  readonly severity: string;
  readonly description: string;
  /** Construct paths of the violating resources. */
  readonly constructPaths: string[];
}

/** A finding that was acknowledged with `Validations.of(scope).acknowledge({ id, reason })`. */
export interface SuppressedFinding extends Finding {
  readonly reason: string;
}

/** One `Validations.of(scope).acknowledge({ id, reason })` in the construct tree. */
export interface Acknowledgement {
  readonly id: string;
  readonly reason: string;
  /** Construct path it was recorded at; it covers that construct and everything under it. */
  readonly path: string;
}

/** Every acknowledgement recorded in the tree under `root` (they live in `aws:cdk:acknowledged-rules` metadata). */
export function collectAcknowledgements(root: IConstruct): Acknowledgement[] {
  const result: Acknowledgement[] = [];
  for (const construct of root.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type === cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY && entry.data) {
        for (const [id, reason] of Object.entries(entry.data as { [id: string]: string })) {
          // aws-cdk-lib records the id with an 'Annotation::' namespace; report the id as it was acknowledged.
          result.push({ id: id.replace(/^Annotation::/, ''), reason: String(reason ?? ''), path: construct.node.path });
        }
      }
    }
  }
  return result;
}

export interface SynthCheckResult {
  readonly assembly: cxapi.CloudAssembly;
  /** Unsuppressed findings, warnings included. The bar is none. */
  readonly findings: Finding[];
  /** Acknowledged findings the report lists (plugins that report them) with their reasons. */
  readonly suppressed: SuppressedFinding[];
  /** Every acknowledgement in the tree, used or not (cdk-nag applies them itself and does not report them). */
  readonly acknowledgements: Acknowledgement[];
  /** The parsed validation-report.json. */
  readonly report: any;
}

export interface SynthCheckOptions {
  /**
   * cdk-nag packs to run (created for the app). Pass [] to run only the CloudFormation schema validation.
   * @default [AwsSolutionsChecks]
   */
  readonly nagPacks?: Array<new (scope?: any) => NagPack>;
}

/** Synthesizes `app` with the validation plugins and returns everything they found. */
export function synthWithChecks(app: cdk.App, options: SynthCheckOptions = {}): SynthCheckResult {
  for (const Pack of options.nagPacks ?? [defaultNagPack()]) {
    cdk.Validations.of(app).addPlugins(new Pack(app));
  }
  let assembly: cxapi.CloudAssembly | undefined;
  try {
    assembly = app.synth();
  } catch (e) {
    // An error finding throws after the report is written; anything else is a real failure of the app.
    if (!/ValidationFailed|Validation failed/.test(String(e))) {
      throw e;
    }
  }
  const reportPath = path.join(app.outdir, 'validation-report.json');
  if (!fs.existsSync(reportPath)) {
    throw new Error(`No validation report at ${reportPath}: the built-in CloudFormation validation did not run.`);
  }
  const report = JSON.parse(fs.readFileSync(reportPath, 'utf8'));
  const findings: Finding[] = [];
  const suppressed: SuppressedFinding[] = [];
  for (const pluginReport of report.pluginReports ?? []) {
    for (const v of pluginReport.violations ?? []) {
      findings.push(toFinding(pluginReport.pluginName, v));
    }
    for (const v of pluginReport.suppressedViolations ?? []) {
      suppressed.push({ ...toFinding(pluginReport.pluginName, v), reason: v.reason ?? '' });
    }
  }
  if (!assembly) {
    // The report says why; re-read the assembly written before validation ran, for callers that want it.
    assembly = new cxapi.CloudAssembly(app.outdir);
  }
  for (const stack of assembly.stacksRecursively) {
    for (const message of stack.messages) {
      if (message.level === 'error' || message.level === 'warning') {
        findings.push({
          plugin: 'annotations',
          rule: message.level,
          severity: message.level,
          description: String(message.entry.data),
          constructPaths: [message.id],
        });
      }
    }
  }
  return { assembly, findings, suppressed, report, acknowledgements: collectAcknowledgements(app) };
}

/**
 * cdk-nag's AwsSolutionsChecks, loaded when a synthesis first runs the packs: cdk-nag loads most of aws-cdk-lib's
 * service modules, which a test file that only builds a `fastApp()` would otherwise load for nothing (jest loads every
 * module again for each file).
 */
function defaultNagPack(): new (scope?: any) => NagPack {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('cdk-nag') as typeof import('cdk-nag')).AwsSolutionsChecks;
}

function toFinding(plugin: string, v: any): Finding {
  return {
    plugin,
    rule: v.ruleName,
    severity: v.severity,
    description: v.description,
    constructPaths: (v.violatingConstructs ?? []).map((c: any) => c.constructPath),
  };
}

/** A readable one-line form of findings, for assertion messages. */
export function describeFindings(findings: Finding[]): string {
  return findings.map(f => `${f.plugin} ${f.severity} ${f.rule} at ${f.constructPaths.join(', ')}: ${f.description}`).join('\n');
}

/** A suppression reason that says something (not empty, not a placeholder). */
export function hasReason(s: { readonly reason: string }): boolean {
  return s.reason.trim().length >= 20;
}

/** Synthesizes and fails the calling test with a readable list when anything was found or suppressed without reason. */
export function expectCleanSynth(app: cdk.App, options: SynthCheckOptions = {}): SynthCheckResult {
  const result = synthWithChecks(app, options);
  const unexplained = [...result.suppressed, ...result.acknowledgements].filter(s => !hasReason(s));
  if (result.findings.length > 0 || unexplained.length > 0) {
    throw new Error(
      'Synthesis has findings:\n' + describeFindings(result.findings) +
      (unexplained.length ? '\nAcknowledged without a reason:\n' + JSON.stringify(unexplained, undefined, 2) : ''),
    );
  }
  return result;
}
