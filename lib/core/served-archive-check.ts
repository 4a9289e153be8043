// The synth-time check of a local model.tar.gz that an endpoint serves as it is (ModelData.fromAsset without
// inferenceCode): the archive is on this machine, so read it now instead of learning at deploy time that the
// container fell back to its default handlers. Internal: not exported from lib/index.ts.
import * as fs from 'fs';
import * as tar from 'tar';
import { inferenceScriptProblem } from '../common/inference-script';

/** Results by path, size and modification time: a synth that binds the same archive twice reads it once. */
const cache = new Map<string, string | undefined>();

/**
 * What is wrong with a local `model.tar.gz` served without injected code, or undefined: it must hold
 * `code/<entryPoint>` (without it the PyTorch serving container silently uses its default handlers, which load
 * `model.pt` as TorchScript and answer JSON with `model(tensor)`), and that file must pass the same checks as
 * `InferenceCode.fromDirectory`. Reads (inflates) the whole archive once per synth.
 *
 * @param archivePath absolute path of the archive
 * @param entryPoint the handler module under code/ (`SAGEMAKER_PROGRAM`, the endpoint's `entryPoint`)
 */
export function servedArchiveProblem(archivePath: string, entryPoint: string): string | undefined {
  const stat = fs.statSync(archivePath);
  const key = `${archivePath}\0${stat.size}\0${stat.mtimeMs}\0${entryPoint}`;
  if (!cache.has(key)) cache.set(key, readProblem(archivePath, entryPoint));
  return cache.get(key);
}

function readProblem(archivePath: string, entryPoint: string): string | undefined {
  const wanted = `code/${entryPoint}`;
  let script: Buffer | undefined;
  try {
    tar.t({
      file: archivePath,
      sync: true,
      strict: true,
      onReadEntry: (entry) => {
        // Archives made with `tar czf model.tar.gz -C dir .` name their entries ./code/inference.py.
        if (entry.type !== 'File' || entry.path.replace(/^(\.\/)+/, '') !== wanted) return;
        const chunks: Buffer[] = [];
        entry.on('data', (chunk: Buffer) => chunks.push(chunk));
        entry.on('end', () => { script = Buffer.concat(chunks); });
      },
    });
  } catch (error) {
    // tar's messages carry their code (TAR_BAD_ARCHIVE: Unrecognized archive format), sometimes wrapped by an
    // 'Unhandled error' of the event emitter: keep the tar part.
    const message = error instanceof Error ? error.message : String(error);
    const reason = (/TAR_[A-Z_]+:[^)\n]*/.exec(message)?.[0] ?? message.split('\n')[0]).slice(0, 200);
    return `${archivePath} cannot be read as a tar.gz (${reason}); ` +
      'build it with `tar czf model.tar.gz -C <model dir> .`.';
  }
  if (script === undefined) {
    return `${archivePath} has no ${wanted}, and no inferenceCode is given: the PyTorch serving container would silently use ` +
      `its default handlers. Add ${wanted} to the archive, or give inferenceCode: InferenceCode.fromDirectory('<dir with ${entryPoint}>') (PytorchCustomEndpoint) to inject it.`;
  }
  return inferenceScriptProblem(`${wanted} in ${archivePath}`, script.toString('utf8'));
}
