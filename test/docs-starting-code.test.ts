/**
 * The starting code shown in the README and the shipped docs is the code `init` writes (issue 20, item 3): each
 * block after a `<!-- verbatim: templates/... -->` marker must equal that template file, so the two cannot drift.
 */
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');

/** The marked blocks of a Markdown file: the template they quote and their text. */
function verbatimBlocks(markdown: string): Array<{ file: string; text: string }> {
  const blocks: Array<{ file: string; text: string }> = [];
  const re = /<!-- verbatim: (\S+) -->\n```[a-z]*\n([\s\S]*?)```\n/g;
  for (const match of markdown.matchAll(re)) blocks.push({ file: match[1], text: match[2] });
  return blocks;
}

const DOCS = ['README.md', ...fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

test('the README and docs/getting-started.md show inference.py, and getting-started train.py, as init writes them', () => {
  const quoted = (doc: string) => verbatimBlocks(fs.readFileSync(path.join(ROOT, doc), 'utf8')).map((b) => b.file);
  expect(quoted('README.md')).toContain('templates/common/serving/inference.py');
  expect(quoted('docs/getting-started.md')).toEqual(expect.arrayContaining([
    'templates/common/serving/inference.py', 'templates/train-and-serve/training/train.py', 'templates/train-and-serve/bin/app.ts.tmpl',
  ]));
});

test.each(DOCS)('%s: every verbatim block equals its template file', (doc) => {
  const markdown = fs.readFileSync(path.join(ROOT, doc), 'utf8');
  // A marker whose block the pattern does not find (a changed fence) must not pass unnoticed.
  expect(verbatimBlocks(markdown)).toHaveLength((markdown.match(/<!-- verbatim: /g) ?? []).length);
  // When a template changed: node scripts/sync-verbatim.mjs rewrites the blocks.
  for (const block of verbatimBlocks(markdown)) {
    expect({ file: block.file, text: block.text }).toEqual({ file: block.file, text: fs.readFileSync(path.join(ROOT, block.file), 'utf8') });
  }
});

test('the check can fail: a block that differs from its file is found', () => {
  const markdown = '<!-- verbatim: templates/common/serving/inference.py -->\n```python\nimport json\n```\n';
  const [block] = verbatimBlocks(markdown);
  expect(block.text).not.toBe(fs.readFileSync(path.join(ROOT, block.file), 'utf8'));
});
