// Benchmark of code injection on a ~1 GB SageMaker-style artifact (npm run bench:inject).
//
// Builds the artifact once (cached in .bench/, gitignored) the way SageMaker writes model.tar.gz: Python tarfile
// `w:gz` (level 9), sorted names, of weight-like data (float32 N(0, 0.02) with the 2 lowest mantissa bits cleared,
// gzip ratio ~0.906; see research/repack-performance.md). Then, in the same run, times:
//   - the SDK-style rewrite (Python tarfile: extract, add code/, re-tar + gzip level 9), the baseline;
//   - each strategy through the CLI (node assets/cli/main.js inject-code ... --json), local copy included.
// Prints wall seconds, MB/s (compressed input per second), CPU seconds (user + system, every thread: steadier than the
// wall on a shared machine), peak RSS, the byte counters and the speed-up over the baseline (wall and CPU),
// and checks the performance budget (CONTRIBUTING.md, "Measurements"). Options: --runs N (median of N CLI runs, default 3),
// --sdk-runs N (default 1), --verify (gzip -t and tar -tzf every output), --size-mb M (default 1024).
// Then the injection into uncompressed model data against moto's S3 server (test/packaging/bench/prefix-copy.bench.ts:
// objects/s as a ratio to a sequential CopyObject loop in the same process, bytes planned vs the listing; needs
// pip install "moto[server]"). --only compressed / --only uncompressed runs one part.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync, openSync, writeSync, closeSync, renameSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const benchDir = join(root, '.bench');
const cli = join(root, 'assets', 'cli', 'main.js');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const runs = opt('runs', 3);
const sdkRuns = opt('sdk-runs', 1);
const sizeMb = opt('size-mb', 1024);
const verifyOutputs = args.includes('--verify');
const MiB = 1024 * 1024;

mkdirSync(benchDir, { recursive: true });
if (!existsSync(cli)) execFileSync(process.execPath, [join(root, 'scripts', 'bundle.mjs')], { stdio: 'inherit' });

// ---- the artifact -------------------------------------------------------------------------------------------
const GEN_VERSION = 1;
const modelDir = join(benchDir, `model-${sizeMb}mb-v${GEN_VERSION}`);
const artifact = join(benchDir, `py-${sizeMb}mb-v${GEN_VERSION}.tar.gz`);

