import * as fs from 'fs';
import * as path from 'path';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/**
 * The directory holding the esbuild bundle of a Lambda handler shipped in `assets/handlers/<name>`.
 *
 * Handlers are bundled when the package is built (`npm run bundle`, also run by `npm ci` through `prepare`),
 * so a consumer of the package needs neither esbuild nor Docker at synth time.
 */
export function handlerAssetPath(name: string): string {
  // lib/common/handler-code.{ts,js} -> <package root>/assets/handlers/<name>
  const dir = path.join(__dirname, '..', '..', 'assets', 'handlers', name);
  if (!fs.existsSync(path.join(dir, 'index.js'))) {
    throw new Error(`The bundled Lambda handler '${name}' is missing at ${dir}: run 'npm run bundle' in the package root.`);
  }
  return dir;
}

/** Lambda code for a bundled handler (entry point `index.handler`). */
export function handlerCode(name: string): lambda.Code {
  return lambda.Code.fromAsset(handlerAssetPath(name));
}
