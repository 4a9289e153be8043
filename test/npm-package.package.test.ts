/**
 * What `npm pack` puts in the package a user installs.
 *
 * The compiled library exists only after `npm run build`, so this test builds a copy of the repository the way a
 * publisher does (bundles, jsii, jsii-docgen) in a temporary directory, with the build outputs of the working tree
 * left out (a stale `build/` must not make the test pass) and with the clutter of a developer's tree planted
 * in it (cdk.out, .bench, coverage, ...), then reads `npm pack --dry-run --json`. It also packs the real tarball,
 * unpacks it alone and loads the library from it, so a file the library needs at run time cannot be missing.
 *
 * One build (about 15 s here) serves every assertion; it runs once, in `beforeAll`.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

/** Folders jsii does not compile: they ship as esbuild bundles in assets/ (package.json `jsii.excludeTypescript`). */
const BUNDLED_SOURCES = [/^(lib|build)\/[^/]+\/handlers\//, /^(lib|build)\/[^/]+\/runtime\//, /^(lib|build)\/packaging\/engine\//, /^(lib|build)\/cli\//];

/** Leftovers of a developer's tree that must never ship. */
const CLUTTER = [
  'cdk.out/manifest.json',
  'examples/cdk.out/manifest.json',
  '.bench/results.json',
  'coverage/lcov.info',
  'dist/js/cdk-pytorch-sagemaker@0.1.0.jsii.tgz',
  'cdk-pytorch-sagemaker-0.1.0.tgz',
];

let workDir: string;
let packed: string[];

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' },
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** Copies the repository's sources: no node_modules, no git, no build outputs, no earlier synth or bench output. */
function copySources(from: string, to: string): void {
  const skip = new Set(['node_modules', '.git', 'cdk.out', 'dist', 'coverage', '.bench', 'API.md', '.jsii', 'tsconfig.jsii.json']);
  fs.cpSync(from, to, {
    recursive: true,
    filter: (source) => {
      const rel = path.relative(from, source).split(path.sep).join('/');
      if (rel === '') return true;
      if (skip.has(path.basename(source)) || rel.endsWith('.tgz')) return false;
      if (rel === 'assets/handlers' || rel === 'assets/cli') return false;
      // Compiled output: the build in the copy must make its own.
      if (rel === 'build') return false;
      return true;
    },
  });
}

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

/** The bundled dependencies and every package they need from the top level of node_modules. */
function bundledClosure(): Set<string> {
  const closure = new Set<string>();
  const queue: string[] = [...(pkg.bundleDependencies ?? [])];
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (closure.has(name)) continue;
    closure.add(name);
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8'));
    for (const dep of Object.keys(manifest.dependencies ?? {})) {
      // A dependency nested under the package is copied with it; a hoisted one is a package of its own.
      if (!fs.existsSync(path.join(ROOT, 'node_modules', name, 'node_modules', dep))) queue.push(dep);
    }
  }
  return closure;
}

/**
 * The copy's node_modules: links to the repository's packages, except the bundled dependencies (and what they need),
 * which are real copies. npm pack follows a linked node_modules to its real path and would write the bundled files
 * under '../..' names that no tar extracts.
 */
function linkNodeModules(dir: string): void {
  const from = path.join(ROOT, 'node_modules');
  const to = path.join(dir, 'node_modules');
  const bundled = bundledClosure();
  const place = (name: string) => {
    const source = path.join(from, name);
    const target = path.join(to, name);
    if (bundled.has(name)) fs.cpSync(source, target, { recursive: true, dereference: true });
    else fs.symlinkSync(source, target, fs.statSync(source).isDirectory() ? 'dir' : 'file');
  };
  fs.mkdirSync(to);
  for (const entry of fs.readdirSync(from)) {
    if (!entry.startsWith('@')) {
      place(entry);
      continue;
    }
    fs.mkdirSync(path.join(to, entry));
    for (const scoped of fs.readdirSync(path.join(from, entry))) place(`${entry}/${scoped}`);
  }
}