function xorshift(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

function writeWeights(path, bytes, seed) {
  const rand = xorshift(seed);
  const fd = openSync(path, 'w');
  const chunk = new Float32Array(4 * MiB / 4);
  const bits = new Uint32Array(chunk.buffer);
  for (let done = 0; done < bytes; done += chunk.byteLength) {
    for (let i = 0; i < chunk.length; i += 2) {
      // Box-Muller: two N(0, 0.02) values.
      const u = rand() || 1e-12;
      const v = rand();
      const r = Math.sqrt(-2 * Math.log(u)) * 0.02;
      chunk[i] = r * Math.cos(2 * Math.PI * v);
      chunk[i + 1] = r * Math.sin(2 * Math.PI * v);
    }
    for (let i = 0; i < bits.length; i++) bits[i] &= ~3;
    writeSync(fd, new Uint8Array(chunk.buffer, 0, Math.min(chunk.byteLength, bytes - done)));
  }
  closeSync(fd);
}

function buildArtifact() {
  if (existsSync(artifact)) return;
  console.log(`building the ${sizeMb} MB artifact in ${benchDir} (once; python tarfile w:gz level 9 takes a minute or two)...`);
  rmSync(modelDir, { recursive: true, force: true });
  mkdirSync(join(modelDir, 'extra'), { recursive: true });
  const shard = Math.floor((sizeMb * MiB) / 3);
  for (let i = 1; i <= 3; i++) {
    writeWeights(join(modelDir, `model-0000${i}-of-00003.safetensors`), shard, 1000 + i);
    writeFileSync(join(modelDir, `bias-0000${i}.bin`), Buffer.alloc(4096));
  }
  const rand = xorshift(7);
  const vocab = {};
  for (let i = 0; i < 60000; i++) vocab[`tok${i}_${Math.floor(rand() * 1e6).toString(36)}`] = i;
  writeFileSync(join(modelDir, 'tokenizer.json'), JSON.stringify({ version: '1.0', model: { type: 'BPE', vocab } }));
  writeFileSync(join(modelDir, 'tokenizer_config.json'), JSON.stringify({ model_max_length: 2048, padding_side: 'left' }));
  writeFileSync(join(modelDir, 'config.json'), JSON.stringify({ architectures: ['Bench'], hidden_size: 4096, num_hidden_layers: 32 }));
  writeFileSync(join(modelDir, 'extra', 'README.md'), '# bench model\n');
  const tmp = `${artifact}.tmp`;
  execFileSync('python3', ['-c', `
import os, sys, tarfile
src, out = sys.argv[1], sys.argv[2]
with tarfile.open(out, 'w:gz') as t:
    for root, dirs, files in os.walk(src):
        dirs.sort()
        for f in sorted(files):
            p = os.path.join(root, f)
            t.add(p, arcname=os.path.relpath(p, src))
`, modelDir, tmp], { stdio: 'inherit' });
  renameSync(tmp, artifact);
  rmSync(modelDir, { recursive: true, force: true });
}

const codeDir = join(benchDir, 'code');
function buildCode() {
  mkdirSync(codeDir, { recursive: true });
  writeFileSync(join(codeDir, 'inference.py'), 'import torch\n\ndef model_fn(model_dir):\n    return torch.nn.Identity()\n\ndef predict_fn(data, model):\n    return model(data)\n');
  writeFileSync(join(codeDir, 'requirements.txt'), 'safetensors==0.4.5\n');
}

// ---- measurements -------------------------------------------------------------------------------------------
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const seconds = (start) => Number(process.hrtime.bigint() - start) / 1e9;

function sdkStyle() {
  const out = join(benchDir, 'out-sdk.tar.gz');
  const start = process.hrtime.bigint();
  const cpuFile = join(benchDir, 'sdk.cpu');
  execFileSync('python3', ['-c', `
import os, resource, shutil, sys, tarfile, tempfile
src, code, out, work, cpu_file = sys.argv[1:6]
tmp = tempfile.mkdtemp(dir=work)
try:
    with tarfile.open(src) as t:
        t.extractall(tmp, filter='data')
    shutil.copytree(code, os.path.join(tmp, 'code'), dirs_exist_ok=True)
    with tarfile.open(out, 'w:gz') as t:
        for f in sorted(os.listdir(tmp)):
            t.add(os.path.join(tmp, f), arcname=f)
finally:
    shutil.rmtree(tmp)
    r = resource.getrusage(resource.RUSAGE_SELF)
    open(cpu_file, 'w').write(str(r.ru_utime + r.ru_stime))
`, artifact, codeDir, out, benchDir, cpuFile], { stdio: 'inherit' });
  const wall = seconds(start);
  const size = statSync(out).size;
  rmSync(out);
  const cpu = Number(readFileSync(cpuFile, 'utf8'));
  rmSync(cpuFile);
  return { wall, cpu, report: { bytesRead: statSync(artifact).size, bytesWritten: size } };
}

function viaCli(strategy) {
  const out = join(benchDir, `out-${strategy}.tar.gz`);
  const usageFile = join(benchDir, 'cli.usage');
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['-r', join(root, 'scripts', 'report-usage.js'), cli, 'inject-code', '--artifact', artifact, '--code', codeDir, '--out', out, '--strategy', strategy, '--json'], {
    encoding: 'utf8',
    env: { ...process.env, REPORT_USAGE_FILE: usageFile },
  });
  const wall = seconds(start);
  const { cpuSeconds: cpu, maxRss } = JSON.parse(readFileSync(usageFile, 'utf8'));
  rmSync(usageFile);
  if (r.status !== 0) throw new Error(`${strategy} failed: ${r.stderr}`);
  if (verifyOutputs) {
    execFileSync('gzip', ['-t', out]);
    const list = execFileSync('tar', ['-tzf', out], { maxBuffer: 64 * MiB }).toString();
    if (!list.includes('code/inference.py')) throw new Error(`${strategy}: code/inference.py missing`);
  }
  rmSync(out);
  return { wall, cpu, maxRss, report: JSON.parse(r.stdout) };
}

