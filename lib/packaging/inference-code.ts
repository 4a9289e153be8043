import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { requirementsFileNamesPackages } from '../common/requirements-file';
import { codeDirectoryProblem, INFERENCE_SCRIPT } from '../common/inference-script';
import { checkArgumentType, UnscopedValidationError } from '../common/validation';
import { checkPythonSyntaxAtSynth } from '../common/python-syntax';

/** Where the bound inference code is stored for the deployment. */
export interface InferenceCodeConfig {
  /** The bucket holding the zipped code directory (the CDK assets bucket). */
  readonly bucket: s3.IBucket;
  /** The key of the zip file in that bucket. */
  readonly objectKey: string;
}

/**
 * The SageMaker PyTorch inference handler: a local directory holding `inference.py` (which must define
 * `model_fn`), an optional `requirements.txt` and any helper modules. Everything in the directory ends up under
 * `code/` in the model archive, except `__pycache__`, `*.pyc`, `.git` and `.DS_Store`.
 */
export class InferenceCode {
  /**
   * Checks the directory now, at synth time: it must exist, hold a regular file `inference.py` that defines
   * `model_fn` at top level and does not combine `transform_fn` with `input_fn`/`predict_fn`/`output_fn` (the
   * container refuses that at start-up), contain no symbolic links, and hold at most 100 MiB. The
   * `cdk-pytorch-sagemaker inject-code` command runs the same check. When the app synthesizes, `inference.py` is also
   * compiled (never run) by a `python3` or `python` found on the PATH: a syntax error fails the synth; without a
   * Python, a warning says it was not checked.
   *
   * @param directory path of the code directory
   */
  public static fromDirectory(directory: string): InferenceCode {
    checkArgumentType('InferenceCode.fromDirectory', directory, 'string', "give the directory's path, e.g. InferenceCode.fromDirectory('serving')");
    return new InferenceCode(path.resolve(directory));
  }

  /** Absolute path of the code directory. */
  public readonly directory: string;

  /** The files that will be placed under `code/`, relative to the directory, `/`-separated, sorted. */
  public readonly files: string[];

  /**
   * True when `requirements.txt` names at least one package (lines other than blanks and comments). The
   * serving container pip-installs them at start-up, which fails without internet access (e.g. with network
   * isolation) unless the packages are vendored.
   */
  public readonly hasRequirements: boolean;

  private constructor(directory: string) {
    this.directory = directory;
    const problem = codeDirectoryProblem(directory);
    if (problem) throw new UnscopedValidationError(`InferenceCode: ${problem}`);
    this.files = listFiles(directory);
    const total = this.files.reduce((sum, file) => sum + fs.statSync(path.join(directory, file)).size, 0);
    if (total > MAX_CODE_BYTES) {
      throw new UnscopedValidationError(
        `InferenceCode: ${directory} holds ${total} bytes; the limit is ${MAX_CODE_BYTES} (100 MiB). Keep weights in the model artifact, not in the code directory.`,
      );
    }
    this.hasRequirements = requirementsFileNamesPackages(path.join(directory, 'requirements.txt'));
  }

  /**
   * Uploads the directory as a zip file asset (one per directory and scope; binding again reuses it, and the CDK
   * deduplicates identical content across scopes) and returns where it is.
   */
  public bind(scope: Construct): InferenceCodeConfig {
    // The id depends on the directory, so two code directories bound in one scope do not collide.
    const id = `InferenceCode${crypto.createHash('sha256').update(this.directory).digest('hex').slice(0, 8)}`;
    const existing = scope.node.tryFindChild(id);
    if (!existing) {
      // The module the container imports: its syntax is checked when the app synthesizes (one Python for the app).
      const script = path.join(this.directory, INFERENCE_SCRIPT);
      checkPythonSyntaxAtSynth(scope, [{ label: script, data: fs.readFileSync(script) }]);
    }
    const asset = existing instanceof s3assets.Asset ? existing : new s3assets.Asset(scope, id, { path: this.directory, exclude: [...EXCLUDED] });
    return { bucket: asset.bucket, objectKey: asset.s3ObjectKey };
  }
}

const MAX_CODE_BYTES = 100 * 1024 * 1024;

/** Left out of the code (basename patterns, any depth): build and editor debris. */
const EXCLUDED = ['__pycache__', '*.pyc', '.git', '.DS_Store'];

function isExcluded(name: string): boolean {
  return name === '__pycache__' || name === '.git' || name === '.DS_Store' || name.endsWith('.pyc');
}

function listFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (relative: string) => {
    for (const entry of fs.readdirSync(path.join(root, relative), { withFileTypes: true })) {
      if (isExcluded(entry.name)) continue;
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isSymbolicLink()) {
        throw new UnscopedValidationError(`InferenceCode: ${path.join(root, child)} is a symbolic link; replace it with the file it points to.`);
      }
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) files.push(child);
      else throw new UnscopedValidationError(`InferenceCode: ${path.join(root, child)} is not a regular file or directory.`);
    }
  };
  walk('');
  return files.sort();
}
