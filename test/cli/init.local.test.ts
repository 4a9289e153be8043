/**
 * `cdk-pytorch-sagemaker init DIR`: what it writes for each template, how it refuses (never replacing a file), and
 * that the serving code it writes answers invoke-local at once. The whole path from the packed package (npm install,
 * cdk synth, invoke-local) is test/init-e2e.package.test.ts.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { packageNameFor, stackNameFor, templateNames } from '../../lib/cli/init';
import { PLAIN_PYTHON, testWith, TORCH_PYTHON } from './python';

const root = path.join(__dirname, '..', '..');
const bundle = path.join(root, 'assets', 'cli', 'main.js');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'init-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const withPython = testWith(PLAIN_PYTHON, 'Python 3.8+');
const withTorch = testWith(TORCH_PYTHON, 'Python with torch');

function cli(args: string[], cwd = work) {
  const r = spawnSync(process.execPath, [bundle, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Every file under `dir`, relative, sorted. */
function listTree(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => !e.isDirectory())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

const COMMON_FILES = ['.gitignore', 'README.md', 'bin/app.ts', 'cdk.json', 'package.json', 'serving/inference.py', 'serving/requirements.txt', 'tsconfig.json'];
const FILES: { [template: string]: string[] } = {
  'train-and-serve': [...COMMON_FILES, 'model/README.md', 'training/requirements.txt', 'training/train.py'].sort(),
  'existing-artifact': [...COMMON_FILES, 'model.tar.gz', 'model/README.md'].sort(),
  'scale-to-zero': [...COMMON_FILES, 'model.tar.gz', 'model/README.md'].sort(),
};

