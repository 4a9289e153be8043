import { ChildProcess, spawn } from 'child_process';
import * as net from 'net';

/**
 * moto's standalone server (`python3 -m moto.server`) on 127.0.0.1: one process that answers every AWS service moto
 * implements (S3 with UploadPartCopy, CloudWatch metrics, ...). Tests point a real AWS SDK client at `endpoint`.
 */
export interface MotoServer {
  readonly endpoint: string;
  /** Clears the state of every service (`POST /moto-api/reset`). */
  reset(): Promise<void>;
  close(): Promise<void>;
}

const PYTHON = process.env.MOTO_PYTHON ?? 'python3';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once the server prints that it listens; rejects, with how to install moto, if it exits first. */
function whenListening(child: ChildProcess, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(`127.0.0.1:${port}`)) {
        child.stderr?.off('data', onData);
        child.stdout?.off('data', onData);
        resolve();
      }
    };
    child.stderr?.on('data', onData);
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(
      `moto's server did not start (\`${PYTHON} -m moto.server\` exited with ${code}): install it with pip install "moto[server]". Output: ${output.slice(-500)}`,
    )));
    child.once('error', (error) => reject(new Error(`moto's server could not be run (${error.message}): install Python 3 and pip install "moto[server]"`)));
  });
}

export async function startMotoServer(): Promise<MotoServer> {
  const port = await freePort();
  const child = spawn(PYTHON, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
  });
  await whenListening(child, port);
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    async reset() {
      const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!response.ok) throw new Error(`moto reset answered ${response.status}`);
    },
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