beforeAll(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'package-test-'));
  copySources(ROOT, workDir);
  linkNodeModules(workDir);
  for (const file of CLUTTER) {
    fs.mkdirSync(path.dirname(path.join(workDir, file)), { recursive: true });
    fs.writeFileSync(path.join(workDir, file), 'not for the package\n');
  }
  try {
    run('npm', ['run', 'build', '--silent'], workDir);
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    throw new Error(`npm run build failed in a copy of the repository:\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
  }
  // --ignore-scripts: the build above already ran; `prepare` would only bundle again.
  const report = JSON.parse(run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], workDir));
  packed = report[0].files.map((f: { path: string }) => f.path).sort();
}, 240_000);

afterAll(() => {
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

describe('npm pack contains', () => {
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
    const assembly = JSON.parse(fs.readFileSync(path.join(workDir, '.jsii'), 'utf8'));
    expect(assembly.name).toBe(pkg.name);
    const declared = Object.keys(assembly.types).map((fqn) => fqn.replace(/^cdk-pytorch-sagemaker\./, ''));
    expect(declared).toEqual(expect.arrayContaining([
      'InstanceType', 'PytorchVersion', 'ImageVariant', 'ContainerImage', 'ModelData', 'ModelDataConfig',
      'RealtimeEndpoint', 'RealtimeEndpointOptions', 'RealtimeEndpointProps', 'PytorchCustomEndpoint', 'PytorchCustomEndpointProps',
      'ServingMode', 'ScaleToZeroOptions', 'AsyncInferenceOptions', 'DeploymentGuardrails', 'CapacitySize',
      'TrainingJob', 'TrainingJobProps', 'Hyperparameter', 'MetricDefinition', 'ModelOutputCompression', 'InferenceCodeInjection',
    ]));
    expect(assembly.types['cdk-pytorch-sagemaker.RealtimeEndpoint'].methods.map((m: any) => m.name))
      .toEqual(expect.arrayContaining(['grantInvoke', 'grantInvokeAsync']));
    expect(assembly.types['cdk-pytorch-sagemaker.RealtimeEndpoint'].interfaces).toEqual(expect.arrayContaining(['aws-cdk-lib.aws_sagemaker.IEndpoint']));
    const api = fs.readFileSync(path.join(workDir, 'API.md'), 'utf8');
    const classes = Object.values(assembly.types as { [fqn: string]: { kind: string; name: string } })
      .filter((t) => t.kind === 'class').map((t) => t.name);
    expect(classes.length).toBeGreaterThan(0);
    expect(classes.filter((name) => !api.includes(`### ${name}`))).toEqual([]);
    // The committed API.md (linked from the README) is what the build generates: regenerate it with `npm run build`.
    expect(fs.readFileSync(path.join(ROOT, 'API.md'), 'utf8') === api).toBe(true);
  });

  test('API.md opens with a table of contents, then PytorchCustomEndpoint and its props, then the building blocks', () => {
    const headings = fs.readFileSync(path.join(workDir, 'API.md'), 'utf8').split('\n').filter((line) => /^#{2,3} /.test(line))
      .map((line) => line.split(' <a ')[0]);
    expect(headings.slice(0, 4)).toEqual(['## Contents', '## Start here', '### PytorchCustomEndpoint', '### PytorchCustomEndpointProps']);
    expect(headings.slice(4)).toEqual(expect.arrayContaining(['## Constructs', '### RealtimeEndpoint', '### TrainingJob', '## Structs', '## Classes']));
    // Every type is listed once, in the contents and in the body.
    const types = headings.filter((h) => h.startsWith('### '));
    expect(new Set(types).size).toBe(types.length);
  });

  test('the Apache-2.0 license text', () => {
    expect(pkg.license).toBe('Apache-2.0');
    const license = fs.readFileSync(path.join(ROOT, 'LICENSE'), 'utf8');
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

  test('the README', () => {
    expect(packed).toContain('README.md');
  });

  test('exactly what the README says it ships', () => {
    const topLevel = [...new Set(packed.map((file) => file.split('/')[0]).filter((entry) => entry !== 'node_modules'))].sort();
    expect(topLevel).toEqual(['.jsii', 'API.md', 'LICENSE', 'README.md', 'assets', 'bin', 'build', 'docs', 'package.json']);
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8').replace(/\s+/g, ' ');
    const claim = readme.match(/`npm pack` ships exactly ([^;]*);/)?.[1] ?? '';
    for (const named of ['`build/`', '`assets/`', '`bin/`', '`docs/`', 'README', 'LICENSE', 'API.md', 'jsii assembly']) expect(claim).toContain(named);
  });

  test('every relative link of the README and the docs points to a file that ships (links work in node_modules)', () => {
    const repository = (pkg.repository.url as string).replace(/^git\+/, '').replace(/\.git$/, '');
    const broken: string[] = [];
    for (const doc of packed.filter((file) => file === 'README.md' || /^docs\/.*\.md$/.test(file))) {
      // Code is not links: fenced blocks and inline spans (a name pattern like `[a-z](-*[a-z])` is not a link).
      const text = fs.readFileSync(path.join(ROOT, doc), 'utf8').replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
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

describe('npm pack leaves out', () => {
  test('tests, examples, synth and bench output, coverage, tarballs and jsii build leftovers', () => {
    const unwanted = packed.filter((file) => /^(test|examples|cdk\.out|\.bench|coverage|dist|scripts)\//.test(file)
      || /\.tgz$/.test(file) || /(^|\/)tsconfig[^/]*\.json$/.test(file) || /\.test\.[jt]s$/.test(file)
      || /^(jest\.config\.js|cdk\.json|\.gitignore)$/.test(file));
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
});

test('the packed tarball alone loads, and exports every class and enum of the jsii assembly', () => {
  const packDir = fs.mkdtempSync(path.join(os.tmpdir(), 'package-tarball-'));
  try {
    const [{ filename }] = JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', packDir], workDir));
    run('tar', ['-xzf', path.join(packDir, filename), '-C', packDir], packDir);
    const assembly = JSON.parse(fs.readFileSync(path.join(packDir, 'package', '.jsii'), 'utf8'));
    const runtimeTypes = Object.values(assembly.types as { [fqn: string]: { kind: string; name: string } })
      .filter((t) => t.kind === 'class' || t.kind === 'enum').map((t) => t.name).sort();
    // Peer dependencies (aws-cdk-lib, constructs) come from the repository, as from a consumer's node_modules.
    const script = 'const lib = require(process.argv[1]); console.log(JSON.stringify(Object.keys(lib).sort()));';
    const exported: string[] = JSON.parse(execFileSync(process.execPath, ['-e', script, path.join(packDir, 'package')], {
      encoding: 'utf8',
      env: { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules') },
    }));
    expect(runtimeTypes.filter((name) => !exported.includes(name))).toEqual([]);
    // The installed CLI finds its Python runner: invoke-local runs a request from the unpacked package alone.
    const model = path.join(packDir, 'model');
    fs.mkdirSync(path.join(model, 'code'), { recursive: true });
    fs.writeFileSync(path.join(model, 'code', 'inference.py'), 'def model_fn(d):\n    return 0\n\ndef transform_fn(m, body, c, a):\n    return body.upper()\n');
    const launcher = path.join(packDir, 'package', pkg.bin['cdk-pytorch-sagemaker']);
    expect(execFileSync(process.execPath, [launcher, 'invoke-local', '--model', model, '--body', '"installed"'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })).toBe('"INSTALLED"');
  } finally {
    fs.rmSync(packDir, { recursive: true, force: true });
  }
});

/**
 * A consumer's TypeScript, compiled strictly against the built package (the files `npm pack` ships: its .d.ts, not
 * lib/): our endpoint is an aws-cdk-lib `sagemaker.IEndpoint` that API Gateway's `SagemakerIntegration` takes. The
 * package sits in a consumer's node_modules under its own name, beside symlinks to the repository's aws-cdk-lib and constructs (the
 * peer dependencies), so the declarations resolve the way they do for a user.
 */
test('the packed declarations type-check a consumer: PytorchCustomEndpoint is a sagemaker.IEndpoint for SagemakerIntegration', () => {
  const consumer = fs.mkdtempSync(path.join(os.tmpdir(), 'package-consumer-'));
  try {
    // Exactly the files `npm pack` ships (its bundled dependency, tar, comes from the repository like the peers).
    const modules = path.join(consumer, 'node_modules');
    const installed = path.join(modules, pkg.name);
    const shipped = packed.filter((file) => !file.startsWith('node_modules/') && !file.includes('..'));
    expect(shipped).toEqual(expect.arrayContaining([pkg.types, 'package.json']));
    for (const file of shipped) {
      fs.mkdirSync(path.dirname(path.join(installed, file)), { recursive: true });
      fs.copyFileSync(path.join(workDir, file), path.join(installed, file));
    }
    for (const dep of ['aws-cdk-lib', 'constructs', 'tar']) fs.symlinkSync(path.join(ROOT, 'node_modules', dep), path.join(modules, dep), 'dir');
    const app = [
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
    fs.writeFileSync(path.join(consumer, 'app.ts'), app);
    // The check can fail: the same consumer plus a type that does not implement IEndpoint is refused. Both files are
    // compiled by one tsc program (each is a module of its own), because most of a compilation is checking
    // aws-cdk-lib's declarations, which two programs would do twice (about 15 s each here).
    fs.writeFileSync(path.join(consumer, 'refused.ts'), `${app}new apigw.SagemakerIntegration(ModelData.fromS3Uri('s3://bucket/m.tar.gz'));\n`);
    const tsc = path.join(ROOT, 'node_modules', '.bin', 'tsc');
    const args = ['--noEmit', '--strict', '--target', 'ES2022', '--lib', 'ES2022', '--module', 'commonjs', '--moduleResolution', 'node10', '--types', 'node',
      '--typeRoots', path.join(ROOT, 'node_modules', '@types'), '--ignoreDeprecations', '6.0', 'app.ts', 'refused.ts'];
    let compiled: { status?: number | null; output: string };
    try {
      compiled = { status: 0, output: run(tsc, args, consumer) };
    } catch (e) {
      const err = e as { status?: number; stdout?: string };
      compiled = { status: err.status, output: err.stdout ?? '' };
    }
    expect(compiled.status).not.toBe(0);
    // Exactly one diagnostic, the refusal: nothing in app.ts, in the package's declarations or in aws-cdk-lib's.
    const diagnostics = compiled.output.split('\n').filter((line) => /: error TS\d+:/.test(line));
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatch(/^refused\.ts\(10,\d+\): error TS2345: Argument of type 'ModelData' is not assignable to parameter of type 'IEndpoint'/);
    expect(compiled.output).not.toMatch(/^app\.ts/m);
  } finally {
    fs.rmSync(consumer, { recursive: true, force: true });
  }
});
