/**
 * The installed package's own files, found from the bundle (assets/cli/main.js) as from the sources (lib/cli):
 * both are two folders below the package root.
 */
import * as fs from 'fs';
import * as path from 'path';

/** The package root: where package.json, docs/ and templates/ are. */
export const PACKAGE_ROOT = path.join(__dirname, '..', '..');

/** What the CLI reads from the package's package.json. */
export interface PackageJson {
  readonly name: string;
  readonly version: string;
  readonly peerDependencies?: { readonly [name: string]: string };
  readonly devDependencies?: { readonly [name: string]: string };
}

/** The package's package.json. */
export function packageJson(): PackageJson {
  return JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8'));
}
