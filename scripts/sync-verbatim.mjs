// Rewrites every block after a `<!-- verbatim: <file> -->` marker in README.md and docs/*.md with that file's
// current text, so that the starting code shown in the docs is the code `init` writes
// (test/docs-starting-code.test.ts fails when a block is stale).   node scripts/sync-verbatim.mjs
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const docs = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
for (const doc of docs) {
  const before = readFileSync(join(root, doc), 'utf8');
  const after = before.replace(/(<!-- verbatim: (\S+) -->\n```[a-z]*\n)[\s\S]*?(```\n)/g,
    (_match, head, file, tail) => `${head}${readFileSync(join(root, file), 'utf8')}${tail}`);
  if (after !== before) {
    writeFileSync(join(root, doc), after);
    console.log(`updated ${doc}`);
  }
}
