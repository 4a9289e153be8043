// Which archive entries are inference code: shared by the injection engine (which refuses, or replaces, code/
// entries) and the synth-time read of a local archive, so that synth refuses exactly what the engine would. No
// aws-cdk-lib import: the engine's bundles include this file. Internal: not exported from lib/index.ts.

/** An entry name as the engine compares it: empty and `.` parts dropped (`./code/inference.py` -> `code/inference.py`). */
export function normalizeEntryName(name: string): string {
  return name.split('/').filter((part) => part !== '' && part !== '.').join('/');
}

/** True for `code` and everything under `code/` (after normalisation). */
export function isCodeEntry(normalizedName: string): boolean {
  return normalizedName === 'code' || normalizedName.startsWith('code/');
}
