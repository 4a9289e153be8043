// scripts/bundle.mjs runs at every jest start and every `npm ci`; it rebuilds only when a file a bundle was built
// from changed. This runs the real script on a small copy of the layout it expects (lib/<area>/handlers/*.ts).
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');

function project(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-cache-'));
  fs.mkdirSync(path.join(dir, 'scripts'));
  fs.copyFileSync(path.join(ROOT, 'scripts', 'bundle.mjs'), path.join(dir, 'scripts', 'bundle.mjs'));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  fs.mkdirSync(path.join(dir, 'lib', 'area', 'handlers'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'lib', 'area', 'shared.ts'), 'export const answer = "first";\n');
  fs.writeFileSync(path.join(dir, 'lib', 'area', 'handlers', 'hello.ts'),
    'import { answer } from "../shared";\nexport const handler = async () => answer;\n');
  return dir;
}

function bundle(dir: string, ...args: string[]): string {
  execFileSync(process.execPath, [path.join(dir, 'scripts', 'bundle.mjs'), ...args], { cwd: dir });
  return fs.readFileSync(path.join(dir, 'assets', 'handlers', 'hello', 'index.js'), 'utf8');
}

test('bundles are rebuilt when, and only when, a file they were built from (or the output) changed', () => {
  const dir = project();
  try {
    const output = path.join(dir, 'assets', 'handlers', 'hello', 'index.js');
    expect(bundle(dir)).toContain('first');
    const built = fs.statSync(output).mtimeMs;

    bundle(dir);
    expect(fs.statSync(output).mtimeMs).toBe(built);                       // nothing changed: not rebuilt

    fs.writeFileSync(path.join(dir, 'lib', 'area', 'shared.ts'), 'export const answer = "second";\n');
    expect(bundle(dir)).toContain('second');                               // an imported file changed

    fs.appendFileSync(output, '\n// edited by hand\n');
    expect(bundle(dir)).not.toContain('edited by hand');                   // the output itself changed

    const rebuilt = fs.statSync(output).mtimeMs;
    bundle(dir, '--force');
    expect(fs.statSync(output).mtimeMs).toBeGreaterThan(rebuilt);          // --force always rebuilds
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
