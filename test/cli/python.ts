/**
 * The Pythons the invoke-local tests run: `python3` (any Python 3.8+: every handler test that needs no torch)
 * and one with torch (the container's default handlers, TorchScript models, the example's trained model).
 *
 * A Python with torch is looked for in $INVOKE_LOCAL_TORCH_PYTHON, /usr/bin/python3 (Debian's python3-torch, which
 * .ci/run installs) and python3. Under CI=true a missing one fails the tests that need it; elsewhere they are
 * skipped, and the skip is printed with the list of skipped tests, never silent.
 */
import { spawnSync } from 'child_process';

/** The interpreter's own path (sys.executable) when `code` runs in it: a pyenv shim costs a second per start. */
function resolve(python: string, code: string): string | undefined {
  const r = spawnSync(python, ['-c', `${code}\nimport sys; print(sys.executable)`], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
}

const TORCH_CANDIDATES = [process.env.INVOKE_LOCAL_TORCH_PYTHON, '/usr/bin/python3', 'python3'].filter((p): p is string => !!p);

/** A Python 3.8 or newer, or undefined. */
export const PLAIN_PYTHON: string | undefined = resolve('python3', 'import sys; assert sys.version_info >= (3, 8)');

/** A Python with torch and numpy, or undefined. */
export const TORCH_PYTHON: string | undefined = TORCH_CANDIDATES.map((python) => resolve(python, 'import torch, numpy')).find((p) => p !== undefined);

const skipped: string[] = [];
const inCi = process.env.CI === 'true';

/**
 * `test` when `python` exists; otherwise a test that fails under CI=true (a missing Python there is a broken CI
 * setup, not a pass) and a reported skip elsewhere.
 */
export function testWith(python: string | undefined, what: string): (name: string, fn: (python: string) => void | Promise<void>, timeout?: number) => void {
  return (name, fn, timeout) => {
    if (python !== undefined) {
      // The test returns what fn returns: an async test is awaited, not left running after it 'passed'.
      test(name, async () => { await fn(python); }, timeout);
    } else if (inCi) {
      test(name, () => {
        throw new Error(`CI=true but no ${what} was found (tried ${what === 'Python with torch' ? TORCH_CANDIDATES.join(', ') : 'python3'}): .ci/run must install it.`);
      });
    } else {
      skipped.push(`${name} (needs a ${what})`);
      test.skip(name, () => undefined);
    }
  };
}

afterAll(() => {
  if (skipped.length > 0) {
    console.warn(`invoke-local: ${skipped.length} test(s) SKIPPED here (they run, and must pass, under CI=true):\n  ${skipped.join('\n  ')}`);
  }
});
