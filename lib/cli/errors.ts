/**
 * The CLI's errors: every failure reaches the user as one line that names their path and says what to do, never a
 * raw Node error (ENOENT, EISDIR) or a temporary file name.
 */
import { InjectionError, InjectionErrorCode } from '../packaging/engine';

/** A failure to report as it is: exit code 1 (2 for usage), with a stable code for `--json`. */
export class CliError extends Error {
  constructor(message: string, public readonly code: string = 'FAILED', public readonly exitCode: number = 1) {
    super(message);
    this.name = 'CliError';
  }
}

/** Bad command-line usage: exit code 2. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 'USAGE', 2);
  }
}

/** The message on one line. */
export function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').trim();
}

/**
 * A Node file-system error about `file` (given by the user as `role`, e.g. '--artifact') as a CliError that says what
 * to do; `expected` is what the option takes, e.g. 'the path of a model.tar.gz file'. Other errors are returned as
 * they are.
 */
export function describeFileError(error: unknown, role: string, file: string, expected: string): unknown {
  const code = (error as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT': return new CliError(`${role} ${file} does not exist: give ${expected}.`, 'NOT_FOUND');
    case 'EISDIR': return new CliError(`${role} ${file} is a directory: give ${expected}.`, 'IS_A_DIRECTORY');
    case 'ENOTDIR': return new CliError(`${role} ${file} is not a directory: give ${expected}.`, 'NOT_A_DIRECTORY');
    case 'EACCES':
    case 'EPERM': return new CliError(`${role} ${file} cannot be accessed (permission denied): check its permissions.`, 'PERMISSION_DENIED');
    case 'ENOSPC': return new CliError(`no space left on the device while writing ${role} ${file}: free some space.`, 'NO_SPACE');
    default: return error;
  }
}

/** What to do about each refusal of the injection engine, said after its own message. */
const ENGINE_ADVICE: { readonly [code in InjectionErrorCode]: string } = {
  NOT_GZIP_OR_TAR: 'give a model.tar.gz (e.g. tar czf model.tar.gz -C <model dir> .)',
  TRUNCATED: 'the file is cut short, or its gzip holds no tar archive: build it again with tar czf',
  CRC_MISMATCH: 'the file is damaged: download or build it again',
  CORRUPT_DATA: 'the file is damaged: download or build it again',
  NOT_TAR: 'its gzip holds no valid tar archive: build it again with tar czf',
  AMBIGUOUS_ARCHIVE: 'build the archive again from the model directory (tar czf model.tar.gz -C <model dir> .)',
  UNSUPPORTED_ENTRY: 'build the archive again from the model directory (tar czf model.tar.gz -C <model dir> .)',
  UNSAFE_ENTRY: 'build the archive again with relative names inside it',
  BAD_CODE_FILE: 'fix the code directory',
  LIMIT_EXCEEDED: 'build the archive again from the model directory (tar czf model.tar.gz -C <model dir> .)',
  STRATEGY_NOT_APPLICABLE: 'choose another --strategy (auto picks one that applies)',
};

/** An engine refusal about the user's artifact, as one line naming it. */
export function describeInjectionError(error: InjectionError, role: string, file: string): CliError {
  const about = error.code === 'BAD_CODE_FILE' ? '--code' : `${role} ${file}`;
  return new CliError(`${about}: ${oneLine(error.message)}; ${ENGINE_ADVICE[error.code]}.`, error.code);
}
