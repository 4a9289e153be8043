// Before the release workflow publishes anything: the pushed tag, package.json and the README's changelog name one
// version, and the changelog dates it. Prints that version's changelog entry (the release notes).
//
//   npx tsx scripts/release-check.ts v0.2.0 > release-notes.md
//
// The convention (CONTRIBUTING.md, "Releasing"): package.json carries the version being prepared and the changelog's
// first entry is `### <that version> (unreleased)`; the release commit replaces "unreleased" by the date, the tag
// `v<version>` on it starts .github/workflows/release.yml. test/package-json.test.ts holds the repository to it.
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');

/** A `### <version> (<state>)` heading of the README's changelog, with the text up to the next one. */
export interface ChangelogEntry {
  readonly version: string;
  /** `unreleased` or the release date, YYYY-MM-DD. */
  readonly state: string;
  readonly notes: string;
}

/** The entries under the README's `## Changelog`, newest first, as written. */
export function changelog(readme: string): ChangelogEntry[] {
  const start = readme.indexOf('\n## Changelog\n');
  if (start < 0) return [];
  const rest = readme.slice(start + '\n## Changelog\n'.length);
  const section = rest.split(/\n## /)[0];
  const entries: ChangelogEntry[] = [];
  const parts = section.split(/^### /m).slice(1);
  for (const part of parts) {
    const [heading, ...body] = part.split('\n');
    const m = /^(\S+) \(([^)]*)\)\s*$/.exec(heading);
    entries.push({ version: m?.[1] ?? heading, state: m?.[2] ?? '', notes: body.join('\n').trim() });
  }
  return entries;
}

/** What is wrong with releasing `tag` from this package.json and README (nothing: an empty list). */
export function releaseProblems(tag: string, version: string, readme: string): string[] {
  const problems: string[] = [];
  if (tag !== `v${version}`) problems.push(`the tag ${tag} is not v${version}, the version in package.json`);
  const [first] = changelog(readme);
  if (!first) {
    problems.push('the README has no changelog entry (### <version> (<date>) under ## Changelog)');
  } else {
    if (first.version !== version) problems.push(`the changelog's first entry is ${first.version}, not ${version}`);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(first.state)) problems.push(`the changelog's entry for ${first.version} says "${first.state}": replace it by the release date (YYYY-MM-DD)`);
  }
  return problems;
}

if (require.main === module) {
  const tag = process.argv[2] ?? '';
  const version: string = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const problems = releaseProblems(tag, version, readme);
  if (problems.length > 0) {
    console.error(`release-check: not releasing ${tag || '(no tag given)'}:\n${problems.map((p) => `- ${p}`).join('\n')}`);
    process.exitCode = 1;
  } else {
    console.log(`${changelog(readme)[0].notes}\n`);
  }
}
