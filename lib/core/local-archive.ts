// The synth-time reads of a local model.tar.gz (ModelData.fromAsset): the archive is on this machine, so what the
// deploy would find out minutes later is checked now. Served as it is, it must hold code/<entryPoint>; with code
// injected by InjectionStrategy.SCAN, it must not hold code/ (SCAN refuses to replace it, as the CLI does). Both
// come from one read of the archive per synth. Internal: not exported from lib/index.ts.
import * as fs from 'fs';
import * as tar from 'tar';
import { isCodeEntry, normalizeEntryName } from '../common/code-entry';
import { inferenceScriptProblem } from '../common/inference-script';

/** What one read of a local archive found. */
export interface LocalArchiveContents {
  /** Why it cannot be read as a tar.gz, or undefined. */
  readonly unreadable?: string;
  /** The names of its `code/` entries, as written in the archive, in order. */
  readonly codeEntries: string[];
  /** The bytes of each regular file directly under `code/` whose name ends in `.py`, by normalised name. */
  readonly codeModules: Map<string, Buffer>;
}

/**
 * Results by path, size and modification time: a synth that checks the same archive twice (served, injected, or
 * bound by two endpoints) inflates it once. A changed archive has a new size or mtime and is read again.
 */
const cache = new Map<string, LocalArchiveContents>();

/** Reads (inflates) the whole archive once per synth, keeping only the names under code/ and its top-level modules. */
export function readLocalArchive(archivePath: string): LocalArchiveContents {
  const stat = fs.statSync(archivePath);
  const key = `${archivePath}\0${stat.size}\0${stat.mtimeMs}`;
  let contents = cache.get(key);
  if (!contents) {
    contents = read(archivePath);
    cache.set(key, contents);
  }
  return contents;
}

function read(archivePath: string): LocalArchiveContents {
  const codeEntries: string[] = [];
  const codeModules = new Map<string, Buffer>();
  try {
    tar.t({
      file: archivePath,
      sync: true,
      strict: true,
      onReadEntry: (entry) => {
        const name = normalizeEntryName(entry.path);
        if (!isCodeEntry(name)) return;
        codeEntries.push(entry.path);
        if (entry.type !== 'File' || !/^code\/[^/]+\.py$/.test(name)) return;
        const chunks: Buffer[] = [];
        entry.on('data', (chunk: Buffer) => chunks.push(chunk));
        entry.on('end', () => { codeModules.set(name, Buffer.concat(chunks)); });
      },
    });
  } catch (error) {
    // tar's messages carry their code (TAR_BAD_ARCHIVE: Unrecognized archive format), sometimes wrapped by an
    // 'Unhandled error' of the event emitter: keep the tar part.
    const message = error instanceof Error ? error.message : String(error);
    const reason = (/TAR_[A-Z_]+:[^)\n]*/.exec(message)?.[0] ?? message.split('\n')[0]).slice(0, 200);
    return { unreadable: `${archivePath} cannot be read as a tar.gz (${reason}); build it with \`tar czf model.tar.gz -C <model dir> .\`.`, codeEntries, codeModules };
  }
  return { codeEntries, codeModules };
}

/**
 * What is wrong with a local `model.tar.gz` served without injected code, or undefined: it must hold
 * `code/<entryPoint>` (without it the PyTorch serving container silently uses its default handlers, which load
 * `model.pt` as TorchScript and answer JSON with `model(tensor)`), and that file must pass the same checks as
 * `InferenceCode.fromDirectory`.
 *
 * @param archivePath absolute path of the archive
 * @param entryPoint the handler module under code/ (`SAGEMAKER_PROGRAM`, the endpoint's `entryPoint`)
 */
export function servedArchiveProblem(archivePath: string, entryPoint: string): string | undefined {
  const contents = readLocalArchive(archivePath);
  if (contents.unreadable) return contents.unreadable;
  const wanted = `code/${entryPoint}`;
  const script = contents.codeModules.get(wanted);
  if (script === undefined) {
    return `${archivePath} has no ${wanted}, and no inferenceCode is given: the PyTorch serving container would silently use ` +
      `its default handlers. Add ${wanted} to the archive, or give inferenceCode: InferenceCode.fromDirectory('<dir with ${entryPoint}>') (PytorchCustomEndpoint) to inject it.`;
  }
  return inferenceScriptProblem(`${wanted} in ${archivePath}`, script.toString('utf8'));
}

/**
 * What is wrong with injecting code into a local archive with `strategy` (the engine's name), or undefined: no
 * strategy reads an archive that is not a tar.gz, and SCAN refuses an archive that already holds `code/` (it never replaces entries; the `inject-code` CLI refuses the same
 * archive), which the deploy would learn only when the injection function runs.
 */
export function injectionProblem(archivePath: string, strategy: string): string | undefined {
  const contents = readLocalArchive(archivePath);
  // Every strategy refuses an archive that is not a tar.gz.
  if (contents.unreadable) return contents.unreadable;
  if (strategy !== 'scan' || contents.codeEntries.length === 0) return undefined;
  const shown = contents.codeEntries.slice(0, 3).join(', ') + (contents.codeEntries.length > 3 ? ', ...' : '');
  return `${archivePath} already holds code/ (${shown}), and InjectionStrategy.SCAN never replaces it: the injection would fail at deploy ` +
    "time, as 'cdk-pytorch-sagemaker inject-code --strategy scan' fails on this archive now. Use InjectionStrategy.AUTO or STREAM " +
    '(both replace the old code/), or build the archive without code/.';
}
