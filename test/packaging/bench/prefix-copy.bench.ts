/**
 * The injection into uncompressed model data (runtime/uncompressed-injection.ts: plan, parallel server-side copy,
 * code files, verifying listing, manifest) against moto's S3 server on 127.0.0.1, beside a baseline measured in the
 * same process against the same server: a plain sequential loop of one CopyObject per listed object (no plan, no
 * parallelism, no multipart, no verification; what a naive function would do).
 *
 * Prints objects/s of each as a ratio to the baseline (run before and after, to show the load's drift), and what
 * the plan covered against the listing (objects and bytes planned / listed; they must be 1.00: every byte copied
 * once, server side). moto copies on local disk, so its throughput, not S3's, bounds these times.
 *
 *   npx tsx test/packaging/bench/prefix-copy.bench.ts [small objects, default 300] [large objects of 12 MiB, default 4]
 *   (run by `npm run bench:inject`; needs pip install "moto[server]")
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readZip } from '../../../lib/packaging/runtime/code-archive';
import { CopyLimits } from '../../../lib/packaging/runtime/prefix-copy-plan';
import { MiB } from '../../../lib/packaging/runtime/s3-limits';
import { injectIntoPrefix, listPrefix, PrefixInjectionManifest } from '../../../lib/packaging/runtime/uncompressed-injection';
import { zipDirectory } from '../helpers/artifacts';
import { startMotoS3, MotoS3 } from '../helpers/moto-server';
import { randomBytes } from '../helpers/random-bytes';

const SOURCE = 'training-output';
const OUT = 'injected';
const SOURCE_PREFIX = 'jobs/job-1/output/model/';
/** Scaled down like the tests: an object above 6 MiB is copied in UploadPartCopy parts of 5 MiB. */
const LIMITS: CopyLimits = { singleCopyLimit: 6 * MiB, partSize: 5 * MiB, concurrency: 16 };

function secondsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

async function sequentialCopyLoop(moto: MotoS3, prefix: string): Promise<{ seconds: number; objects: number; bytes: number }> {
  const start = process.hrtime.bigint();
  const listing = await listPrefix(moto.ops, SOURCE, SOURCE_PREFIX);
  let bytes = 0;
  for (const object of listing) {
    // One request per object, whatever its size (moto has no 5 GB limit; S3 would need a multipart copy above it).
    await moto.ops.copyObject({ Bucket: OUT, Key: prefix + object.name, CopySource: `${SOURCE}/${SOURCE_PREFIX}${object.name}` });
    bytes += object.size;
  }
  return { seconds: secondsSince(start), objects: listing.length, bytes };
}

async function main(): Promise<void> {
  const smallCount = Number(process.argv[2] ?? 300);
  const largeCount = Number(process.argv[3] ?? 4);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'prefix-copy-bench-'));
  const moto = await startMotoS3();
  try {
    for (const bucket of [SOURCE, OUT]) await moto.createBucket(bucket);
    let listedBytes = 0;
    for (let i = 0; i < smallCount; i++) {
      const body = randomBytes(16 * 1024 + i, i);
      listedBytes += body.length;
      await moto.put(SOURCE, `${SOURCE_PREFIX}shards/part-${String(i).padStart(4, '0')}.bin`, body);
    }
    for (let i = 0; i < largeCount; i++) {
      const body = randomBytes(12 * MiB, 1000 + i);
      listedBytes += body.length;
      await moto.put(SOURCE, `${SOURCE_PREFIX}model-${i}.safetensors`, body);
    }
    const listedObjects = smallCount + largeCount;
    const codeDir = path.join(work, 'code');
    fs.mkdirSync(codeDir);
    fs.writeFileSync(path.join(codeDir, 'inference.py'), 'def model_fn(model_dir):\n    return None\n');
    const code = readZip(zipDirectory(codeDir, path.join(work, 'code.zip')));

    console.log(`moto S3 on ${moto.endpoint}; source: ${listedObjects} objects (${smallCount} of ~16 KiB, ${largeCount} of 12 MiB), ${(listedBytes / 1e6).toFixed(1)} MB; node ${process.version}`);
    const before = await sequentialCopyLoop(moto, 'baseline-1/');
    const start = process.hrtime.bigint();
    const outcome = await injectIntoPrefix({
      ops: moto.ops, sourceBucket: SOURCE, sourcePrefix: SOURCE_PREFIX, outputBucket: OUT, outputPrefix: 'bench/', code, limits: LIMITS,
      identity: { owner: 'bench|Injection', requestId: 'bench', writer: 'bench' }, claim: { waitMs: 0 },
    });
    const copySeconds = secondsSince(start);
    const after = await sequentialCopyLoop(moto, 'baseline-2/');

    const manifestKey = outcome.prefix.replace(/model\/$/, 'injection.json');
    const manifest = JSON.parse((await moto.get(OUT, manifestKey)).toString()) as PrefixInjectionManifest;
    const baseline = before.objects / before.seconds;
    const rate = (objects: number, seconds: number) => objects / seconds;
    console.log('');
    console.log('| run | wall s | objects/s | objects/s vs baseline | MB/s |');
    console.log('|---|---|---|---|---|');
    const row = (name: string, objects: number, bytes: number, seconds: number) =>
      console.log(`| ${name} | ${seconds.toFixed(2)} | ${rate(objects, seconds).toFixed(1)} | ${(rate(objects, seconds) / baseline).toFixed(2)}x | ${(bytes / 1e6 / seconds).toFixed(1)} |`);
    row('baseline: sequential CopyObject loop (before)', before.objects, before.bytes, before.seconds);
    row(`uncompressed injection (plan, ${LIMITS.concurrency} in flight, verify, manifest)`, listedObjects, listedBytes, copySeconds);
    row('baseline again (after: the load\'s drift)', after.objects, after.bytes, after.seconds);
    console.log('');
    console.log('| what the plan covered | planned | listed | planned / listed |');
    console.log('|---|---|---|---|');
    console.log(`| objects | ${manifest.plan.objects} | ${listedObjects} | ${(manifest.plan.objects / listedObjects).toFixed(2)} |`);
    console.log(`| bytes | ${manifest.plan.bytes} | ${listedBytes} | ${(manifest.plan.bytes / listedBytes).toFixed(2)} |`);
    console.log(`| bytes copied server side | ${manifest.result.bytesCopied} | ${listedBytes} | ${(manifest.result.bytesCopied / listedBytes).toFixed(2)} |`);
    console.log('');
    console.log(`requests: ${manifest.result.copyObjectRequests} CopyObject + ${manifest.result.uploadPartCopyRequests} UploadPartCopy (plan: ${manifest.plan.requests}, ` +
      `estimated ${manifest.plan.estimatedSeconds.toFixed(1)} s at the planning rates); ${manifest.result.verifiedObjects} objects verified`);
    const ok = manifest.plan.objects === listedObjects && manifest.plan.bytes === listedBytes && manifest.result.bytesCopied === listedBytes;
    console.log(`${ok ? 'PASS' : 'FAIL'}  the plan covers the listing exactly (every object, every byte, once)`);
    process.exitCode = ok ? 0 : 1;
  } finally {
    await moto.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
