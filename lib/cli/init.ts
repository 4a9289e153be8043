/**
 * `init DIR`: writes a new CDK app that uses this package, from one of the templates shipped in the package
 * (templates/<name>/ on top of templates/common/). The app synthesizes offline as written and its serving code
 * answers `invoke-local` before anything is trained. Nothing is overwritten: a non-empty DIR is refused unless
 * --force, and --force still refuses to replace an existing file.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tar from 'tar';
import { Command, ParsedOptions, PROGRAM } from './command';
import { CliError, describeFileError } from './errors';
import { PACKAGE_ROOT, packageJson } from './package-info';

/** Where the templates are in the installed package. */
export const TEMPLATES_DIR = path.join(PACKAGE_ROOT, 'templates');

/** The files every template shares. */
const COMMON = 'common';

/** A sample request for the templates' model (four inputs per row). */
export const SAMPLE_BODY = '{"inputs": [[0.5, 1.0, -0.3, 2.0]]}';

/** What a template's template.json says about it (its files are the other entries of its folder). */
interface TemplateSpec {
  /** One line for --help. */
  readonly description: string;
  /** The README's first paragraph. */
  readonly summary: string;
  /** README rows for the template's own files: [path, what it is]. */
  readonly layout: ReadonlyArray<readonly [string, string]>;
  /** invoke-local's arguments for the app's model and code (the body is SAMPLE_BODY). */
  readonly invokeLocal: readonly string[];
  /** package.json scripts of this template. */
  readonly scripts: { readonly [name: string]: string };
  /** Whether init packs model/ into model.tar.gz (the app serves that archive). */
  readonly packModel?: boolean;
  readonly untrained: string;
  readonly deployNotes: string;
}

/** The templates in the package, by name (every folder of templates/ but common/). */
export function templateNames(): string[] {
  try {
    return fs.readdirSync(TEMPLATES_DIR, { withFileTypes: true }).filter((e) => e.isDirectory() && e.name !== COMMON).map((e) => e.name).sort();
  } catch {
    return [];
  }
}

function readSpec(template: string): TemplateSpec {
  return JSON.parse(fs.readFileSync(path.join(TEMPLATES_DIR, template, 'template.json'), 'utf8'));
}

/** A file to write, relative to DIR. */
export interface PlannedFile {
  readonly path: string;
  readonly data: string;
}

/** Every file under `dir`, relative, `/`-separated, sorted. */
function listFiles(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

/** `{{name}}` placeholders replaced; one left unknown is a defect of the template, not of the user's input. */
function render(text: string, values: { readonly [name: string]: string }, file: string): string {
  return text.replace(/\{\{([A-Za-z]+)\}\}/g, (_match, name: string) => {
    if (!(name in values)) throw new CliError(`template file ${file} uses {{${name}}}, which init does not know: reinstall ${PROGRAM}.`, 'TEMPLATE_BROKEN');
    return values[name];
  });
}

/**
 * Where a file goes in the app: `.tmpl` files are rendered and lose the suffix (a `.ts` file would be compiled as
 * part of the package, a `package.json` taken for one); `gitignore` becomes `.gitignore` (npm never packs that name).
 */
function target(relative: string): string {
  const name = relative.endsWith('.tmpl') ? relative.slice(0, -'.tmpl'.length) : relative;
  return name === 'gitignore' ? '.gitignore' : name;
}

/** The npm package name for DIR's basename: lower case, letters, digits, `-`, `_` and `.`. */
export function packageNameFor(dir: string): string {
  const name = path.basename(path.resolve(dir)).toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[._-]+/, '').slice(0, 214);
  return name || 'pytorch-app';
}

/** The CloudFormation stack name: DIR's basename in PascalCase, starting with a letter. */
export function stackNameFor(dir: string): string {
  const words = path.basename(path.resolve(dir)).split(/[^A-Za-z0-9]+/).filter((w) => w !== '');
  const name = words.map((w) => w[0].toUpperCase() + w.slice(1)).join('').slice(0, 100);
  return /^[A-Za-z]/.test(name) ? name : `App${name}`;
}

