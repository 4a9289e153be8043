/**
 * What a jest file that runs inject-code through the CLI and judges it with the three readers sets up: its own work
 * folder, one readers worker, and a code folder holding one `inference.py`; both closed and removed after the file.
 * (The fuzz campaign outside jest, run.ts, has its own context: campaign.ts.)
 */
import * as fs from 'fs';
import * as path from 'path';
import { tempDir } from '../engine/archive-helpers';
import { Readers } from './readers';

export interface CliTestBench {
  readonly work: string;
  readonly readers: Readers;
  /** The `--code` folder. */
  readonly codeDir: string;
  /** Its files, as the engine's new entries are compared with them. */
  readonly code: Array<{ path: string; data: Buffer }>;
}

export function cliTestBench(prefix: string): CliTestBench {
  const work = tempDir(prefix);
  const readers = new Readers();
  afterAll(() => {
    readers.close();
    fs.rmSync(work, { recursive: true, force: true });
  });
  const codeDir = path.join(work, 'code');
  fs.mkdirSync(codeDir);
  const inference = Buffer.from('def model_fn(model_dir):\n    return None\n');
  fs.writeFileSync(path.join(codeDir, 'inference.py'), inference);
  return { work, readers, codeDir, code: [{ path: 'inference.py', data: inference }] };
}
