/**
 * One version story, and what package.json declares: read from the repository, no build needed.
 *
 * The convention (CONTRIBUTING.md, "Releasing"): package.json carries the version being prepared; the changelog's
 * first entry is that version, "(unreleased)" until the release commit dates it; the CLI prints package.json's
 * version; the install commands of the README and docs/python.md name that version's files.
 */
import * as fs from 'fs';
import * as path from 'path';
import { main } from '../lib/cli/main';
import { distFiles, sdistNames, unexpectedDist } from '../scripts/package';
import { shippedManifest } from '../scripts/pack-hooks';
import { changelog, releaseProblems } from '../scripts/release-check';

const ROOT = path.join(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

describe('one version', () => {
  test('the changelog\'s first entry is the version in package.json, unreleased or dated', () => {
    const entries = changelog(README);
    expect(entries.length).toBeGreaterThan(0);
    expect(entries[0].version).toBe(pkg.version);
    expect(entries[0].state).toMatch(/^(unreleased|\d{4}-\d{2}-\d{2})$/);
    // Older entries are released ones, newest first, each version once.
    for (const older of entries.slice(1)) expect(older.state).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(new Set(entries.map((e) => e.version)).size).toBe(entries.length);
  });

  test('the CLI says it: `cdk-pytorch-sagemaker --version` and -V print package.json\'s version', async () => {
    // In process (the unit tier starts no child process); test/dist.package.test.ts runs the installed command.
    const written: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => written.push(String(chunk)) > 0);
    try {
      expect(await main(['--version'])).toBe(0);
      expect(await main(['-V'])).toBe(0);
    } finally {
      write.mockRestore();
    }
    expect(written).toEqual([`${pkg.version}\n`, `${pkg.version}\n`]);
  });

  test('package-lock.json says it', () => {
    const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));
    expect([lock.version, lock.packages[''].version]).toEqual([pkg.version, pkg.version]);
  });

  test('the install commands name this version\'s files (the tarball, npm run package\'s outputs)', () => {
    const dist = distFiles(pkg.version);
    const docs = [README, fs.readFileSync(path.join(ROOT, 'docs', 'python.md'), 'utf8')].join('\n');
    const named = [...docs.matchAll(/cdk[-_]pytorch[-_]sagemaker(?:-|@)(\d+\.\d+\.\d+)(?:\.jsii)?(?:\.tgz|-py3-none-any\.whl)/g)];
    expect(named.length).toBeGreaterThanOrEqual(4);
    expect(named.map((m) => m[1]).filter((v) => v !== pkg.version)).toEqual([]);
    expect(docs).toContain(`cdk-pytorch-sagemaker-${pkg.version}.tgz`);
    expect(docs).toContain(dist.js);
    expect(docs).toContain(dist.wheel);
  });

  test('npm run package accepts the sdist under either name setuptools gives it, and nothing else in dist/', () => {
    const v = pkg.version;
    const [pep625, legacy] = sdistNames(v);
    expect(pep625).toBe(`dist/python/cdk_pytorch_sagemaker-${v}.tar.gz`);
    const base = [`dist/js/cdk-pytorch-sagemaker@${v}.jsii.tgz`, `dist/python/cdk_pytorch_sagemaker-${v}-py3-none-any.whl`];
    expect(unexpectedDist(v, [...base, pep625])).toBeUndefined();
    expect(unexpectedDist(v, [...base, legacy])).toBeUndefined();
    expect(unexpectedDist(v, [...base, pep625, legacy])).toMatch(/^wrote /);
    expect(unexpectedDist(v, [...base, pep625, 'dist/python/cdk_pytorch_sagemaker-0.1.0-py3-none-any.whl'])).toMatch(/^wrote /);
    expect(unexpectedDist(v, base)).toMatch(/expected .*cdk_pytorch_sagemaker-.*\.tar\.gz/);
    expect(() => distFiles(v, 'dist/python/other.tar.gz')).toThrow(/is not a name of the .* sdist/);
  });

  test('the release check accepts exactly a dated entry of this version and the tag v<version>', () => {
    const dated = README.replace(`### ${pkg.version} (unreleased)`, `### ${pkg.version} (2027-01-15)`);
    expect(releaseProblems(`v${pkg.version}`, pkg.version, dated)).toEqual([]);
    expect(releaseProblems(`v${pkg.version}`, pkg.version, README.replace(/^### (\S+) \([^)]*\)$/m, '### $1 (unreleased)')))
      .toEqual([`the changelog's entry for ${pkg.version} says "unreleased": replace it by the release date (YYYY-MM-DD)`]);
    expect(releaseProblems('v9.9.9', pkg.version, dated)).toEqual([`the tag v9.9.9 is not v${pkg.version}, the version in package.json`]);
    expect(releaseProblems('v9.9.9', '9.9.9', dated)).toEqual([`the changelog's first entry is ${pkg.version}, not 9.9.9`]);
    expect(releaseProblems(`v${pkg.version}`, pkg.version, '# no changelog\n')).toEqual(['the README has no changelog entry (### <version> (<date>) under ## Changelog)']);
  });
});

describe('package.json', () => {
  test('declares its bundled dependency once, as bundleDependencies (npm reads either spelling; jsii the first)', () => {
    expect(pkg.bundledDependencies).toBeUndefined();
    expect(pkg.bundleDependencies).toEqual(['tar']);
    expect(Object.keys(pkg.dependencies)).toEqual(pkg.bundleDependencies);
  });

  test('npm pack and npm publish go through the hooks that build and strip the scripts', () => {
    expect(pkg.scripts.prepack).toBe('node scripts/pack-hooks.js prepack');
    expect(pkg.scripts.postpack).toBe('node scripts/pack-hooks.js postpack');
    // The build records its inputs last and forgets them first, so a failed build is never taken for a current one.
    expect(pkg.scripts.build).toMatch(/^node scripts\/build-stamp\.js clear && .* && node scripts\/build-stamp\.js write$/);
  });

  test('the shipped package.json is the same without scripts: nothing for npm to run or warn about on install', () => {
    const shipped = JSON.parse(shippedManifest(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')));
    expect(shipped.scripts).toBeUndefined();
    const { scripts: _scripts, ...rest } = pkg;
    expect(shipped).toEqual(rest);
  });

  test('jsii compiles without source maps: they would point at lib/*.ts, which does not ship', () => {
    expect(pkg.jsii.tsc).toMatchObject({ inlineSourceMap: false, inlineSources: false, sourceMap: false, declarationMap: false });
  });
});