/** The versions the app depends on: the ones this package is built and tested with (its own package.json). */
function dependencyVersions(library: string): { dependencies: { [name: string]: string }; devDependencies: { [name: string]: string } } {
  const pkg = packageJson();
  const need = (from: { readonly [name: string]: string } | undefined, name: string): string => {
    const range = from?.[name];
    if (!range) throw new CliError(`the installed ${pkg.name} package.json names no version of ${name}: reinstall ${PROGRAM}.`, 'TEMPLATE_BROKEN');
    return range;
  };
  return {
    dependencies: {
      'aws-cdk-lib': need(pkg.peerDependencies, 'aws-cdk-lib'),
      'cdk-pytorch-sagemaker': library,
      'constructs': need(pkg.peerDependencies, 'constructs'),
    },
    devDependencies: {
      // The CDK CLI that reads the cloud assembly this aws-cdk-lib writes (the `latest` 3.x cannot).
      '@types/node': need(pkg.devDependencies, '@types/node'),
      'aws-cdk': need(pkg.devDependencies, 'aws-cdk'),
      'tsx': need(pkg.devDependencies, 'tsx'),
      'typescript': need(pkg.devDependencies, 'typescript'),
    },
  };
}

/** The command line `npm run invoke-local` runs. */
function invokeLocalCommand(spec: TemplateSpec): string {
  return `${PROGRAM} invoke-local ${spec.invokeLocal.join(' ')} --body '${SAMPLE_BODY}'`;
}

/** Every file the app gets (model.tar.gz aside: it is packed from model/ once these are written). */
export function planApp(dir: string, template: string, library: string): PlannedFile[] {
  const spec = readSpec(template);
  const packageName = packageNameFor(dir);
  const values: { [name: string]: string } = {
    packageName,
    stackName: stackNameFor(dir),
    template,
    summary: spec.summary,
    layout: spec.layout.map(([file, what]) => `| \`${file}\` | ${what} |`).join('\n'),
    invokeLocal: invokeLocalCommand(spec),
    untrained: spec.untrained,
    deployNotes: spec.deployNotes,
  };
  const files = new Map<string, string>();
  for (const folder of [COMMON, template]) {
    const root = path.join(TEMPLATES_DIR, folder);
    for (const relative of listFiles(root)) {
      if (folder !== COMMON && relative === 'template.json') continue;
      const text = fs.readFileSync(path.join(root, relative), 'utf8');
      files.set(target(relative), relative.endsWith('.tmpl') ? render(text, values, `${folder}/${relative}`) : text);
    }
  }
  const manifest = {
    name: packageName,
    version: '0.1.0',
    private: true,
    description: `A PyTorch model on Amazon SageMaker with AWS CDK (${PROGRAM} init --template ${template})`,
    scripts: {
      'synth': 'cdk synth',
      'deploy': 'cdk deploy',
      'typecheck': 'tsc -p tsconfig.json',
      'invoke-local': invokeLocalCommand(spec),
      ...spec.scripts,
    },
    ...dependencyVersions(library),
  };
  files.set('package.json', `${JSON.stringify(manifest, null, 2)}\n`);
  return [...files.entries()].map(([file, data]) => ({ path: file, data })).sort((a, b) => a.path.localeCompare(b.path));
}

/** What package.json depends on for this package: a path (a packed tarball, a checkout) as `file:` from DIR. */
function librarySpec(given: string | undefined, dir: string): string {
  if (given === undefined) return `^${packageJson().version}`;
  if (fs.existsSync(given)) {
    const relative = path.relative(path.resolve(dir), path.resolve(given)).split(path.sep).join('/');
    return `file:${relative.startsWith('.') ? relative : `./${relative}`}`;
  }
  return given;
}

export interface InitArgs {
  readonly dir: string;
  readonly template: string;
  /** Add to a non-empty DIR (never replacing a file). */
  readonly force?: boolean;
  /** The dependency spec for cdk-pytorch-sagemaker, or a path to a packed tarball or a checkout. */
  readonly library?: string;
}

export interface InitReport {
  readonly directory: string;
  readonly template: string;
  readonly files: string[];
}

