// Bundles every Lambda handler and the CLI with esbuild, so that consumers of the
// package need neither esbuild nor Docker at synth time.
//   lib/<area>/handlers/<name>.ts  ->  assets/handlers/<name>/index.js
//   lib/cli/main.ts                ->  assets/cli/main.js
//   lib/cli/invoke_local.py        ->  assets/cli/invoke_local.py  (the invoke-local runner, found beside the bundle)
import { createHash } from 'node:crypto';
import { build, version as esbuildVersion } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const libDir = join(root, 'lib');
const assetsDir = join(root, 'assets');
// Lambda bundles must stay small (the project budget: each under 1 MB): fail the build, not the deploy.
const MAX_BUNDLE_BYTES = 1024 * 1024;

function handlerEntries() {
  const entries = [];
  for (const area of readdirSync(libDir)) {
    const dir = join(libDir, area, 'handlers');
    if (!existsSync(dir) || !statSync(dir).isDirectory()) continue;
    for (const file of readdirSync(dir)) {
      if (!file.endsWith('.ts') || file.endsWith('.d.ts')) continue;
      entries.push({ name: file.slice(0, -3), entry: join(dir, file) });
    }
  }
  return entries.sort((a, b) => a.name.localeCompare(b.name));
}

// Every jest start and every `npm ci` runs this script; most of the time nothing it reads has changed. The record of
// the last build lists every file esbuild read (from its metafiles) with a hash of its content; when they all still
// hash the same and every output is still the one written, the bundles are current and nothing is rebuilt. `--force` rebuilds anyway.
const RECORD = join(assetsDir, '.bundle-inputs.json');
const sha = (bytes) => createHash('sha256').update(bytes).digest('hex');
const scriptKey = sha(`${esbuildVersion}\n${readFileSync(fileURLToPath(import.meta.url))}`);

function bundlesAreCurrent(entries) {
  if (process.argv.includes('--force') || !existsSync(RECORD)) return false;
  let record;
  try { record = JSON.parse(readFileSync(RECORD, 'utf8')); } catch { return false; }
  if (record.scriptKey !== scriptKey || record.entries !== JSON.stringify(entries)) return false;
  return [...Object.entries(record.outputs), ...Object.entries(record.inputs)].every(([file, hash]) => existsSync(join(root, file)) && sha(readFileSync(join(root, file))) === hash);
}

/** Files read by the builds (relative to the repository), collected from esbuild's metafiles. */
const inputs = new Set();
const outputs = [];

const common = {
  bundle: true,
  platform: 'node',
  // The Lambda handlers run on nodejs24.x (lib/common/handler-code.ts); the CLI overrides this below.
  target: 'node24',
  format: 'cjs',
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
};

// Write beside the target and rename over it: a test run that reads the bundle while another rebuilds it
// (two jest runs at once) sees the old file or the new one, never none.
async function buildAtomically(entry, outfile, overrides = {}) {
  const tmp = `${outfile}.${process.pid}.tmp`;
  try {
    const result = await build({ ...common, ...overrides, entryPoints: [entry], outfile: tmp, metafile: true });
    for (const input of Object.keys(result.metafile.inputs)) inputs.add(input);
    renameSync(tmp, outfile);
    outputs.push(relative(root, outfile));
  } finally {
    rmSync(tmp, { force: true });
  }
}

const entries = handlerEntries().map(({ name, entry }) => ({ name, entry: relative(root, entry) }));
if (bundlesAreCurrent(entries)) {
  process.exit(0);
}

const seen = new Set();
for (const { name, entry } of handlerEntries()) {
  if (seen.has(name)) throw new Error(`two handlers are named ${name}: handler file names must be unique across lib/`);
  seen.add(name);
  const outdir = join(assetsDir, 'handlers', name);
  mkdirSync(outdir, { recursive: true });
  const outfile = join(outdir, 'index.js');
  await buildAtomically(entry, outfile);
  const size = statSync(outfile).size;
  if (size > MAX_BUNDLE_BYTES) {
    throw new Error(`handler ${name} bundles to ${size} bytes, over the ${MAX_BUNDLE_BYTES}-byte budget`);
  }
}

const cliEntry = join(libDir, 'cli', 'main.ts');
if (existsSync(cliEntry)) {
  mkdirSync(join(assetsDir, 'cli'), { recursive: true });
  // The CLI runs on the user's Node (>= 20.15), not on Lambda.
  await buildAtomically(cliEntry, join(assetsDir, 'cli', 'main.js'), { target: 'node20' });
  // The Python runner of invoke-local ships as it is, beside the bundle that starts it (same atomic swap).
  const runner = join(assetsDir, 'cli', 'invoke_local.py');
  copyFileSync(join(libDir, 'cli', 'invoke_local.py'), `${runner}.${process.pid}.tmp`);
  renameSync(`${runner}.${process.pid}.tmp`, runner);
  inputs.add(relative(root, join(libDir, 'cli', 'invoke_local.py')));
  outputs.push(relative(root, runner));
}
writeFileSync(join(assetsDir, '.bundled'), `${[...seen].join('\n')}\n`);
const hashOf = (files) => Object.fromEntries([...files].sort().map((file) => [file, sha(readFileSync(join(root, file)))]));
writeFileSync(RECORD, `${JSON.stringify({ scriptKey, entries: JSON.stringify(entries), outputs: hashOf(outputs), inputs: hashOf(inputs) })}\n`);
