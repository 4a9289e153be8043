/**
 * The packages a user installs: what `npm run package` writes to dist/, built the way the release builds it.
 *
 * The package tier of the suite. One `npm run package` runs in a copy of the repository without any build output
 * (a stale `build/` must not make a test pass), with the clutter of a developer's tree planted in it: the build
 * (bundles, jsii, jsii-docgen), jsii-rosetta's strict extraction of every TypeScript snippet, jsii-pacmak, and the
 * wheel. Then:
 * - the npm tarball: what it contains and leaves out, its package.json, no source maps;
 * - a new app installs the tarball with npm (offline, from npm's cache), type-checks a consumer and a README snippet
 *   strictly against it, synthesizes the snippet with the CDK CLI, and runs the installed CLI;
 * - the wheel: installed into a virtual environment, its metadata, the npm tarball inside it, and every name, member
 *   and keyword argument the README's Python uses, checked against the module's source;
 * - the README's snippets through jsii-rosetta: all compiled, translated, the committed Python current, and a
 *   broken snippet refused.
 *
 * The build runs once per test run (test/helpers/package-build.ts), shared with the init test.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { distFiles, findPython, sdistNames } from '../scripts/package';
import { shippedManifest } from '../scripts/pack-hooks';
import { generatedFiles, pythonOf, TABLET, Tablet, typescriptBlocks } from '../scripts/snippets';
import { bundledClosure, CLUTTER, OLD_DIST, packagedCopy, QUIET_NPM, ROOT, run } from './helpers/package-build';
import { globRegExp, publishedGlobs, readWorkflow } from './helpers/release-workflow';

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
/** dist/'s files; the sdist's name depends on setuptools' version (scripts/package.ts), so it is read in beforeAll. */
let DIST: ReturnType<typeof distFiles>;
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** Folders jsii does not compile: they ship as esbuild bundles in assets/ (package.json `jsii.excludeTypescript`). */
const BUNDLED_SOURCES = [/^(lib|build)\/[^/]+\/handlers\//, /^(lib|build)\/[^/]+\/runtime\//, /^(lib|build)\/packaging\/engine\//, /^(lib|build)\/cli\//];

let workDir: string;
/** The npm tarball's entries, without the leading `package/`. */
let packed: string[];
/** The npm tarball, unpacked. */
let unpacked: string;

/** The construct sources jsii compiles (lib/x.ts into build/x.js and build/x.d.ts). */
function compiledSources(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = `${rel}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else if (child.endsWith('.ts') && !child.endsWith('.d.ts') && !BUNDLED_SOURCES.some((re) => re.test(child))) out.push(child);
    }
  };
  walk('lib');
  return out.sort();
}

beforeAll(() => {
  workDir = packagedCopy();
  const sdist = fs.readdirSync(path.join(workDir, 'dist', 'python')).map((file) => `dist/python/${file}`).find((file) => file.endsWith('.tar.gz'));
  DIST = distFiles(pkg.version, sdist);
  unpacked = path.join(workDir, 'unpacked');
  fs.mkdirSync(unpacked);
  run('tar', ['-xzf', path.join(workDir, DIST.js), '-C', unpacked], workDir);
  packed = run('tar', ['-tzf', path.join(workDir, DIST.js)], workDir).trim().split('\n')
    .map((entry) => entry.replace(/^package\//, '')).filter((entry) => entry !== '' && !entry.endsWith('/')).sort();
}, 600_000);

test('npm run package writes exactly the npm tarball, the wheel and the sdist of this version to dist/', () => {
  const written = ['js', 'python'].flatMap((dir) => fs.readdirSync(path.join(workDir, 'dist', dir)).map((file) => `dist/${dir}/${file}`));
  expect(written.sort()).toEqual(Object.values(DIST).sort());
  // The planted output of an older version is gone: the release publishes everything in dist/.
  expect(fs.existsSync(path.join(workDir, OLD_DIST))).toBe(false);
});

test('the release workflow publishes exactly these files: the tarball to npm, the wheel and sdist to PyPI, all to GitHub', () => {
  const written = ['js', 'python'].flatMap((dir) => fs.readdirSync(path.join(workDir, 'dist', dir)).map((file) => `dist/${dir}/${file}`));
  const published = publishedGlobs(readWorkflow());
  const matching = (globs: string[]) => written.filter((file) => globs.some((glob) => globRegExp(glob).test(file))).sort();
  expect(matching(published.npm)).toEqual([DIST.js]);
  expect(matching(published.pypi)).toEqual([DIST.sdist, DIST.wheel].sort());
  expect(matching(published.github)).toEqual(written.sort());
});

describe('the npm tarball contains', () => {
  test('the compiled library: a .js and a .d.ts for every construct source, and the entry points', () => {
    const sources = compiledSources(workDir);
    expect(sources.length).toBeGreaterThan(0);
    const missing = sources.map((ts) => ts.replace(/^lib\//, 'build/'))
      .flatMap((ts) => [ts.replace(/\.ts$/, '.js'), ts.replace(/\.ts$/, '.d.ts')])
      .filter((file) => !packed.includes(file));
    expect(missing).toEqual([]);
    expect(packed).toContain(pkg.main);
    expect(packed).toContain(pkg.types);
  });

  test('the jsii assembly and the API reference generated from it', () => {
    expect(packed).toEqual(expect.arrayContaining(['.jsii', 'API.md', 'LICENSE', 'package.json']));
    const assembly = JSON.parse(fs.readFileSync(path.join(unpacked, 'package', '.jsii'), 'utf8'));
    expect(assembly.name).toBe(pkg.name);
    expect(assembly.version).toBe(pkg.version);
    const declared = Object.keys(assembly.types).map((fqn) => fqn.replace(/^cdk-pytorch-sagemaker\./, ''));
    expect(declared).toEqual(expect.arrayContaining([
      'InstanceType', 'PytorchVersion', 'ImageVariant', 'ContainerImage', 'ModelData', 'ModelDataConfig',
      'RealtimeEndpoint', 'RealtimeEndpointOptions', 'RealtimeEndpointProps', 'PytorchCustomEndpoint', 'PytorchCustomEndpointProps',
      'ServingMode', 'ScaleToZeroOptions', 'AsyncInferenceOptions', 'DeploymentGuardrails', 'CapacitySize',
      'TrainingJob', 'TrainingJobProps', 'Hyperparameter', 'MetricDefinition', 'ModelOutputCompression', 'InferenceCodeInjection',
    ]));
    expect(assembly.types['cdk-pytorch-sagemaker.RealtimeEndpoint'].methods.map((m: any) => m.name))
      .toEqual(expect.arrayContaining(['grantInvoke', 'grantInvokeAsync']));
    // RealtimeEndpoint, PytorchCustomEndpoint and the imported endpoint are IEndpoints through their base.
    expect(assembly.types['cdk-pytorch-sagemaker.EndpointBase'].interfaces).toEqual(expect.arrayContaining(['aws-cdk-lib.aws_sagemaker.IEndpoint']));
    for (const name of ['RealtimeEndpoint', 'PytorchCustomEndpoint', 'ImportedEndpoint']) {
      expect(assembly.types[`cdk-pytorch-sagemaker.${name}`].base).toBe('cdk-pytorch-sagemaker.EndpointBase');
    }
    const api = fs.readFileSync(path.join(unpacked, 'package', 'API.md'), 'utf8');
    const classes = Object.values(assembly.types as { [fqn: string]: { kind: string; name: string } })
      .filter((t) => t.kind === 'class').map((t) => t.name);
    expect(classes.length).toBeGreaterThan(0);
    expect(classes.filter((name) => !api.includes(`### ${name}`))).toEqual([]);
    // The committed API.md (linked from the README) is what the build generates: regenerate it with `npm run build`.
    expect(fs.readFileSync(path.join(ROOT, 'API.md'), 'utf8') === api).toBe(true);
  });

  test('API.md opens with a table of contents, then PytorchCustomEndpoint and its props, then the building blocks', () => {
    const headings = fs.readFileSync(path.join(unpacked, 'package', 'API.md'), 'utf8').split('\n').filter((line) => /^#{2,3} /.test(line))
      .map((line) => line.split(' <a ')[0]);
    expect(headings.slice(0, 4)).toEqual(['## Contents', '## Start here', '### PytorchCustomEndpoint', '### PytorchCustomEndpointProps']);
    expect(headings.slice(4)).toEqual(expect.arrayContaining(['## Constructs', '### RealtimeEndpoint', '### TrainingJob', '## Structs', '## Classes']));
    // Every type is listed once, in the contents and in the body.
    const types = headings.filter((h) => h.startsWith('### '));
    expect(new Set(types).size).toBe(types.length);
  });

  test('the Apache-2.0 license text', () => {
    expect(pkg.license).toBe('Apache-2.0');
    const license = fs.readFileSync(path.join(unpacked, 'package', 'LICENSE'), 'utf8');
    expect(license).toMatch(/Apache License\s+Version 2\.0, January 2004/);
    expect(license).toMatch(/END OF TERMS AND CONDITIONS/);
  });

  const handlerSources = fs.readdirSync(path.join(ROOT, 'lib'), { withFileTypes: true })
    .filter((area) => area.isDirectory() && fs.existsSync(path.join(ROOT, 'lib', area.name, 'handlers')))
    .flatMap((area) => fs.readdirSync(path.join(ROOT, 'lib', area.name, 'handlers')))
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'));
  test('the bundle of every Lambda handler in lib/<area>/handlers', () => {
    expect(handlerSources.length).toBeGreaterThan(0);
    const expected = handlerSources.map((file) => `assets/handlers/${file.replace(/\.ts$/, '')}/index.js`);
    expect(expected.filter((file) => !packed.includes(file))).toEqual([]);
  });

  test('the CLI: its launcher in bin/, its bundle and the invoke-local Python runner beside it', () => {
    const launchers = Object.values(pkg.bin ?? {}) as string[];
    expect(launchers.length).toBeGreaterThan(0);
    expect([...launchers.map((f) => f.replace(/^\.\//, '')), 'assets/cli/main.js', 'assets/cli/invoke_local.py'].filter((f) => !packed.includes(f))).toEqual([]);
  });

  test('its bundled dependency, tar, with what tar needs', () => {
    expect(pkg.bundleDependencies).toEqual(['tar']);
    const bundled = [...bundledClosure()].filter((name) => !packed.includes(`node_modules/${name}/package.json`));
    expect(bundled).toEqual([]);
  });

  test('exactly what the README says it ships', () => {
    const topLevel = [...new Set(packed.map((file) => file.split('/')[0]).filter((entry) => entry !== 'node_modules'))].sort();
    expect(topLevel).toEqual(['.jsii', 'API.md', 'LICENSE', 'README.md', 'assets', 'bin', 'build', 'docs', 'package.json', 'templates']);
    const readme = README.replace(/\s+/g, ' ');
    const claim = readme.match(/`npm pack` ships exactly ([^;]*);/)?.[1] ?? '';
    for (const named of ['`build/`', '`assets/`', '`bin/`', '`docs/`', '`templates/`', 'README', 'LICENSE', 'API.md', 'jsii assembly']) expect(claim).toContain(named);
  });

  test('every relative link of the README and the docs points to a file that ships (links work in node_modules)', () => {
    const repository = (pkg.repository.url as string).replace(/^git\+/, '').replace(/\.git$/, '');
    const broken: string[] = [];
    for (const doc of packed.filter((file) => file === 'README.md' || /^docs\/.*\.md$/.test(file))) {
      // Code is not links: fenced blocks and inline spans (a name pattern like `[a-z](-*[a-z])` is not a link).
      const text = fs.readFileSync(path.join(unpacked, 'package', doc), 'utf8').replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (target.startsWith(`${repository}/tree/main/`)) {
          // A link to the repository (examples do not ship): the file must exist there.
          if (!fs.existsSync(path.join(ROOT, target.slice(`${repository}/tree/main/`.length)))) broken.push(`${doc}: ${target}`);
          continue;
        }
        if (/^[a-z]+:/.test(target) || target.startsWith('#')) continue;
        const file = path.posix.normalize(path.posix.join(path.posix.dirname(doc), target.split('#')[0]));
        if (!packed.includes(file)) broken.push(`${doc}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });
});

describe('the npm tarball leaves out', () => {
  test('tests, examples, synth and bench output, coverage, tarballs, scripts and jsii build leftovers', () => {
    const unwanted = packed.filter((file) => /^(test|examples|cdk\.out|\.bench|coverage|dist|scripts|rosetta|unpacked)\//.test(file)
      || /\.tgz$/.test(file) || /\.tabl\.json$/.test(file) || /(^|\/)tsconfig[^/]*\.json$/.test(file) || /\.test\.[jt]s$/.test(file)
      || /^(jest\.config\.js|cdk\.json|\.gitignore|package\.json\.repository|build\/\.inputs-sha256)$/.test(file));
    expect(unwanted).toEqual([]);
  });

  test('the planted clutter (the check is not vacuous: those files exist in the packed directory)', () => {
    for (const file of CLUTTER) expect(fs.existsSync(path.join(workDir, file))).toBe(true);
    expect(packed.filter((file) => CLUTTER.includes(file))).toEqual([]);
  });

  test('anything under lib/: the sources stay in the repository, the compiled library is build/', () => {
    expect(packed.filter((file) => file.startsWith('lib/'))).toEqual([]);
  });

  test('TypeScript sources: consumers would compile them instead of reading the .d.ts', () => {
    expect(packed.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts') && !file.startsWith('node_modules/'))).toEqual([]);
  });

  test('sources of the bundled handlers, runtime, engine and CLI (they ship as bundles)', () => {
    expect(packed.filter((file) => BUNDLED_SOURCES.some((re) => re.test(file)))).toEqual([]);
  });

  test('source maps: a stack trace points at a shipped file (build/*.js, a bundle), never at lib/*.ts', () => {
    // jsii's default is an inline map of every build/*.js naming ../lib/*.ts; package.json's jsii.tsc turns it off.
    // The bundled dependency (tar and what it needs) ships as npm publishes it, maps included.
    const ours = packed.filter((file) => /\.(js|d\.ts)$/.test(file) && !file.startsWith('node_modules/'));
    expect(ours.length).toBeGreaterThan(100);
    const mapped = ours.filter((file) => fs.readFileSync(path.join(unpacked, 'package', file), 'utf8').includes('sourceMappingURL'));
    expect(mapped).toEqual([]);
    expect(packed.filter((file) => file.endsWith('.map') && !file.startsWith('node_modules/'))).toEqual([]);
  });

  test('scripts: the shipped package.json is the repository\'s without `scripts`, and the repository\'s is back after the pack', () => {
    const shipped = fs.readFileSync(path.join(unpacked, 'package', 'package.json'), 'utf8');
    expect(JSON.parse(shipped).scripts).toBeUndefined();
    expect(shipped).toBe(shippedManifest(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')));
    expect(fs.readFileSync(path.join(workDir, 'package.json'), 'utf8')).toBe(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(fs.existsSync(path.join(workDir, 'package.json.repository'))).toBe(false);
  });
});

/**
 * A new app installs the tarball as a user does (`npm install <tarball> aws-cdk-lib constructs`; offline: the
 * versions the repository uses are in npm's cache), then compiles, with the repository's tsc in strict mode against
 * what npm installed, three modules in one program: the README's quick start, a consumer that passes our
 * endpoints where aws-cdk-lib wants a `sagemaker.IEndpoint`, and the same consumer with one mistake, which must be
 * the only diagnostic. The snippet is then synthesized by the CDK CLI, with aws-cdk-lib's CloudFormation validation on.
 */
describe('a new app with the tarball installed by npm', () => {
  let app: string;
  let installLog: string;

  beforeAll(() => {
    app = fs.mkdtempSync(path.join(os.tmpdir(), 'package-app-'));
    fs.writeFileSync(path.join(app, 'package.json'), `${JSON.stringify({ name: 'my-app', version: '1.0.0', private: true }, null, 2)}\n`);
    const peers = ['aws-cdk-lib', 'constructs'].map((name) => `${name}@${JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version}`);
    const install = spawnSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', path.join(workDir, DIST.js), ...peers], {
      cwd: app, encoding: 'utf8', env: { ...process.env, ...QUIET_NPM },
    });
    installLog = `${install.stdout}${install.stderr}`;
    if (install.status !== 0) throw new Error(`npm install of the tarball failed:\n${installLog}`);
  }, 300_000);

  afterAll(() => {
    if (app) fs.rmSync(app, { recursive: true, force: true });
  });

  test('npm installs it without a warning (no install scripts, nothing deprecated)', () => {
    expect(installLog).toMatch(/added \d+ packages/);
    expect(installLog.split('\n').filter((line) => /warn|ERR/i.test(line))).toEqual([]);
    // The bundled dependency came inside the tarball.
    expect(fs.existsSync(path.join(app, 'node_modules', pkg.name, 'node_modules', 'tar', 'package.json'))).toBe(true);
  });

  test('the README\'s quick start and a consumer type-check strictly against it, and a wrong type is refused', () => {
    const snippet = typescriptBlocks(README).find((block) => block.title === 'Quick start');
    expect(snippet).toBeDefined();
    fs.writeFileSync(path.join(app, 'app.ts'), `${snippet!.code}\n`);
    const consumer = [
      "import * as cdk from 'aws-cdk-lib';",
      "import * as apigw from 'aws-cdk-lib/aws-apigateway';",
      "import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';",
      `import { ModelData, PytorchCustomEndpoint, RealtimeEndpoint } from '${pkg.name}';`,
      '',
      "const stack = new cdk.Stack(new cdk.App(), 'S');",
      "const e: sagemaker.IEndpoint = new PytorchCustomEndpoint(stack, 'E', { model: ModelData.fromS3Uri('s3://bucket/model.tar.gz') });",
      'new apigw.SagemakerIntegration(e);',
      "new apigw.SagemakerIntegration(RealtimeEndpoint.fromEndpointName(stack, 'Imported', 'scorer'));",
      '',
    ].join('\n');
    fs.writeFileSync(path.join(app, 'consumer.ts'), consumer);
    fs.writeFileSync(path.join(app, 'refused.ts'), `${consumer}new apigw.SagemakerIntegration(ModelData.fromS3Uri('s3://bucket/m.tar.gz'));\n`);
    const tsc = path.join(ROOT, 'node_modules', '.bin', 'tsc');
    // One program: most of a compilation is checking aws-cdk-lib's declarations, which two programs would do twice.
    const compiled = spawnSync(tsc, ['--strict', '--target', 'ES2022', '--lib', 'ES2022', '--module', 'commonjs', '--moduleResolution', 'node10',
      '--types', 'node', '--typeRoots', path.join(ROOT, 'node_modules', '@types'), '--ignoreDeprecations', '6.0', '--outDir', 'out',
      'app.ts', 'consumer.ts', 'refused.ts'], { cwd: app, encoding: 'utf8' });
    // Exactly one diagnostic, the refusal: nothing in the snippet, the consumer, the package's declarations or aws-cdk-lib's.
    const diagnostics = compiled.stdout.split('\n').filter((line) => /: error TS\d+:/.test(line));
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatch(/^refused\.ts\(10,\d+\): error TS2345: Argument of type 'ModelData' is not assignable to parameter of type 'IEndpoint'/);
    expect(compiled.status).not.toBe(0);
  });

  test('`cdk synth` of the README\'s quick start uses the installed package: training, injection, endpoint, grant; valid CloudFormation', () => {
    expect(fs.existsSync(path.join(app, 'out', 'app.js'))).toBe(true);
    fs.mkdirSync(path.join(app, 'training'));
    fs.writeFileSync(path.join(app, 'training', 'train.py'), 'print("training")\n');
    fs.mkdirSync(path.join(app, 'serving'));
    fs.writeFileSync(path.join(app, 'serving', 'inference.py'), 'def model_fn(model_dir):\n    return None\n');
    fs.writeFileSync(path.join(app, 'cdk.json'), JSON.stringify({
      app: 'node out/app.js',
      context: { '@aws-cdk/core:validateAgainstDefaultRules': true, 'cli-telemetry': false },
    }));
    const cdk = path.join(ROOT, 'node_modules', '.bin', 'cdk');
    const synth = spawnSync(cdk, ['synth', '--quiet', '--no-notices', '-o', 'cdk.out'], {
      cwd: app, encoding: 'utf8', env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1' },
    });
    expect({ status: synth.status, stderr: synth.status === 0 ? '' : synth.stderr }).toEqual({ status: 0, stderr: '' });
    const report = JSON.parse(fs.readFileSync(path.join(app, 'cdk.out', 'validation-report.json'), 'utf8'));
    expect((report.pluginReports ?? []).flatMap((r: any) => r.violations ?? [])).toEqual([]);
    const template = JSON.parse(fs.readFileSync(path.join(app, 'cdk.out', 'ClassifierStack.template.json'), 'utf8'));
    const types = Object.values<any>(template.Resources).map((r) => r.Type);
    expect(types).toEqual(expect.arrayContaining(['AWS::SageMaker::Model', 'AWS::SageMaker::EndpointConfig', 'AWS::SageMaker::Endpoint',
      'AWS::CloudFormation::WaitCondition', 'AWS::Lambda::Function']));
    // The caller's role may invoke the endpoint, and nothing else.
    const callerPolicy = Object.values<any>(template.Resources).find((r) => r.Type === 'AWS::IAM::Policy'
      && r.Properties.Roles.some((role: any) => role.Ref?.startsWith('Caller')));
    expect(callerPolicy.Properties.PolicyDocument.Statement.map((s: any) => s.Action)).toEqual(['sagemaker:InvokeEndpoint']);
    // The functions' code is the installed package's bundles (the injection and the training job's two), staged as assets.
    const out = path.join(app, 'cdk.out');
    const staged = new Set(fs.readdirSync(out).filter((entry) => fs.existsSync(path.join(out, entry, 'index.js')))
      .map((entry) => fs.readFileSync(path.join(out, entry, 'index.js'), 'utf8')));
    const installed = path.join(app, 'node_modules', pkg.name, 'assets', 'handlers');
    expect(['inject-code', 'training-job-lifecycle', 'training-job-signaller']
      .filter((name) => !staged.has(fs.readFileSync(path.join(installed, name, 'index.js'), 'utf8')))).toEqual([]);
    // train.py went into the deterministic source archive, which the bundled tar packs at synth.
    const archives = fs.readdirSync(out).filter((entry) => entry.startsWith('asset.') && entry.endsWith('.gz'));
    expect(archives.filter((entry) => run('tar', ['-tzf', path.join(out, entry)], app).split('\n').includes('train.py'))).toHaveLength(1);
  });

  test('the installed CLI answers --version with the package version and runs invoke-local with its Python runner', () => {
    const cli = path.join(app, 'node_modules', '.bin', 'cdk-pytorch-sagemaker');
    expect(run(cli, ['--version'], app).trim()).toBe(pkg.version);
    const model = path.join(app, 'model');
    fs.mkdirSync(path.join(model, 'code'), { recursive: true });
    fs.writeFileSync(path.join(model, 'code', 'inference.py'), 'def model_fn(d):\n    return 0\n\ndef transform_fn(m, body, c, a):\n    return body.upper()\n');
    expect(run(cli, ['invoke-local', '--model', model, '--python', 'python3', '--body', '"installed"'], app).trim()).toBe('"INSTALLED"');
  });
});

/** The README snippets' Python (jsii-rosetta's translations, read from the tablet the package build wrote). */
function readmePython(): string[] {
  const tablet: Tablet = JSON.parse(fs.readFileSync(path.join(workDir, TABLET), 'utf8'));
  return pythonOf(tablet, typescriptBlocks(README));
}

/** The names a TypeScript snippet imports from the package. */
function importedNames(code: string): string[] {
  return [...code.matchAll(/import\s*\{([^}]*)\}\s*from\s*'cdk-pytorch-sagemaker'/g)].flatMap((m) => m[1].split(',').map((n) => n.trim()).filter(Boolean));
}

describe('the Python wheel', () => {
  let venv: string;
  let site: string;

  beforeAll(() => {
    // Its dependencies (jsii, aws-cdk-lib, constructs, publication) come from PyPI, which is out of reach here:
    // --no-deps --no-index installs the wheel alone, and the module is read, not imported.
    // The interpreter that built the wheel (the one with build, setuptools and wheel), and its pip.
    const python = findPython();
    venv = fs.mkdtempSync(path.join(os.tmpdir(), 'package-venv-'));
    run(python, ['-m', 'venv', '--without-pip', venv], venv);
    run(python, ['-m', 'pip', '--python', path.join(venv, 'bin', 'python'), 'install', '--no-deps', '--no-index',
      '--disable-pip-version-check', '--quiet', path.join(workDir, DIST.wheel)], venv);
    site = run(path.join(venv, 'bin', 'python'), ['-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'], venv).trim();
  }, 120_000);

  afterAll(() => {
    if (venv) fs.rmSync(venv, { recursive: true, force: true });
  });

  test('installs as cdk-pytorch-sagemaker of this version, with its requirements, license and the README in Python', () => {
    const script = 'import importlib.metadata as m, json; d = m.distribution("cdk-pytorch-sagemaker"); '
      + 'print(json.dumps({"version": d.version, "requires": d.requires, "python": d.metadata["Requires-Python"], '
      + '"license": d.metadata["License"], "description": d.metadata.get_payload(), "files": [str(f) for f in d.files]}))';
    const dist = JSON.parse(run(path.join(venv, 'bin', 'python'), ['-c', script], venv));
    expect(dist.version).toBe(pkg.version);
    expect(dist.license).toBe('Apache-2.0');
    expect(dist.python).toBe('>=3.10');
    const cdkMin = pkg.peerDependencies['aws-cdk-lib'].replace(/^\^/, '');
    const constructsMin = pkg.peerDependencies.constructs.replace(/^\^/, '');
    expect(dist.requires).toEqual(expect.arrayContaining([`aws-cdk-lib (<3.0.0,>=${cdkMin})`, `constructs (<11.0.0,>=${constructsMin})`]));
    expect(dist.requires.some((r: string) => r.startsWith('jsii '))).toBe(true);
    // The README on PyPI: every TypeScript block translated (by jsii-pacmak, from the same tablet).
    expect(dist.description).toContain('# cdk-pytorch-sagemaker');
    expect(dist.description).not.toMatch(/^```(ts|typescript)\s*$/m);
    expect(dist.description).toContain(readmePython()[0]);
    expect(dist.files).toEqual(expect.arrayContaining(['cdk_pytorch_sagemaker/__init__.py', 'cdk_pytorch_sagemaker/py.typed',
      `cdk_pytorch_sagemaker/_jsii/cdk-pytorch-sagemaker@${pkg.version}.jsii.tgz`]));
    // The CLI: jsii runs the package's bin with Node.js.
    expect(fs.existsSync(path.join(venv, 'bin', 'cdk-pytorch-sagemaker'))).toBe(true);
  });

  test('carries the npm tarball of dist/js byte for byte (the JavaScript jsii runs), and the sdist the same sources', () => {
    const inside = fs.readFileSync(path.join(site, 'cdk_pytorch_sagemaker', '_jsii', `cdk-pytorch-sagemaker@${pkg.version}.jsii.tgz`));
    expect(inside.equals(fs.readFileSync(path.join(workDir, DIST.js)))).toBe(true);
    expect(sdistNames(pkg.version)).toContain(DIST.sdist);
    const sdistRoot = path.basename(DIST.sdist, '.tar.gz');
    const module = run('tar', ['-xzOf', path.join(workDir, DIST.sdist), `${sdistRoot}/src/cdk_pytorch_sagemaker/__init__.py`], workDir);
    expect(module).toBe(fs.readFileSync(path.join(site, 'cdk_pytorch_sagemaker', '__init__.py'), 'utf8'));
    const sdistTarball = execFileSync('tar', ['-xzOf', path.join(workDir, DIST.sdist), `${sdistRoot}/src/cdk_pytorch_sagemaker/_jsii/cdk-pytorch-sagemaker@${pkg.version}.jsii.tgz`],
      { maxBuffer: 64 * 1024 * 1024 });
    expect(sdistTarball.equals(inside)).toBe(true);
  });

  test('cannot be imported here: its jsii runtime comes from PyPI (so the module is checked by reading it)', () => {
    const imported = spawnSync(path.join(venv, 'bin', 'python'), ['-c', 'import cdk_pytorch_sagemaker'], { encoding: 'utf8' });
    expect(imported.status).not.toBe(0);
    expect(imported.stderr).toMatch(/ModuleNotFoundError: No module named '(jsii|publication|typing_extensions|aws_cdk)'/);
  });

  test('exposes every construct the README uses, and every member and keyword argument the README\'s Python passes', () => {
    const check = (snippets: string[]) => JSON.parse(execFileSync('python3', [path.join(__dirname, 'helpers', 'check_python_snippets.py'),
      path.join(site, 'cdk_pytorch_sagemaker', '__init__.py')], { input: JSON.stringify(snippets), encoding: 'utf8' }));
    const python = readmePython();
    const result = check(python);
    expect(result.problems).toEqual([]);
    // Not vacuous: the snippets use the library a hundred-odd times (imports, factories, constants, props, methods).
    expect(result.checked).toBeGreaterThan(100);
    const fromTypescript = [...new Set(typescriptBlocks(README).flatMap((block) => importedNames(block.code)))];
    expect(fromTypescript.length).toBeGreaterThanOrEqual(12);
    expect(fromTypescript.filter((name) => !result.exported.includes(name))).toEqual([]);
    // The checker finds what a wrong translation would get wrong.
    const wrong = check(['from cdk_pytorch_sagemaker import Hyperparameter, PytorchCustomEndpoint, Nope\n'
      + 'e = PytorchCustomEndpoint(None, "E", inferenceCode=None)\nHyperparameter.integerList([1])\ne.endpoint.metric_model_latency(statistik="p99")\n']);
    expect(wrong.problems).toEqual([
      'snippet 1, line 1: Nope is not exported by cdk_pytorch_sagemaker',
      'snippet 1, line 2: PytorchCustomEndpoint has no parameter inferenceCode',
      'snippet 1, line 3: Hyperparameter has no member integerList',
      'snippet 1, line 4: RealtimeEndpoint.metric_model_latency has no parameter statistik',
    ]);
  });
});

describe('the README\'s snippets through jsii-rosetta', () => {
  test('every TypeScript block compiled under --strict and has a Python translation', () => {
    const blocks = typescriptBlocks(README);
    expect(blocks.length).toBeGreaterThanOrEqual(10);
    const python = readmePython();
    expect(python).toHaveLength(blocks.length);
    // Typed hyperparameters and static factories read as Python.
    expect(python[0]).toMatch(/"epochs": Hyperparameter\.integer\(10\)/);
    expect(python[0]).toMatch(/Hyperparameter\.integer_list\(\[256, 128\]\)/);
    expect(python[0]).toMatch(/"use_amp": Hyperparameter\.boolean\(False\)/);
    expect(python.join('\n')).toMatch(/ServingMode\.realtime_scale_to_zero\(max_instance_count=2/);
  });

  test('the Python in README.md and docs/python.md is the current translation (npm run snippets writes it)', () => {
    const expected = generatedFiles(workDir);
    expect(Object.keys(expected).sort()).toEqual(['README.md', 'docs/python.md']);
    for (const [file, text] of Object.entries(expected)) expect({ file, current: fs.readFileSync(path.join(ROOT, file), 'utf8') === text }).toEqual({ file, current: true });
  });

  test('a snippet that does not compile fails the extraction, with the line and the error', () => {
    // The assembly's README (jsii copied README.md into .jsii) with one more block: an unknown prop and a Node global.
    const assemblyFile = path.join(workDir, '.jsii');
    const original = fs.readFileSync(assemblyFile, 'utf8');
    const assembly = JSON.parse(original);
    assembly.readme.markdown += '\n```ts\nimport { App, Stack } from \'aws-cdk-lib\';\nimport { PytorchCustomEndpoint } from \'cdk-pytorch-sagemaker\';\n'
      + 'new PytorchCustomEndpoint(new Stack(new App(), \'S\'), \'E\', { modle: 1 });\nconsole.log(__dirname);\n```\n';
    fs.writeFileSync(assemblyFile, JSON.stringify(assembly));
    try {
      const extract = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'jsii-rosetta'), ['extract', '--strict', '--cache-from', TABLET, '.'], {
        cwd: workDir, encoding: 'utf8', env: { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20' },
      });
      const output = `${extract.stdout}${extract.stderr}`;
      expect(extract.status).not.toBe(0);
      expect(output).toMatch(/'modle' does not exist in type 'PytorchCustomEndpointProps'/);
      expect(output).toMatch(/Cannot find name 'console'/);
      expect(output).toMatch(/Cannot find name '__dirname'/);
    } finally {
      fs.writeFileSync(assemblyFile, original);
    }
  }, 300_000);
});
