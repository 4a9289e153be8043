/**
 * Runs the custom resource's injection (runtime/inject-code-event.ts, the real engine) against a local S3 server
 * (s3rver on 127.0.0.1) and prints, per strategy: wall time as a ratio to a baseline measured in the same process
 * against the same server, what the function read from the original, what it uploaded, and what was copied
 * (streamed through, since s3rver has no UploadPartCopy; or by the emulated UploadPartCopy, which shows what the
 * function itself would send when S3 copies server side).
 *
 * The baseline is the plain rewrite a function without this engine would do: GET the whole object, gunzip it, gzip
 * it again at level 6 (Node's zlib) and PUT it back as one object. It does not even edit the tar (adding code/
 * costs little beside the recompression), so it is a lower bound for that approach. It runs before the strategies
 * and again after them; the second run shows how much the machine's load drifted during the measurement.
 *
 *   npx tsx test/packaging/bench/s3-inject.bench.ts [size MiB, default 256]
 *
 * s3rver stores on local disk and computes MD5s: its throughput, not S3's, bounds these times.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import * as zlib from 'zlib';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { injectCode } from '../../../lib/packaging/engine';
import { inject, InjectionManifest } from '../../../lib/packaging/runtime/inject-code-event';
import { makeModelArchive, zipDirectory } from '../helpers/artifacts';
import { withEmulatedUploadPartCopy } from '../helpers/copy-emulation';
import { LocalS3, startLocalS3 } from '../helpers/s3-server';

const gunzip = promisify(zlib.gunzip);
const gzip = promisify(zlib.gzip);

function secondsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** The baseline: GET the whole object, gunzip, gzip -6, PUT the result as one object. Returns wall seconds. */
async function wholeObjectRecompression(s3: LocalS3, outputKey: string): Promise<number> {
  const start = process.hrtime.bigint();
  const response = await s3.client.send(new GetObjectCommand({ Bucket: 'models', Key: 'model.tar.gz' }));
  const original = await response.Body!.transformToByteArray();
  const recompressed = await gzip(await gunzip(original), { level: 6 });
  await s3.client.send(new PutObjectCommand({ Bucket: 'output', Key: outputKey, Body: recompressed, ContentLength: recompressed.length }));
  return secondsSince(start);
}

async function main() {
  const sizeMiB = Number(process.argv[2] ?? 256);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 's3-inject-bench-'));
  const s3 = await startLocalS3();
  try {
    for (const bucket of ['models', 'assets', 'output']) await s3.createBucket(bucket);
    const archive = path.join(work, 'model.tar.gz');
    const shard = Math.floor((sizeMiB * 1024 * 1024) / 3);
    makeModelArchive(archive, { 'model-1.safetensors': shard, 'model-2.safetensors': shard, 'model-3.safetensors': shard, 'tokenizer.json': '{}' }, { level: 6 });
    const bytes = fs.readFileSync(archive);
    await s3.put('models', 'model.tar.gz', bytes);
    fs.mkdirSync(path.join(work, 'code'));
    fs.writeFileSync(path.join(work, 'code', 'inference.py'), 'def model_fn(model_dir):\n    return None\n');
    fs.writeFileSync(path.join(work, 'code', 'requirements.txt'), 'numpy\n');
    await s3.put('assets', 'code.zip', zipDirectory(path.join(work, 'code'), path.join(work, 'code.zip')));
    console.log(`artifact: ${bytes.length} bytes (${(bytes.length / 1e6).toFixed(0)} MB), Python tarfile, gzip level 6`);
    const baseline = await wholeObjectRecompression(s3, 'baseline-before/model.tar.gz');
    console.log(`baseline (GET whole object + gunzip + gzip -6 + PUT, in Node): ${baseline.toFixed(2)} s`);
    console.log('strategy | copy      | wall / baseline | wall s | read from original | uploaded by function | copied server side | streamed through');
    for (const emulated of [false, true]) {
      for (const strategy of ['scan', 'stream'] as const) {
        const ops = emulated ? withEmulatedUploadPartCopy(s3.ops) : s3.ops;
        const prefix = `bench-${emulated ? 'copy' : 'through'}-${strategy}/`;
        const start = process.hrtime.bigint();
        const data = await inject(
          { SourceBucket: 'models', SourceKey: 'model.tar.gz', CodeBucket: 'assets', CodeKey: 'code.zip', Strategy: strategy, OutputBucket: 'output', OutputPrefix: prefix, RemovalPolicy: 'destroy' },
          { ops, injectCode },
          { owner: 'bench|Injection', requestId: 'bench', writer: `bench-${prefix}` },
        );
        const seconds = secondsSince(start);
        const manifest = JSON.parse((await s3.get('output', data.ArtifactKey.replace(/model\.tar\.gz$/, 'injection.json')))!.toString()) as InjectionManifest;
        const mb = (n: number) => `${(n / 1e6).toFixed(2)} MB`;
        console.log(
          `${strategy.padEnd(8)} | ${(emulated ? 'emulated' : 'none').padEnd(9)} | ${`${(seconds / baseline).toFixed(2)}x`.padStart(15)} | ${seconds.toFixed(2).padStart(6)} | ${mb(manifest.sourceBytesRead).padStart(18)} | ${mb(manifest.write.bytesUploaded).padStart(20)} | ${mb(manifest.write.bytesCopiedServerSide).padStart(18)} | ${mb(manifest.write.bytesCopiedThrough).padStart(16)}`,
        );
      }
    }
    const baselineAfter = await wholeObjectRecompression(s3, 'baseline-after/model.tar.gz');
    console.log(`baseline again, after the strategies: ${baselineAfter.toFixed(2)} s (${(baselineAfter / baseline).toFixed(2)}x the first run: the load's drift)`);
  } finally {
    await s3.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
