// Every TypeScript snippet in the README is a complete program (its imports, the variables it uses) and compiles
// against the library as it is now, so that a snippet can never rot. The snippets are read from README.md itself and
// type-checked in memory, with `cdk-pytorch-sagemaker` resolved to lib/index.ts.
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.join(__dirname, '..');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** The ```ts blocks of a Markdown text, with the line each starts on. */
export function typescriptSnippets(markdown: string): Array<{ line: number; code: string }> {
  const snippets: Array<{ line: number; code: string }> = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i])) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end])) end++;
    snippets.push({ line: start + 1, code: lines.slice(start, end).join('\n') });
    i = end;
  }
  return snippets;
}

/** Snippets that must NOT compile: they prove the check can fail. */
const BROKEN = [
  { line: 1, code: "import { PytorchCustomEndpoint } from 'cdk-pytorch-sagemaker';\nnew PytorchCustomEndpoint(stack, 'E', {});" },
  { line: 10, code: "import { App, Stack } from 'aws-cdk-lib';\nimport { PytorchCustomEndpoint } from 'cdk-pytorch-sagemaker';\nnew PytorchCustomEndpoint(new Stack(new App(), 'S'), 'E', { modle: 1 });" },
];

type Snippet = { line: number; code: string };

/**
 * Type-checks groups of snippets, each snippet a separate module, in ONE program (aws-cdk-lib's declarations are
 * large: parsing them once keeps this fast); returns one message per diagnostic and group, naming the README line.
 */
function compile(groups: Record<string, Snippet[]>): Record<string, string[]> {
  const files = new Map<string, Snippet & { group: string }>();
  for (const [group, snippets] of Object.entries(groups)) {
    snippets.forEach((s, i) => files.set(path.join(ROOT, 'test', '__readme__', `${group}-${i + 1}.ts`), { ...s, group }));
  }
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10,
    lib: ['lib.es2022.d.ts'], types: ['node'], strict: true, noEmit: true, skipLibCheck: true, esModuleInterop: true,
    baseUrl: ROOT, paths: { 'cdk-pytorch-sagemaker': ['lib/index.ts'] }, ignoreDeprecations: '6.0',
  };
  const host = ts.createCompilerHost(options);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (f) => files.has(f) || fileExists(f);
  host.readFile = (f) => files.get(f)?.code ?? readFile(f);
  host.getSourceFile = (f, lang, onError, create) => {
    const snippet = files.get(f);
    return snippet ? ts.createSourceFile(f, snippet.code, lang) : getSourceFile(f, lang, onError, create);
  };
  const program = ts.createProgram([...files.keys()], options, host);
  const out: Record<string, string[]> = Object.fromEntries(Object.keys(groups).map((g) => [g, []]));
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const snippet = d.file && files.get(d.file.fileName);
    const where = snippet && d.start !== undefined ? `README.md:${snippet.line + d.file!.getLineAndCharacterOfPosition(d.start).line}` : d.file?.fileName ?? '';
    // A diagnostic outside the snippets (the library itself, the options) counts against the README.
    out[snippet?.group ?? 'readme'].push(`${where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
  }
  return out;
}

const results = compile({ readme: typescriptSnippets(README), broken: BROKEN });

test('the README has TypeScript snippets, each a complete program that compiles', () => {
  expect(typescriptSnippets(README).length).toBeGreaterThanOrEqual(6);
  expect(results.readme).toEqual([]);
});

test('the check fails for a snippet that uses a variable it does not define, or a prop that does not exist', () => {
  expect(results.broken).toEqual([
    expect.stringMatching(/^README\.md:2: Cannot find name 'stack'/),
    expect.stringMatching(/^README\.md:12: .*'modle' does not exist/s),
  ]);
});
