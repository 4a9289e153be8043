// The release workflow (.github/workflows/release.yml), parsed: its jobs' steps and the files it publishes.
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';

export const WORKFLOW_FILE = path.join(__dirname, '..', '..', '.github', 'workflows', 'release.yml');

export interface WorkflowStep {
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, unknown>;
  readonly env?: Record<string, string>;
}

export interface Workflow {
  readonly on: { push?: { tags?: string[] } };
  readonly permissions?: Record<string, string>;
  readonly jobs: Record<string, { needs?: string | string[]; permissions?: Record<string, string>; environment?: string; steps: WorkflowStep[] }>;
}

export function readWorkflow(file = WORKFLOW_FILE): Workflow {
  return parse(fs.readFileSync(file, 'utf8'));
}

/** The shell commands of every `run:` step, one per line, continuation lines joined. */
export function commands(workflow: Workflow): string[] {
  return Object.values(workflow.jobs).flatMap((job) => job.steps)
    .flatMap((step) => (step.run ?? '').replace(/\\\n\s*/g, ' ').split('\n').map((line) => line.trim()).filter(Boolean));
}

/** A shell glob of a path (`*` within one name) as a regular expression. */
export function globRegExp(glob: string): RegExp {
  const escaped = glob.replace(/\/$/, '/*').split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*');
  return new RegExp(`^${escaped}$`);
}

/** The dist/ paths and globs the workflow publishes: npm's tarball, PyPI's packages directory, the GitHub release's files. */
export function publishedGlobs(workflow: Workflow): { npm: string[]; pypi: string[]; github: string[] } {
  const lines = commands(workflow);
  const globsIn = (line: string) => line.split(/\s+/).map((word) => word.replace(/^["'$(]*|[)"']*$/g, '')).filter((word) => word.startsWith('dist/'));
  const pypi = Object.values(workflow.jobs).flatMap((job) => job.steps)
    .filter((step) => step.uses?.startsWith('pypa/gh-action-pypi-publish@')).map((step) => `${step.with?.['packages-dir']}`);
  return {
    npm: lines.filter((line) => /^tarball=\$\(ls /.test(line)).flatMap(globsIn),
    pypi,
    github: lines.filter((line) => line.startsWith('gh release create')).flatMap(globsIn),
  };
}
