/**
 * Builds the package as a publisher does, in a copy of the repository (so no compiled output lands in the working
 * tree): the sources without build outputs, node_modules linked (the bundled dependencies copied), `npm run build`.
 * Shared by the package test (what `npm pack` ships) and the init test (an app installed from the packed tarball).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export const ROOT = path.join(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

/** Runs a command quietly (npm without its notices), returning stdout. */
export function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' },
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** Copies the repository's sources: no node_modules, no git, no build outputs, no earlier synth or bench output. */
export function copySources(from: string, to: string): void {
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

/** The bundled dependencies and every package they need from the top level of node_modules. */
function bundledClosure(): Set<string> {
  const closure = new Set<string>();
  const queue: string[] = [...(pkg.bundledDependencies ?? [])];
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
export function linkNodeModules(dir: string): void {
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

/** Copies the repository into `dir`, links its node_modules and builds it there; throws with npm's output on failure. */
export function buildCopy(dir: string): void {
  copySources(ROOT, dir);
  linkNodeModules(dir);
  try {
    run('npm', ['run', 'build', '--silent'], dir);
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    throw new Error(`npm run build failed in a copy of the repository:\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
  }
}

/** Packs the built copy in `dir` into `destination`; returns the tarball's path. */
export function packTarball(dir: string, destination: string): string {
  // --ignore-scripts: the build already ran; `prepare` would only bundle again.
  const [{ filename }] = JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', destination], dir));
  return path.join(destination, filename);
}
