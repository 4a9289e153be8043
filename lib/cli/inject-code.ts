/**
 * `inject-code`: runs the engine on a local artifact and writes the result next to OUT under a temporary name,
 * renamed only on success, so a failure or an interruption (any terminating signal, see interrupts.ts) never leaves a
 * partial OUT, nor the temporary file, behind. OUT is checked by file identity, not by its spelling: it is never the
 * artifact (by any path or link), never a device, FIFO, socket, directory or link, and never inside the code
 * directory. The code directory gets the same check as `InferenceCode.fromDirectory` at synth.
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { codeDirectoryProblem } from '../common/inference-script';
import { fileSource, injectCode, InjectionError, InjectionStats, STRATEGY_NAMES, StrategyName, strategyProblem } from '../packaging/engine';
import { readCodeOption } from './code-dir';
import { headCopy, TEMP_COPY_FLAGS } from './head-copy';
import { Command, ParsedOptions, PROGRAM } from './command';
import { CliError, describeFileError, describeInjectionError } from './errors';
import { removeOnInterrupt } from './interrupts';
import { requireFile, requireWritableOutput } from './paths';

export interface InjectCodeArgs {
  readonly artifact: string;
  readonly code: string;
  readonly out: string;
  readonly strategy: StrategyName;
  /** Skip the synth-time check of the code directory (inference.py present, model_fn defined, ...). */
  readonly noCheck?: boolean;
}

export interface InjectCodeReport extends InjectionStats {
  readonly strategy: string;
  readonly reason: string;
  readonly seconds: number;
}

const COPY_CHUNK = 8 * 1024 * 1024;

async function copyRange(from: fs.promises.FileHandle, to: fs.promises.FileHandle, start: number, end: number): Promise<void> {
  const buf = Buffer.allocUnsafe(Math.min(COPY_CHUNK, Math.max(1, end - start)));
  for (let pos = start; pos < end; ) {
    const { bytesRead } = await from.read(buf, 0, Math.min(buf.length, end - pos), pos);
    if (bytesRead === 0) throw new Error('the artifact changed while it was being copied');
    await to.write(buf, 0, bytesRead);
    pos += bytesRead;
  }
}

/** The checks before any byte is written: each names the user's path and what to do. */
function checkArgs(args: InjectCodeArgs): void {
  requireFile('--artifact', args.artifact, 'the path of a model.tar.gz file');
  if (!args.noCheck) {
    const problem = codeDirectoryProblem(path.resolve(args.code));
    if (problem) throw new CliError(`--code: ${problem} (--no-check skips this check)`, 'BAD_CODE_DIRECTORY');
  }
  checkOut(args);
}

/** OUT's checks; run again just before the rename, since OUT may have changed while the engine ran. */
function checkOut(args: InjectCodeArgs): void {
  requireWritableOutput('--out', args.out, {
    file: { role: '--artifact', path: args.artifact },
    directory: { role: '--code', path: args.code },
  });
}

