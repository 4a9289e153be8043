// `npm test` runs ESLint with the project's config before jest; this canary proves that the config's import-cycle
// rule really fires (a rule that never fires would let the areas' one-way layering rot unnoticed).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';

const ROOT = path.join(__dirname, '..');

test('npm test runs ESLint before jest', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  // jest runs last, through node for its young-generation flag (CONTRIBUTING.md, what keeps the suite fast).
  expect(pkg.scripts.test).toMatch(/npm run lint && node --max-semi-space-size=\d+ node_modules\/jest\/bin\/jest\.js$/);
  expect(pkg.scripts.lint).toBe('eslint --max-warnings 0 .');
});

test('the import-cycle rule reports a planted cycle, and accepts one-way imports', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lint-cycle-'));
  fs.writeFileSync(path.join(dir, 'a.ts'), "import { b } from './b';\nexport const a = (): number => b() + 1;\n");
  fs.writeFileSync(path.join(dir, 'b.ts'), "import { a } from './a';\nexport const b = (): number => a() - 1;\n");
  fs.writeFileSync(path.join(dir, 'c.ts'), "import { d } from './d';\nexport const c = (): number => d() + 1;\n");
  fs.writeFileSync(path.join(dir, 'd.ts'), 'export const d = (): number => 1;\n');
  // The CLI in a child process: ESLint loads its flat config with a dynamic import, which jest's VM does not allow.
  const run = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'eslint'),
    ['--config', path.join(ROOT, 'eslint.config.mjs'), '--format', 'json', 'a.ts', 'b.ts', 'c.ts', 'd.ts'], { cwd: dir, encoding: 'utf8' });
  const results: Array<{ filePath: string; messages: Array<{ ruleId: string }> }> = JSON.parse(run.stdout);
  const cycles = results.flatMap((r) => r.messages.filter((m) => m.ruleId === 'import-x/no-cycle').map(() => path.basename(r.filePath)));
  expect(run.status).toBe(1);
  expect(cycles.sort()).toEqual(['a.ts', 'b.ts']);
});
