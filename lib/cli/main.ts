/**
 * cdk-pytorch-sagemaker command line.
 *
 *   cdk-pytorch-sagemaker <command> [options]      commands: init, inject-code, invoke-local
 *   cdk-pytorch-sagemaker --help | --version       and <command> --help
 *
 * Every error is one line on stderr (`error: ...`), or with --json one object `{"error", "code"}` on stdout.
 * Exit codes: 0 success, 1 the input was refused or the run failed, 2 bad usage, 128+N ended by signal N (interrupts.ts).
 */
import * as os from 'os';

// The stream strategy deflates on the libuv threadpool: size it to the machine before any pool work starts.
process.env.UV_THREADPOOL_SIZE ??= String(Math.max(4, os.availableParallelism?.() ?? os.cpus().length));

import { Command, commandHelp, parseCommandArgs, PROGRAM } from './command';
import { CliError, oneLine, UsageError } from './errors';
import { INIT } from './init';
import { INJECT_CODE } from './inject-code';
import { exitCodeOf, installInterruptHandlers, interruptedBy } from './interrupts';
import { INVOKE_LOCAL } from './invoke-local';
import { packageJson } from './package-info';

const COMMANDS: readonly Command[] = [INIT, INJECT_CODE, INVOKE_LOCAL];

/** The package's version: package.json two folders up, from the bundle (assets/cli) as from the sources (lib/cli). */
export function version(): string {
  return packageJson().version;
}

function toolHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return `${PROGRAM} ${version()}: AWS CDK constructs for PyTorch on SageMaker; these commands work on local files.

usage: ${PROGRAM} <command> [options]

commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`).join('\n')}

options:
  -h, --help     Show this help; '${PROGRAM} <command> --help' shows a command's.
  -V, --version  Show the version.

exit codes: 0 success, 1 refused or failed, 2 bad usage, 128+N interrupted by signal N (130 SIGINT, 143 SIGTERM,
129 SIGHUP, 131 SIGQUIT, ...), after removing temporary files and stopping child processes.
`;
}

function reportError(error: unknown, json: boolean): number {
  const cli = error instanceof CliError ? error : undefined;
  const message = oneLine(cli ? cli.message : `unexpected failure: ${error instanceof Error ? error.message : String(error)}`);
  if (json) process.stdout.write(`${JSON.stringify({ error: message, code: cli?.code ?? 'INTERNAL' })}\n`);
  else process.stderr.write(`error: ${message}\n`);
  return cli?.exitCode ?? 1;
}

export async function main(argv: readonly string[]): Promise<number> {
  const json = argv.includes('--json');
  const [first, ...rest] = argv;
  if (first === '--version' || first === '-V') {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    const command = COMMANDS.find((c) => c.name === rest[0]);
    process.stdout.write(command ? commandHelp(command) : toolHelp());
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === first);
  if (!command) {
    const what = first === undefined ? 'no command given' : `unknown command ${JSON.stringify(first)}`;
    return reportError(new UsageError(`${what}: use one of ${COMMANDS.map((c) => c.name).join(', ')} (see ${PROGRAM} --help)`), json);
  }
  try {
    const options = parseCommandArgs(command, rest);
    if (options.flags.help) {
      process.stdout.write(commandHelp(command));
      return 0;
    }
    installInterruptHandlers();
    const code = await command.run(options, json);
    return interruptedBy() ? untilInterruptEnds() : code;
  } catch (error) {
    // A failure caused by the interruption (e.g. the stopped Python gave no answer) is not reported: the signal is.
    return interruptedBy() ? untilInterruptEnds() : reportError(error, json);
  }
}

/** The interrupt handler removes what is left and exits with 128 + the signal's number; nothing else may finish first. */
function untilInterruptEnds(): Promise<number> {
  return new Promise(() => undefined);
}

if (require.main === module) {
  // Node.js ignores SIGPIPE: a reader that closed the pipe (`| head`) shows up as EPIPE on stdout instead. End as a
  // process SIGPIPE ends, quietly: what is written then is only the answer (temporary files are gone by then).
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(exitCodeOf('SIGPIPE'));
    throw error;
  });
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  }, (err) => {
    process.stderr.write(`error: ${oneLine(String(err?.message ?? err))}\n`);
    process.exitCode = 1;
  });
}