export async function runInjectCode(args: InjectCodeArgs): Promise<InjectCodeReport> {
  const started = process.hrtime.bigint();
  checkArgs(args);
  const files = readCodeOption(args.code);
  const source = await fileSource(args.artifact).catch((error) => {
    throw describeFileError(error, '--artifact', args.artifact, 'the path of a model.tar.gz file');
  });
  // A fresh name, created exclusively (O_EXCL): a file or link already there is never written through.
  const temp = path.join(path.dirname(path.resolve(args.out)), `.${path.basename(args.out)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  const keep = removeOnInterrupt(temp);
  let output: fs.promises.FileHandle | undefined;
  let copyFrom: fs.promises.FileHandle | undefined;
  // scan's output starts with a copy of the original's head: it is copied while the scan runs (head-copy.ts).
  const head = headCopy(args.artifact, temp, source, args.strategy !== 'stream');
  try {
    const result = await injectCode(head.source, files, { strategy: args.strategy });
    let first = true;
    for await (const segment of result.segments) {
      if (first && segment.kind === 'copy' && segment.start === 0) {
        // The common patch shape (a copy of the original's head, then a small tail): the kernel copies the file
        // (copy_file_range or a reflink, no bytes through this process), then it is cut where the new tail starts.
        head.stop();
        if (head.started()) await head.finished();
        else await fs.promises.copyFile(args.artifact, temp, TEMP_COPY_FLAGS);
        await fs.promises.truncate(temp, segment.end);
        output = await fs.promises.open(temp, 'a');
        first = false;
        continue;
      }
      if (!output) {
        head.stop();
        await head.finished();
      }
      // The temporary name is fresh and created exclusively, unless the head copy created it.
      output ??= await fs.promises.open(temp, head.started() ? 'w' : 'wx');
      first = false;
      if (segment.kind === 'copy') {
        copyFrom ??= await fs.promises.open(args.artifact, 'r');
        await copyRange(copyFrom, output, segment.start, segment.end);
      } else {
        await output.write(segment.bytes);
      }
    }
    if (!output) {
      head.stop();
      await head.finished();
    }
    output ??= await fs.promises.open(temp, head.started() ? 'w' : 'wx');
    await output.close();
    output = undefined;
    checkOut(args);
    await fs.promises.rename(temp, args.out);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { strategy: result.strategy, reason: result.reason, ...result.stats(), seconds };
  } catch (err) {
    await output?.close().catch(() => undefined);
    // A copy still running could create the temporary file after its removal: stop it from starting, let it end.
    head.stop();
    await head.finished().catch(() => undefined);
    await fs.promises.rm(temp, { force: true });
    if (err instanceof CliError) throw err;
    if (err instanceof InjectionError) throw describeInjectionError(err, '--artifact', args.artifact);
    // A write failure is about OUT: name it, never the temporary file.
    throw describeFileError(err, '--out', args.out, 'a path in an existing, writable folder');
  } finally {
    keep();
    await copyFrom?.close();
    await source.close();
  }
}


export const INJECT_CODE: Command = {
  name: 'inject-code',
  summary: 'Put a code directory under code/ in a model.tar.gz, without recompressing the model (the engine the deploy-time injection runs).',
  options: [
    { name: 'artifact', type: 'string', placeholder: 'IN', required: true, description: 'The model.tar.gz to read (never modified).' },
    { name: 'code', type: 'string', placeholder: 'DIR', required: true, description: 'The code directory: inference.py (with model_fn), requirements.txt, helpers.' },
    { name: 'out', type: 'string', placeholder: 'OUT', required: true, description: 'Where to write the new model.tar.gz (its folder must exist).' },
    {
      name: 'strategy',
      type: 'string',
      placeholder: 'NAME',
      description: 'How to inject: auto, scan or stream.',
      defaultValue: 'auto',
      choices: STRATEGY_NAMES,
      refuseChoice: (value) => strategyProblem(value, '--strategy', '--strategy scan (or auto)'),
    },
    { name: 'no-check', type: 'boolean', description: 'Skip the check synth runs on the code directory (inference.py present, model_fn defined, transform_fn not combined with input_fn/predict_fn/output_fn).' },
  ],
  details: `
Writes OUT under a temporary name beside it and renames it at the end: a failure or an interruption leaves neither
OUT nor a temporary file. OUT must not be the artifact by any path (a link, a symlinked folder, a hard link), a
symbolic link, a directory, a device, a FIFO or a socket, nor lie inside the code directory. __pycache__/, .git/
and *.pyc are left out of code/.

examples:
  ${PROGRAM} inject-code --artifact model.tar.gz --code serving --out model-with-code.tar.gz
  ${PROGRAM} inject-code --artifact model.tar.gz --code serving --out out.tar.gz --strategy stream --json

exit codes: 0 written, 1 refused or failed, 2 bad usage, 128+N interrupted by signal N (130 SIGINT, 143 SIGTERM,
129 SIGHUP, 131 SIGQUIT, ...).`,
  async run(options: ParsedOptions, json: boolean): Promise<number> {
    const args: InjectCodeArgs = {
      artifact: options.strings.artifact!,
      code: options.strings.code!,
      out: options.strings.out!,
      strategy: options.strings.strategy as StrategyName,
      noCheck: options.flags['no-check'],
    };
    const report = await runInjectCode(args);
    if (json) {
      process.stdout.write(`${JSON.stringify(report)}\n`);
    } else {
      process.stdout.write(
        `wrote ${args.out} (${report.bytesWritten} bytes) with strategy ${report.strategy} in ${report.seconds.toFixed(2)} s: ${report.reason}\n` +
          `  read ${report.bytesRead}, inflated ${report.bytesInflated}, deflated ${report.bytesDeflated}, copied ${report.bytesCopied}; entries: ${report.entries.join(' ')}\n`,
      );
    }
    return 0;
  },
};
