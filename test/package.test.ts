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

beforeAll(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'package-test-'));
  copySources(ROOT, workDir);
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(workDir, 'node_modules'), 'dir');
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
    const api = fs.readFileSync(path.join(workDir, 'API.md'), 'utf8');
    const classes = Object.values(assembly.types as { [fqn: string]: { kind: string; name: string } })
      .filter((t) => t.kind === 'class').map((t) => t.name);
    expect(classes.length).toBeGreaterThan(0);
    expect(classes.filter((name) => !api.includes(`### ${name}`))).toEqual([]);
    // The committed API.md (linked from the README) is what the build generates: regenerate it with `npm run build`.
    expect(fs.readFileSync(path.join(ROOT, 'API.md'), 'utf8') === api).toBe(true);
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

  test('the CLI: its launcher in bin/ and its bundle', () => {
    const launchers = Object.values(pkg.bin ?? {}) as string[];
    expect(launchers.length).toBeGreaterThan(0);
    expect([...launchers.map((f) => f.replace(/^\.\//, '')), 'assets/cli/main.js'].filter((f) => !packed.includes(f))).toEqual([]);
  });

  test('the README', () => {
    expect(packed).toContain('README.md');
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
    fs.writeFileSync(path.join(consumer, 'app.ts'), [
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
    ].join('\n'));
    const tsc = path.join(ROOT, 'node_modules', '.bin', 'tsc');
    const args = ['--noEmit', '--strict', '--target', 'ES2022', '--lib', 'ES2022', '--module', 'commonjs', '--moduleResolution', 'node10', '--types', 'node',
      '--typeRoots', path.join(ROOT, 'node_modules', '@types'), '--ignoreDeprecations', '6.0', 'app.ts'];
    const compile = () => {
      try {
        return { status: 0, output: run(tsc, args, consumer) };
      } catch (e) {
        const err = e as { status?: number; stdout?: string };
        return { status: err.status, output: err.stdout ?? '' };
      }
    };
    expect(compile()).toEqual({ status: 0, output: '' });
    // The check can fail: a type that does not implement IEndpoint is refused by the same compilation.
    fs.appendFileSync(path.join(consumer, 'app.ts'), 'new apigw.SagemakerIntegration(ModelData.fromS3Uri(\'s3://bucket/m.tar.gz\'));\n');
    const refused = compile();
    expect(refused.status).not.toBe(0);
    expect(refused.output).toMatch(/app\.ts\(10,\d+\): error TS2345: Argument of type 'ModelData' is not assignable to parameter of type 'IEndpoint'/);
  } finally {
    fs.rmSync(consumer, { recursive: true, force: true });
  }
});
