/**
 * A new user's first hour, end to end (issue 20): the package built and packed as a publisher does, then in a new
 * directory `cdk-pytorch-sagemaker init` (the installed CLI), `npm install` of the packed tarball (--prefer-offline:
 * the npm cache has the dependencies), `npx cdk synth` with no AWS credentials, a type check of the app, and
 * `npm run invoke-local` on what init wrote, for every template. One install serves the three apps (the other two
 * link its node_modules: same dependencies).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { npmTarballIn, packagedCopy } from './helpers/package-build';
import { testWith, TORCH_PYTHON } from './cli/python';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'init-e2e-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** The environment of a user without AWS credentials or a configured region: synth must not need them. */
const userEnv: NodeJS.ProcessEnv = Object.fromEntries(Object.entries({
  ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false', CDK_DISABLE_CLI_TELEMETRY: 'true',
}).filter(([name]) => !/^(AWS_|CDK_DEFAULT_)/.test(name)));

function run(command: string, args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(command, args, { cwd, env: userEnv, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function mustRun(command: string, args: string[], cwd: string): string {
  const r = run(command, args, cwd);
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed in ${cwd} (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const TEMPLATES = ['train-and-serve', 'existing-artifact', 'scale-to-zero'];
let apps: { [template: string]: string };

beforeAll(() => {
  // The package built as the release builds it, shared with the dist test (one build per run).
  const tarball = npmTarballIn(packagedCopy());
  // The CLI as a user runs it before installing anything into the app: from the unpacked tarball.
  mustRun('tar', ['-xzf', tarball, '-C', work], work);
  const cli = path.join(work, 'package', 'bin', 'cdk-pytorch-sagemaker.js');
  apps = {};
  for (const template of TEMPLATES) {
    apps[template] = path.join(work, `my-${template}`);
    mustRun(process.execPath, [cli, 'init', apps[template], '--template', template, '--library', tarball], work);
  }
  const first = apps[TEMPLATES[0]];
  mustRun('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], first);
  for (const template of TEMPLATES.slice(1)) fs.symlinkSync(path.join(first, 'node_modules'), path.join(apps[template], 'node_modules'), 'dir');
}, 600_000);

describe.each(TEMPLATES)('--template %s', (template) => {
  test('npx cdk synth, offline and without credentials, writes the stack with its endpoint', () => {
    const app = () => apps[template];
    const r = run('npx', ['cdk', 'synth', '--quiet'], app());
    expect(r.stderr).not.toMatch(/error|Error:/);
    expect(r.status).toBe(0);
    const stackName = `My${template.split('-').map((w) => w[0].toUpperCase() + w.slice(1)).join('')}`;
    const stack = JSON.parse(fs.readFileSync(path.join(app(), 'cdk.out', `${stackName}.template.json`), 'utf8'));
    const types = Object.values(stack.Resources as { [id: string]: { Type: string } }).map((r) => r.Type);
    expect(types).toEqual(expect.arrayContaining(['AWS::SageMaker::Model', 'AWS::SageMaker::EndpointConfig', 'AWS::SageMaker::Endpoint']));
    if (template === 'scale-to-zero') expect(types).toContain('AWS::SageMaker::InferenceComponent');
    if (template === 'train-and-serve') expect(types).toContain('AWS::CloudFormation::WaitCondition');
    // aws-cdk-lib's CloudFormation validation ran (cdk.json makes its findings errors) and found nothing; no warning.
    const report = JSON.parse(fs.readFileSync(path.join(app(), 'cdk.out', 'validation-report.json'), 'utf8'));
    expect((report.pluginReports as Array<{ violations?: unknown[] }>).flatMap((p) => p.violations ?? [])).toEqual([]);
    expect(r.stderr).not.toMatch(/\[Warning at/);
  }, 240_000);

  testWith(TORCH_PYTHON, 'Python with torch')('npm run invoke-local answers with the code init wrote (the installed CLI picks a Python with torch)', () => {
    const r = run('npm', ['run', '--silent', 'invoke-local'], apps[template]);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).outputs).toEqual([expect.any(Number)]);
    expect(r.stderr).toMatch(/; python: \S+ \(torch [^)]+\)\n$/);
    expect(r.stderr).toContain('serving an UNTRAINED network');
  }, 120_000);
});

test('every app type-checks against the installed package\'s declarations (tsx does not: synth alone would not see a type error)', () => {
  // One compiler run for the three apps (each app's tsconfig.json has these options; their node_modules are one).
  const first = apps[TEMPLATES[0]];
  const options = JSON.parse(fs.readFileSync(path.join(first, 'tsconfig.json'), 'utf8')).compilerOptions as { [name: string]: unknown };
  const flags = Object.entries(options).flatMap(([name, value]) => Array.isArray(value) ? [`--${name}`, value.join(',')] : typeof value === 'boolean' ? (value ? [`--${name}`] : []) : [`--${name}`, String(value)]);
  const r = run('npx', ['tsc', '--ignoreConfig', ...flags, ...TEMPLATES.map((template) => path.join(apps[template], 'bin', 'app.ts'))], first);
  expect(r.stdout + r.stderr).toBe('');
  expect(r.status).toBe(0);
}, 180_000);

test('the scaffold\'s README names only commands that exist in its package.json', () => {
  for (const template of TEMPLATES) {
    const readme = fs.readFileSync(path.join(apps[template], 'README.md'), 'utf8');
    const scripts = Object.keys(JSON.parse(fs.readFileSync(path.join(apps[template], 'package.json'), 'utf8')).scripts);
    const named = [...readme.matchAll(/npm run ([a-z-]+)/g)].map((m) => m[1]);
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter((name) => !scripts.includes(name))).toEqual([]);
  }
});
