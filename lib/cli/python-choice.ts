/**
 * Which Python `invoke-local` runs the model in. The SageMaker PyTorch serving container has torch, so a local run
 * is only meaningful in a Python that has it too: the one given with --python, else the first of the usual
 * candidates that can import torch. Each candidate is asked once, with `importlib.util.find_spec` (it finds torch
 * without importing it: 50 ms instead of a second or more per candidate).
 */
import { spawn } from 'child_process';
import * as path from 'path';
import { CliError } from './errors';

/**
 * The candidates, in order: the project's own virtual environment (`.venv` in the working directory, the common
 * layout), then `python3` and `python` as the PATH finds them (an activated virtualenv, conda or pyenv comes first
 * there), then the system interpreters a version manager may hide (`/usr/local/bin/python3`, `/usr/bin/python3`:
 * Debian's `python3-torch` is installed for the latter).
 */
export function defaultPythonCandidates(cwd: string = process.cwd()): string[] {
  return [path.join(cwd, '.venv', 'bin', 'python3'), 'python3', 'python', '/usr/local/bin/python3', '/usr/bin/python3'];
}

/** What one interpreter says about itself. */
export interface PythonProbe {
  /** As given or tried (e.g. `python3`). */
  readonly command: string;
  /** `sys.executable`, or undefined when it did not run. */
  readonly executable?: string;
  /** The interpreter file behind `executable` (symbolic links resolved): `python` and `python3` often share one. */
  readonly realPath?: string;
  /** e.g. `3.11.7`. */
  readonly version?: string;
  /** Whether it is Python 3.8 or newer (what the runner needs). */
  readonly usable: boolean;
  /** Whether it can import torch. */
  readonly hasTorch: boolean;
  /** torch's version, when its distribution metadata says. */
  readonly torchVersion?: string;
  /** Why it cannot be used: 'not found', 'not Python 3.8+', ... */
  readonly problem?: string;
}

/** The interpreter chosen, and what was tried to find it. */
export interface ChosenPython {
  readonly probe: PythonProbe;
  /** True when the user gave it with --python. */
  readonly given: boolean;
  /** Every candidate asked before (and including) the chosen one; all of them when none has torch. */
  readonly tried: readonly PythonProbe[];
}

const PROBE = `
import importlib.util, json, os, sys
out = {"executable": sys.executable, "real": os.path.realpath(sys.executable), "version": "%d.%d.%d" % tuple(sys.version_info[:3]), "usable": sys.version_info >= (3, 8)}
out["torch"] = out["usable"] and importlib.util.find_spec("torch") is not None
if out["torch"]:
    try:
        from importlib.metadata import version
        out["torchVersion"] = version("torch")
    except Exception:
        pass
print(json.dumps(out))
`;

/** Asks `command` what it is; never throws. */
export function probePython(command: string): Promise<PythonProbe> {
  return new Promise((resolve) => {
    let stdout = '';
    const child = spawn(command, ['-c', PROBE], { stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString('utf8'); });
    child.once('error', (error: NodeJS.ErrnoException) => {
      resolve({ command, usable: false, hasTorch: false, problem: error.code === 'ENOENT' ? 'not found' : `cannot be run (${error.code ?? error.message})` });
    });
    child.once('close', (code) => {
      let parsed: { executable?: string; real?: string; version?: string; usable?: boolean; torch?: boolean; torchVersion?: string } | undefined;
      try {
        parsed = code === 0 ? JSON.parse(stdout.trim().split('\n').pop() ?? '') : undefined;
      } catch {
        parsed = undefined;
      }
      if (!parsed) {
        resolve({ command, usable: false, hasTorch: false, problem: `is not Python 3.8 or newer (it exited with code ${code})` });
        return;
      }
      resolve({
        command,
        executable: parsed.executable,
        realPath: parsed.real,
        version: parsed.version,
        usable: parsed.usable === true,
        hasTorch: parsed.torch === true,
        torchVersion: parsed.torchVersion,
        problem: parsed.usable ? undefined : `is Python ${parsed.version}, not 3.8 or newer`,
      });
    });
  });
}

/** `python3 (/usr/bin/python3, 3.11.2)`: what was tried, as the user can find it again. */
export function describeProbe(probe: PythonProbe): string {
  if (!probe.executable) return `${probe.command} (${probe.problem})`;
  const where = probe.executable === probe.command ? probe.command : `${probe.command} (${probe.executable})`;
  return `${where}: ${probe.problem ?? (probe.hasTorch ? `torch ${probe.torchVersion ?? 'found'}` : 'no torch')}`;
}

/**
 * The Python to run the model in: `given` when set (it must run; without torch it is still used, and the caller
 * warns), else the first candidate with torch, else the first usable candidate (the caller warns: a model that needs
 * torch cannot load there). Candidates that resolve to an interpreter already asked are skipped.
 */
export async function choosePython(given: string | undefined, candidates: readonly string[] = defaultPythonCandidates()): Promise<ChosenPython> {
  if (given !== undefined) {
    const probe = await probePython(given);
    if (probe.problem === 'not found') {
      throw new CliError(`--python ${given} was not found: give the path of a Python 3.8+ with torch (e.g. .venv/bin/python3).`, 'PYTHON_NOT_FOUND');
    }
    if (!probe.usable) throw new CliError(`--python ${given} ${probe.problem}: give the path of a Python 3.8+ with torch.`, 'PYTHON_NOT_RUNNABLE');
    return { probe, given: true, tried: [probe] };
  }
  const tried: PythonProbe[] = [];
  const seen = new Set<string>();
  for (const command of candidates) {
    const probe = await probePython(command);
    if (probe.realPath !== undefined && seen.has(probe.realPath)) continue;
    if (probe.realPath !== undefined) seen.add(probe.realPath);
    tried.push(probe);
    if (probe.usable && probe.hasTorch) return { probe, given: false, tried };
  }
  const usable = tried.find((p) => p.usable);
  if (!usable) {
    throw new CliError(`no Python 3.8 or newer was found (tried ${tried.map(describeProbe).join('; ')}): install Python 3 with torch, ` +
      'or give one with --python PATH.', 'PYTHON_NOT_FOUND');
  }
  return { probe: usable, given: false, tried };
}

/**
 * The warning for a chosen Python without torch, or undefined: a model that imports torch cannot load there,
 * although it would in the serving container, which has torch.
 */
export function noTorchWarning(chosen: ChosenPython): string | undefined {
  if (chosen.probe.hasTorch) return undefined;
  const which = chosen.given ? `--python ${describeProbe(chosen.probe)}` : `no Python here has torch (tried ${chosen.tried.map(describeProbe).join('; ')})`;
  return `${which}: running in ${chosen.probe.executable}, where code that imports torch cannot run, although the SageMaker ` +
    'PyTorch serving container has torch; give a Python with torch with --python PATH (e.g. python3 -m venv .venv && .venv/bin/pip install torch numpy).';
}

/** The error for a model that could not import torch (or numpy) in `chosen`: about this machine, not the model. */
export function missingModuleError(chosen: ChosenPython, module: string): CliError {
  const tried = chosen.given ? '' : ` (tried ${chosen.tried.map(describeProbe).join('; ')})`;
  return new CliError(`${chosen.probe.executable} cannot import ${module}, which the SageMaker PyTorch serving container has: ` +
    `this is about the Python on this machine, not your model${tried}. Run again with a Python that has ${module}: ` +
    '--python PATH (e.g. python3 -m venv .venv && .venv/bin/pip install torch numpy).', 'PYTHON_LACKS_MODULE');
}
