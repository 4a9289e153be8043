/**
 * cdk-pytorch-sagemaker command line.
 *
 *   cdk-pytorch-sagemaker inject-code --artifact IN --code DIR --out OUT [--strategy auto|scan|tail|stream] [--json]
 *
 * Exit codes: 0 success, 1 the input was refused or the run failed, 2 bad usage.
 */
import * as os from 'os';

// The stream strategy deflates on the libuv threadpool: size it to the machine before any pool work starts.
process.env.UV_THREADPOOL_SIZE ??= String(Math.max(4, os.availableParallelism?.() ?? os.cpus().length));

import { InjectionError, StrategyName } from '../packaging/engine';
import { runInjectCode } from './inject-code';

const USAGE = 'usage: cdk-pytorch-sagemaker inject-code --artifact IN --code DIR --out OUT [--strategy auto|scan|tail|stream] [--json]';
const STRATEGIES: readonly string[] = ['auto', 'scan', 'tail', 'stream'];

class UsageError extends Error {}

interface Parsed {
  artifact: string;
  code: string;
  out: string;
  strategy: StrategyName;
  json: boolean;
}

export function parseArgs(argv: readonly string[]): Parsed {
  const [command, ...rest] = argv;
  if (command !== 'inject-code') throw new UsageError(command ? `unknown command ${JSON.stringify(command)}` : 'missing command');
  const values: Record<string, string> = {};
  let json = false;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '--json') {
      json = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const key = eq > 0 ? arg.slice(0, eq) : arg;
    if (!['--artifact', '--code', '--out', '--strategy'].includes(key)) throw new UsageError(`unknown option ${JSON.stringify(arg)}`);
    const value = eq > 0 ? arg.slice(eq + 1) : rest[++i];
    if (value === undefined || value === '') throw new UsageError(`${key} needs a value`);
    values[key.slice(2)] = value;
  }
  for (const required of ['artifact', 'code', 'out']) if (!values[required]) throw new UsageError(`--${required} is required`);
  const strategy = values.strategy ?? 'auto';
  if (!STRATEGIES.includes(strategy)) throw new UsageError(`--strategy must be one of ${STRATEGIES.join(', ')}, not ${JSON.stringify(strategy)}`);
  return { artifact: values.artifact, code: values.code, out: values.out, strategy: strategy as StrategyName, json };
}

function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').trim();
}

export async function main(argv: readonly string[]): Promise<number> {
  let args: Parsed;
  try {
    args = parseArgs(argv);
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  try {
    const report = await runInjectCode(args);
    if (args.json) {
      process.stdout.write(`${JSON.stringify(report)}\n`);
    } else {
      process.stdout.write(
        `wrote ${args.out} (${report.bytesWritten} bytes) with strategy ${report.strategy} in ${report.seconds.toFixed(2)} s: ${report.reason}\n` +
          `  read ${report.bytesRead}, inflated ${report.bytesInflated}, deflated ${report.bytesDeflated}, copied ${report.bytesCopied}; entries: ${report.entries.join(' ')}\n`,
      );
    }
    return 0;
  } catch (err) {
    const e = err as Error;
    const code = err instanceof InjectionError ? ` [${err.code}]` : '';
    process.stderr.write(`error: ${oneLine(e.message)}${code}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  }, (err) => {
    process.stderr.write(`error: ${oneLine(String(err?.message ?? err))}\n`);
    process.exitCode = 1;
  });
}