/** The checks before anything is written: each names DIR and says what to do. */
function checkTarget(args: InitArgs, planned: readonly string[]): void {
  let entries: string[];
  try {
    entries = fs.readdirSync(args.dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw describeFileError(error, 'DIR', args.dir, 'a new or empty directory for the app');
  }
  if (entries.length > 0 && !args.force) {
    const shown = entries.sort().slice(0, 5).join(', ') + (entries.length > 5 ? ', ...' : '');
    throw new CliError(`${args.dir} is not empty (${shown}): give a new or empty directory, or --force to add the app's files ` +
      'beside what is there (no existing file is replaced).', 'NOT_EMPTY');
  }
  const existing = planned.filter((file) => fs.existsSync(path.join(args.dir, file)));
  if (existing.length > 0) {
    throw new CliError(`${args.dir} already has ${existing.join(', ')}, which init would write: move them away first (init never replaces a file).`, 'WOULD_OVERWRITE');
  }
}

/** Writes the app; returns the files written, relative to DIR. */
export async function runInit(args: InitArgs): Promise<InitReport> {
  const names = templateNames();
  if (names.length === 0) throw new CliError(`the templates are missing from the installation (${TEMPLATES_DIR}): reinstall ${PROGRAM}.`, 'TEMPLATES_MISSING');
  if (!names.includes(args.template)) {
    throw new CliError(`--template ${args.template} is not one of ${names.join(', ')}`, 'USAGE', 2);
  }
  const files = planApp(args.dir, args.template, librarySpec(args.library, args.dir));
  const spec = readSpec(args.template);
  const written = [...files.map((f) => f.path), ...(spec.packModel ? ['model.tar.gz'] : [])];
  checkTarget(args, written);
  try {
    for (const file of files) {
      const out = path.join(args.dir, ...file.path.split('/'));
      fs.mkdirSync(path.dirname(out), { recursive: true });
      // 'wx': fails instead of replacing a file that appeared since the check.
      fs.writeFileSync(out, file.data, { flag: 'wx' });
    }
    if (spec.packModel) {
      // What `npm run pack-model` does (tar czf model.tar.gz -C model .), with the tar this package ships.
      await tar.c({ gzip: true, file: path.join(args.dir, 'model.tar.gz'), cwd: path.join(args.dir, 'model'), portable: true }, ['.']);
    }
  } catch (error) {
    throw error instanceof CliError ? error : describeFileError(error, 'DIR', args.dir, 'a directory you may write to');
  }
  return { directory: path.resolve(args.dir), template: args.template, files: written.sort() };
}

/** The templates of this installation, read once when the CLI starts (for the choices and the help). */
const SHIPPED = templateNames();

export const INIT: Command = {
  name: 'init',
  summary: 'Write a new CDK app that trains or serves a PyTorch model with these constructs: it synthesizes as written, and its inference code answers invoke-local.',
  positionals: [{ name: 'DIR', description: 'The directory of the new app: new or empty (see --force); its name names the package and the stack.' }],
  options: [
    // The choices are the templates the package ships (checked again by runInit, which says when none is there).
    { name: 'template', type: 'string', placeholder: 'NAME', description: 'The starting shape of the app (see below).', defaultValue: 'train-and-serve', choices: SHIPPED.length > 0 ? SHIPPED : undefined },
    { name: 'force', type: 'boolean', description: 'Write into a non-empty DIR; a file init would write that exists already is still refused, never replaced.' },
    { name: 'library', type: 'string', placeholder: 'SPEC', description: `The app's dependency on ${PROGRAM}: a version range (default: ^ this CLI's version), or the path of a packed tarball or a checkout (written as file:...).` },
  ],
  details: `
templates:
${SHIPPED.map((name) => `  ${name.padEnd(Math.max(...SHIPPED.map((n) => n.length)) + 2)}${readSpec(name).description}`).join('\n')}

Every app has bin/app.ts (the stack), cdk.json, package.json, tsconfig.json, serving/inference.py (model_fn,
input_fn, predict_fn, output_fn, with where each argument comes from), serving/requirements.txt and a README.
Then: cd DIR && npm install && npx cdk synth && npm run invoke-local.

examples:
  ${PROGRAM} init my-model
  ${PROGRAM} init my-model --template scale-to-zero
  ${PROGRAM} init my-model --library ../cdk-pytorch-sagemaker-0.1.0.tgz

exit codes: 0 written, 1 refused (DIR not empty, a file would be replaced, cannot write), 2 bad usage.`,
  async run(options: ParsedOptions, json: boolean): Promise<number> {
    const dir = options.positionals[0];
    const report = await runInit({ dir, template: options.strings.template!, force: options.flags.force, library: options.strings.library });
    if (json) {
      process.stdout.write(`${JSON.stringify(report)}\n`);
      return 0;
    }
    const cd = path.relative(process.cwd(), report.directory) || '.';
    process.stdout.write(`Wrote a new app in ${cd} (template ${report.template}): ${report.files.join(', ')}.

Next:
  cd ${cd}
  npm install
  npx cdk synth            # offline: no AWS account needed
  npm run invoke-local     # serving/inference.py answers one request here (needs a Python with torch)
  npx cdk deploy           # with AWS credentials; npx cdk destroy removes it all
`);
    return 0;
  },
};
