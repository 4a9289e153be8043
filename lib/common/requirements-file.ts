import * as fs from 'fs';

// One rule, shared by the training source directory and the inference code, for whether a `requirements.txt`
// makes the SageMaker container pip-install something: both containers run `pip install -r requirements.txt` when
// the file exists, which needs the network, so both constructs refuse it under network isolation.

/**
 * Whether the `requirements.txt` at `file` names at least one package: a line that is neither blank nor a `#`
 * comment. A missing file names none.
 */
export function requirementsFileNamesPackages(file: string): boolean {
  return fs.existsSync(file) &&
    fs.readFileSync(file, 'utf8').split(/\r?\n/).some((line) => line.trim() !== '' && !line.trim().startsWith('#'));
}