const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
if (only !== undefined && only !== 'compressed' && only !== 'uncompressed') throw new Error('--only takes compressed or uncompressed');

/** The uncompressed copy's bench (TypeScript, against moto); its exit status joins this one's. */
function uncompressedPart() {
  console.log('');
  console.log('## uncompressed model data: server-side copy against moto');
  const tsx = join(root, 'node_modules', '.bin', 'tsx');
  const r = spawnSync(tsx, [join(root, 'test', 'packaging', 'bench', 'prefix-copy.bench.ts')], { stdio: 'inherit' });
  return r.status === 0;
}

if (only === 'uncompressed') {
  process.exitCode = uncompressedPart() ? 0 : 1;
} else {
buildArtifact();
buildCode();
const inputBytes = statSync(artifact).size;
console.log(`artifact: ${artifact} (${(inputBytes / 1e6).toFixed(1)} MB); node ${process.version}; ${runs} run(s) per strategy, ${sdkRuns} SDK-style run(s)`);
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
console.log(`${cpus().length} CPUs; load average at the start: ${load()} (the machine may be shared: compare ratios, not walls)`);

const results = [];
{
  const walls = [];
  const cpus = [];
  let report;
  for (let i = 0; i < sdkRuns; i++) ({ wall: walls[i], cpu: cpus[i], report } = sdkStyle());
  results.push({ name: 'SDK style (tarfile extract + re-tar, level 9)', wall: median(walls), walls, cpu: median(cpus), report });
}
for (const strategy of ['scan', 'stream', 'auto']) {
  const walls = [];
  const cpus = [];
  const rss = [];
  let report;
  for (let i = 0; i < runs; i++) ({ wall: walls[i], cpu: cpus[i], maxRss: rss[i], report } = viaCli(strategy));
  results.push({ name: `cli --strategy ${strategy}${strategy === 'auto' ? ` (ran ${report.strategy})` : ''}`, strategy, wall: median(walls), walls, cpu: median(cpus), rss: Math.max(...rss), report });
}

console.log(`load average at the end: ${load()}`);
const baseline = results[0].wall;
const fmt = (n) => (n === undefined ? '-' : String(n));
console.log('');
const baselineCpu = results[0].cpu;
console.log('| method | wall s (median) | runs s | MB/s | CPU s (median) | peak RSS MB | bytesRead | bytesInflated | bytesDeflated | bytesCopied | bytesWritten | speed-up vs SDK (wall) | CPU vs SDK |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of results) {
  const rep = r.report;
  console.log(`| ${r.name} | ${r.wall.toFixed(2)} | ${r.walls.map((w) => w.toFixed(2)).join(', ')} | ${(inputBytes / 1e6 / r.wall).toFixed(1)} | ${r.cpu.toFixed(2)} | ${r.rss ? (r.rss / 1e6).toFixed(0) : '-'} | ${fmt(rep.bytesRead)} | ${fmt(rep.bytesInflated)} | ${fmt(rep.bytesDeflated)} | ${fmt(rep.bytesCopied)} | ${fmt(rep.bytesWritten)} | ${(baseline / r.wall).toFixed(1)}x | ${(baselineCpu / r.cpu).toFixed(1)}x |`);
}

const by = Object.fromEntries(results.filter((r) => r.strategy).map((r) => [r.strategy, r]));
const checks = [
  ['scan >= 15x faster than SDK style (issue 16)', baseline / by.scan.wall >= 15],
  ['auto (scan) >= 15x faster than SDK style', baseline / by.auto.wall >= 15],
  ['scan compresses < 1 MiB', by.scan.report.bytesDeflated < MiB],
  ['scan reads the input once (+ at most 4 MiB of tail window)', by.scan.report.bytesRead <= inputBytes + 4 * MiB],
  ['stream >= 3x faster than SDK style', baseline / by.stream.wall >= 3],
];
console.log('');
for (const [what, ok] of checks) console.log(`${ok ? 'PASS' : 'FAIL'}  ${what}`);
const copyOk = only === 'compressed' ? true : uncompressedPart();
process.exitCode = checks.every(([, ok]) => ok) && copyOk ? 0 : 1;
}
