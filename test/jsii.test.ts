// The public API must compile under jsii (no unions, generics or `any` in the surface), with the same flags as
// `npm run build`. jsii runs on a copy of the package so that its output (build/, .jsii) never lands in the
// shared tree, where jest would resolve the compiled .js before the .ts sources.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');
const JSII_FLAGS = ['--generate-tsconfig', 'tsconfig.jsii.json', '--silence-warnings=reserved-word'];

/** The files of the hosting foundation: errors naming them fail this test whatever the rest of the package does. */
const HOSTING_FILES = [
  'lib/index.ts',
  'lib/pytorch-custom-endpoint.ts',
  'lib/common/',
  'lib/core/',
  'lib/hosting/index.ts',
  'lib/hosting/realtime-endpoint.ts',
  'lib/hosting/realtime-endpoint-props.ts',
  'lib/hosting/endpoint-settings.ts',
  'lib/hosting/execution-role.ts',
  'lib/hosting/endpoint-model.ts',
  'lib/hosting/endpoint-config.ts',
  'lib/hosting/production-variant.ts',
  'lib/hosting/endpoint-resource.ts',
];


interface JsiiRun {
  readonly dir: string;
  readonly status: number | null;
  readonly errorLines: string[];
}

function runJsii(dir: string): JsiiRun {
  const run = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'jsii'), JSII_FLAGS, { cwd: dir, encoding: 'utf8', env: { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20' } });
  const output = `${run.stdout}\n${run.stderr}`;
  const errorLines = output.split('\n').filter(line => /error/i.test(line) && !/Errors: 0/.test(line));
  return { dir, status: run.status, errorLines };
}

function hostingErrors(run: JsiiRun): string[] {
  return run.errorLines.filter(line => HOSTING_FILES.some(file => line.includes(file)));
}

function copyPackage(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jsii-'));
  for (const entry of ['package.json', 'README.md', 'lib']) {
    const from = path.join(ROOT, entry);
    if (fs.existsSync(from)) {
      fs.cpSync(from, path.join(dir, entry), {
        recursive: true,
        // Only sources: compiled output of an earlier `npm run build` would only confuse the copy.
        filter: src => !/\.(js|d\.ts)$/.test(src) || src.includes(`${path.sep}handlers${path.sep}`),
      });
    }
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

test('npm run build runs jsii with the flags this test uses', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  expect(pkg.scripts.build).toContain(`jsii ${JSII_FLAGS.join(' ')}`);
});

// That jsii compiles the whole package, and what its assembly declares, is checked on the build of test/package.test.ts
// (one jsii run serves both); this file proves that the check can fail.

test('the check sees a jsii violation in a hosting file (a union type in a public prop)', () => {
  const dir = copyPackage();
  const file = path.join(dir, 'lib', 'hosting', 'realtime-endpoint-props.ts');
  const source = fs.readFileSync(file, 'utf8').replace(
    'readonly instanceCount?: number;',
    'readonly instanceCount?: number | string;',
  );
  fs.writeFileSync(file, source);
  const run = runJsii(dir);
  expect(run.status).not.toBe(0);
  // jsii's compiler reports the union where the value is used: the validation step, itself a hosting file.
  expect(hostingErrors(run).join('\n')).toContain('lib/hosting/endpoint-settings.ts');
});
