/**
 * `npm pack` can never produce a package without its build, nor one whose package.json has scripts.
 *
 * Real npm, the real hooks (scripts/pack-hooks.js, scripts/build-stamp.js), in a small package whose `build` script
 * is a stand-in that writes the build outputs in a moment (the real build takes a minute; test/dist.package.test.ts packs
 * the real one). The stand-in keeps the real build's frame: `build-stamp.js clear` first, `build-stamp.js write` last.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BUILD_OUTPUTS, STAMP } from '../scripts/build-stamp';
import { KEPT_MANIFEST } from '../scripts/pack-hooks';

const ROOT = path.join(__dirname, '..');

/** The stand-in build: records that it ran, fails when `fail` exists, writes every output from lib/index.ts. */
const FAKE_BUILD = `
const fs = require('fs');
fs.appendFileSync('build.log', 'built\\n');
if (fs.existsSync('fail')) { console.error('the build broke'); process.exit(3); }
console.log('building (this line must not reach the stdout of npm pack --json)');
for (const file of ${JSON.stringify(BUILD_OUTPUTS)}) {
  fs.mkdirSync(require('path').dirname(file), { recursive: true });
  fs.writeFileSync(file, fs.readFileSync('lib/index.ts'));
}
`;

let dir: string;
let manifest: string;

function npmPack(...args: string[]) {
  return spawnSync('npm', ['pack', ...args], {
    cwd: dir, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false' },
  });
}

function builds(): number {
  return fs.existsSync(path.join(dir, 'build.log')) ? fs.readFileSync(path.join(dir, 'build.log'), 'utf8').split('\n').filter(Boolean).length : 0;
}

function tarballFile(tarball: string, file: string): string {
  return spawnSync('tar', ['-xzOf', path.join(dir, tarball), `package/${file}`], { encoding: 'utf8' }).stdout;
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pack-hooks-'));
  fs.mkdirSync(path.join(dir, 'scripts'));
  for (const file of ['build-stamp.js', 'pack-hooks.js']) fs.copyFileSync(path.join(ROOT, 'scripts', file), path.join(dir, 'scripts', file));
  // The inputs the stamp hashes.
  for (const file of ['scripts/bundle.mjs', 'scripts/api-md.mjs', 'README.md']) fs.writeFileSync(path.join(dir, file), `// ${file}\n`);
  fs.writeFileSync(path.join(dir, 'package-lock.json'), '{}\n');
  fs.mkdirSync(path.join(dir, 'lib'));
  fs.writeFileSync(path.join(dir, 'lib', 'index.ts'), 'export const version = 1;\n');
  fs.writeFileSync(path.join(dir, 'fake-build.js'), FAKE_BUILD);
  manifest = `${JSON.stringify({
    name: 'hooked',
    version: '1.0.0',
    files: ['build/**/*.js', '.jsii', 'API.md'],
    scripts: {
      build: 'node scripts/build-stamp.js clear && node fake-build.js && node scripts/build-stamp.js write',
      prepare: 'node -e "process.exit(0)"',
      prepack: 'node scripts/pack-hooks.js prepack',
      postpack: 'node scripts/pack-hooks.js postpack',
    },
  }, null, 2)}\n`;
  fs.writeFileSync(path.join(dir, 'package.json'), manifest);
});

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('with no build, npm pack builds first; the tarball has the build and a package.json without scripts', () => {
  expect(fs.existsSync(path.join(dir, 'build'))).toBe(false);
  const pack = npmPack('--json', '--foreground-scripts');
  expect(pack.status).toBe(0);
  expect(builds()).toBe(1);
  // The build's output went to stderr: stdout is npm's JSON alone (jsii-pacmak and tests read it).
  const [report] = JSON.parse(pack.stdout);
  expect(report.filename).toBe('hooked-1.0.0.tgz');
  expect(pack.stderr).toMatch(/prepack: no build \(.*missing\): running `npm run build` first/);
  expect(tarballFile(report.filename, 'build/index.js')).toBe('export const version = 1;\n');
  const shipped = JSON.parse(tarballFile(report.filename, 'package.json'));
  expect(shipped.scripts).toBeUndefined();
  expect(shipped).toMatchObject({ name: 'hooked', version: '1.0.0' });
  // The repository's package.json is back, byte for byte.
  expect(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).toBe(manifest);
  expect(fs.existsSync(path.join(dir, KEPT_MANIFEST))).toBe(false);
  expect(fs.existsSync(path.join(dir, STAMP))).toBe(true);
});

test('with a current build, npm pack does not build again', () => {
  expect(npmPack().status).toBe(0);
  expect(builds()).toBe(1);
});

test('after a source changed, npm pack builds again and ships the new build', () => {
  fs.writeFileSync(path.join(dir, 'lib', 'index.ts'), 'export const version = 2;\n');
  const pack = npmPack();
  expect(pack.status).toBe(0);
  expect(builds()).toBe(2);
  expect(tarballFile('hooked-1.0.0.tgz', 'build/index.js')).toBe('export const version = 2;\n');
});

test('a build that half ran (no stamp) is built again', () => {
  fs.rmSync(path.join(dir, STAMP));
  expect(npmPack().status).toBe(0);
  expect(builds()).toBe(3);
});

test('when the build fails, npm pack fails and writes no tarball; package.json is untouched', () => {
  fs.rmSync(path.join(dir, 'hooked-1.0.0.tgz'));
  fs.writeFileSync(path.join(dir, 'lib', 'index.ts'), 'export const version = 3;\n');
  fs.writeFileSync(path.join(dir, 'fail'), '');
  const pack = npmPack();
  expect(pack.status).not.toBe(0);
  expect(`${pack.stdout}${pack.stderr}`).toMatch(/prepack: `npm run build` failed \(exit code 3\)/);
  expect(fs.existsSync(path.join(dir, 'hooked-1.0.0.tgz'))).toBe(false);
  expect(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).toBe(manifest);
  expect(fs.existsSync(path.join(dir, KEPT_MANIFEST))).toBe(false);
});
