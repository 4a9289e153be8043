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

/** The last program: the next one reuses its parsed library files (aws-cdk-lib's declarations are large). */
let previous: ts.Program | undefined;

/** Type-checks snippets as separate modules; returns one message per diagnostic, naming the README line. */
function compile(snippets: Array<{ line: number; code: string }>): string[] {
  const files = new Map(snippets.map((s, i) => [path.join(ROOT, 'test', '__readme__', `snippet-${i + 1}.ts`), s]));
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
  const program = ts.createProgram([...files.keys()], options, host, previous);
  previous = program;
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const snippet = d.file && files.get(d.file.fileName);
    const where = snippet && d.start !== undefined ? `README.md:${snippet.line + d.file!.getLineAndCharacterOfPosition(d.start).line}` : d.file?.fileName ?? '';
    return `${where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

test('the README has TypeScript snippets, each a complete program that compiles', () => {
  const snippets = typescriptSnippets(README);
  expect(snippets.length).toBeGreaterThanOrEqual(6);
  expect(compile(snippets)).toEqual([]);
});

test('the check fails for a snippet that uses a variable it does not define, or a prop that does not exist', () => {
  const problems = compile([
    { line: 1, code: "import { PytorchCustomEndpoint } from 'cdk-pytorch-sagemaker';\nnew PytorchCustomEndpoint(stack, 'E', {});" },
    { line: 10, code: "import { App, Stack } from 'aws-cdk-lib';\nimport { PytorchCustomEndpoint } from 'cdk-pytorch-sagemaker';\nnew PytorchCustomEndpoint(new Stack(new App(), 'S'), 'E', { modle: 1 });" },
  ]);
  expect(problems).toEqual([
    expect.stringMatching(/^README\.md:2: Cannot find name 'stack'/),
    expect.stringMatching(/^README\.md:12: .*'modle' does not exist/s),
  ]);
});