describe('what init writes', () => {
  test('the package ships exactly the three templates the help lists', () => {
    expect(templateNames()).toEqual(Object.keys(FILES).sort());
    const help = cli(['init', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: cdk-pytorch-sagemaker init DIR \[options\]$/m);
    for (const name of templateNames()) expect(help.stdout).toMatch(new RegExp(`^ {2}${name} +\\S`, 'm'));
    expect(cli(['--help']).stdout).toMatch(/^ {2}init +Write a new CDK app/m);
  });

  test.each(Object.keys(FILES))('--template %s: its files, a package.json with the versions this package is tested with, no placeholder left', (template) => {
    const dir = path.join(work, `app-${template}`);
    const r = cli(['init', dir, '--template', template]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Wrote a new app in app-${template} \\(template ${template}\\): .*\\.\n\nNext:\n {2}cd app-${template}\n {2}npm install\n {2}npx cdk synth `));
    expect(listTree(dir)).toEqual(FILES[template]);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    expect(manifest.name).toBe(`app-${template}`);
    expect(manifest.dependencies).toEqual({
      'aws-cdk-lib': pkg.peerDependencies['aws-cdk-lib'], 'constructs': pkg.peerDependencies.constructs, 'cdk-pytorch-sagemaker': `^${pkg.version}`,
    });
    // The CDK CLI that reads this aws-cdk-lib's cloud assembly (DESIGN.md section 8: not the `latest` 3.x).
    expect(manifest.devDependencies['aws-cdk']).toBe(pkg.devDependencies['aws-cdk']);
    expect(manifest.devDependencies['aws-cdk']).toMatch(/^\^2\.1\d{3}\./);
    expect(manifest.scripts['invoke-local']).toBe(`cdk-pytorch-sagemaker invoke-local ${template === 'train-and-serve' ? '--model model' : '--model model.tar.gz'} --code serving --body '{"inputs": [[0.5, 1.0, -0.3, 2.0]]}'`);
    for (const file of listTree(dir).filter((f) => f !== 'model.tar.gz')) expect(fs.readFileSync(path.join(dir, file), 'utf8')).not.toMatch(/\{\{\w+\}\}/);
    expect(fs.readFileSync(path.join(dir, 'bin', 'app.ts'), 'utf8')).toContain(`new Stack(app, 'App${template.split('-').map((w) => w[0].toUpperCase() + w.slice(1)).join('')}'`);
    const cdkJson = JSON.parse(fs.readFileSync(path.join(dir, 'cdk.json'), 'utf8'));
    expect(cdkJson.app).toBe('npx tsx bin/app.ts');
  });

  test('the archive of the artifact templates is model/ packed, readable by GNU tar', () => {
    const dir = path.join(work, 'app-existing-artifact');
    const listing = spawnSync('tar', ['tzf', path.join(dir, 'model.tar.gz')], { encoding: 'utf8' });
    expect(listing.status).toBe(0);
    expect(listing.stdout.split('\n').filter(Boolean).sort()).toEqual(['./', './README.md']);
  });

  test('--library: a packed tarball or a checkout becomes a file: dependency relative to DIR; anything else is written as given', () => {
    const tarball = path.join(work, 'cdk-pytorch-sagemaker-9.9.9.tgz');
    fs.writeFileSync(tarball, 'not read');
    const dependency = (args: string[]) => {
      const dir = path.join(work, `lib-${Math.random().toString(36).slice(2)}`);
      expect(cli(['init', dir, ...args]).code).toBe(0);
      return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).dependencies['cdk-pytorch-sagemaker'];
    };
    expect(dependency(['--library', tarball])).toBe('file:../cdk-pytorch-sagemaker-9.9.9.tgz');
    expect(dependency(['--library', '^0.2.0'])).toBe('^0.2.0');
  });

  test('names: the package and the stack come from DIR\'s name', () => {
    expect([packageNameFor('/x/My Model!'), stackNameFor('/x/My Model!')]).toEqual(['my-model-', 'MyModel']);
    expect([packageNameFor('/x/2024-run'), stackNameFor('/x/2024-run')]).toEqual(['2024-run', 'App2024Run']);
  });
});

describe('refusals: nothing is ever replaced', () => {
  test('a non-empty DIR is refused (exit 1), naming what is there and --force', () => {
    const dir = path.join(work, 'busy');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    const r = cli(['init', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: ${dir} is not empty (notes.txt): give a new or empty directory, or --force to add the app's files beside what is there (no existing file is replaced).\n`);
    expect(listTree(dir)).toEqual(['notes.txt']);
  });

  test('--force writes beside existing files, but refuses (writing nothing) when a file it would write exists', () => {
    const dir = path.join(work, 'forced');
    fs.mkdirSync(path.join(dir, 'serving'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'serving', 'inference.py'), '# my own handlers\n');
    const refused = cli(['init', dir, '--force']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(`error: ${dir} already has serving/inference.py, which init would write: move them away first (init never replaces a file).\n`);
    expect(listTree(dir)).toEqual(['serving/inference.py']);
    expect(fs.readFileSync(path.join(dir, 'serving', 'inference.py'), 'utf8')).toBe('# my own handlers\n');
    const other = path.join(work, 'forced-2');
    fs.mkdirSync(other);
    fs.writeFileSync(path.join(other, 'notes.txt'), 'mine');
    expect(cli(['init', other, '--force']).code).toBe(0);
    expect(listTree(other)).toEqual([...FILES['train-and-serve'], 'notes.txt'].sort());
    expect(fs.readFileSync(path.join(other, 'notes.txt'), 'utf8')).toBe('mine');
  });

  test('DIR that is a file', () => {
    const file = path.join(work, 'a-file');
    fs.writeFileSync(file, 'x');
    const r = cli(['init', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: DIR ${file} is not a directory: give a new or empty directory for the app.\n`);
  });

  test.each([
    [[], /^error: DIR is required \(usage: cdk-pytorch-sagemaker init DIR \[options\]; see cdk-pytorch-sagemaker init --help\)\n$/],
    [['a', 'b'], /^error: unexpected argument "b" \(usage: cdk-pytorch-sagemaker init DIR \[options\]/],
    [['a', '--template', 'llm'], /^error: --template must be one of existing-artifact, scale-to-zero, train-and-serve, not "llm"\n$/],
    [['a', '--force=yes'], /^error: --force is a flag and takes no value/],
  ])('bad usage %j: exit 2', (args, message) => {
    const r = cli(['init', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(fs.existsSync(path.join(work, 'a'))).toBe(false);
  });

  test('--json: the report, or the error, as one object', () => {
    const dir = path.join(work, 'as-json');
    const ok = cli(['init', dir, '--template', 'scale-to-zero', '--json']);
    expect(JSON.parse(ok.stdout)).toEqual({ directory: dir, template: 'scale-to-zero', files: FILES['scale-to-zero'] });
    const again = cli(['init', dir, '--json']);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout)).toMatchObject({ code: 'NOT_EMPTY' });
  });
});

describe('the code it writes', () => {
  withPython('every Python file of every template compiles', (python) => {
    const files = listTree(path.join(root, 'templates')).filter((f) => f.endsWith('.py')).map((f) => path.join(root, 'templates', f));
    expect(files.length).toBeGreaterThanOrEqual(2);
    const r = spawnSync(python, ['-m', 'py_compile', ...files], { encoding: 'utf8', env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONPYCACHEPREFIX: path.join(work, 'pycache') } });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  withTorch('serving/inference.py answers invoke-local before anything is trained, and says the network is untrained', (python) => {
    const dir = path.join(work, 'app-train-and-serve');
    const r = spawnSync(process.execPath, [bundle, 'invoke-local', '--model', 'model', '--code', 'serving', '--body', '{"inputs": [[0.5, 1.0, -0.3, 2.0], [0, 0, 0, 0]]}', '--python', python],
      { cwd: dir, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).outputs).toHaveLength(2);
    expect(r.stderr).toContain('no model.pt in the model directory: serving an UNTRAINED network (its answers mean nothing)\n');
  }, 60_000);

  withTorch('training/train.py reads typed hyperparameters from SM_HPS, writes model.pt to SM_MODEL_DIR, which inference.py then serves', (python) => {
    const dir = path.join(work, 'app-train-and-serve');
    const modelDir = path.join(work, 'trained');
    const train = spawnSync(python, [path.join(dir, 'training', 'train.py')], {
      encoding: 'utf8',
      env: { ...process.env, SM_MODEL_DIR: modelDir, SM_HPS: JSON.stringify({ epochs: 2, learning_rate: 0.05, hidden_units: 8, batch_size: 256, shuffle: false }) },
    });
    expect(train.status).toBe(0);
    expect(train.stdout).toContain("hyperparameters: {'epochs': (2, 'int'), 'learning_rate': (0.05, 'float'), 'hidden_units': (8, 'int'), 'batch_size': (256, 'int'), 'shuffle': (False, 'bool')}");
    expect(train.stdout).toMatch(/^epoch=1 loss=\d+\.\d+$/m);
    expect(fs.existsSync(path.join(modelDir, 'model.pt'))).toBe(true);
    const r = spawnSync(process.execPath, [bundle, 'invoke-local', '--model', modelDir, '--code', path.join(dir, 'serving'), '--body', '{"inputs": [[1, 1, 1, 1]]}', '--python', python], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).not.toContain('UNTRAINED');
    expect(JSON.parse(r.stdout).outputs).toEqual([expect.any(Number)]);
  }, 120_000);
});
