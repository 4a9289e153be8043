import { execFileSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';

/**
 * Writes a SageMaker-like model.tar.gz with Python's tarfile (as the SageMaker training service and SDK do):
 * `files` maps archive names to sizes of pseudo-random (incompressible, like weights) content, or to text.
 */
export function makeModelArchive(out: string, files: Record<string, number | string>, options: { gzip?: boolean; level?: number } = {}): void {
  const script = `
import io, json, random, sys, tarfile
spec = json.loads(sys.argv[2])
mode = 'w:gz' if sys.argv[3] == '1' else 'w'
kwargs = {'compresslevel': int(sys.argv[4])} if mode == 'w:gz' else {}
rng = random.Random(7)
with tarfile.open(sys.argv[1], mode, format=tarfile.PAX_FORMAT, **kwargs) as tar:
    for name in sorted(spec):
        value = spec[name]
        data = value.encode() if isinstance(value, str) else rng.randbytes(value)
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mtime = 1700000000
        tar.addfile(info, io.BytesIO(data))
`;
  execFileSync('python3', ['-c', script, out, JSON.stringify(files), options.gzip === false ? '0' : '1', String(options.level ?? 6)]);
}

/** Every member of a (gzip) tar as name -> sha256, read by Python's tarfile; throws if Python cannot read it. */
export function tarMembers(archive: string): Record<string, string> {
  const script = `
import hashlib, json, sys, tarfile
out = {}
with tarfile.open(sys.argv[1], 'r:*') as tar:
    for m in tar.getmembers():
        out[m.name + ('/' if m.isdir() else '')] = hashlib.sha256(tar.extractfile(m).read()).hexdigest() if m.isfile() else 'dir'
print(json.dumps(out))
`;
  return JSON.parse(execFileSync('python3', ['-c', script, archive]).toString());
}

/** `gzip -t` and GNU `tar -tzf` accept the archive. */
export function checkWithGnuTools(archive: string): string[] {
  execFileSync('gzip', ['-t', archive]);
  return execFileSync('tar', ['-tzf', archive]).toString().trim().split('\n');
}

export function sha256(data: Uint8Array): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

/** A zip of a directory, as the code asset is (made with Info-ZIP zip here). */
export function zipDirectory(dir: string, out: string): Buffer {
  fs.rmSync(out, { force: true });
  execFileSync('zip', ['-q', '-r', '-X', path.resolve(out), '.'], { cwd: dir });
  return fs.readFileSync(out);
}

/** A real HTTP server on 127.0.0.1 standing in for CloudFormation's presigned response URL. */
export interface ResponseReceiver {
  readonly url: (name: string) => string;
  readonly received: Array<{ path: string; method: string; contentType: string | undefined; body: any }>;
  close(): Promise<void>;
}

export async function startResponseReceiver(): Promise<ResponseReceiver> {
  const received: ResponseReceiver['received'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', method: req.method ?? '', contentType: req.headers['content-type'], body: JSON.parse(Buffer.concat(chunks).toString()) });
      res.statusCode = req.url?.includes('reject') ? 403 : 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: (name) => `http://127.0.0.1:${port}/${name}?X-Amz-Signature=abc`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
