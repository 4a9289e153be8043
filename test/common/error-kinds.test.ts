// How the library raises errors, checked on its source: a user's bad input is a ValidationError naming the construct
// (its scope is a required argument, so the compiler enforces the path) or, in a static factory that runs before any
// construct exists, an UnscopedValidationError naming the call. A bare `Error` says neither, so none may be raised by
// construct code except the few internal invariants below. The bundled code (Lambda handlers, their runtime, the
// injection engine, the CLI) has its own errors and codes and is not checked here.
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.join(__dirname, '..', '..');
const LIB = path.join(ROOT, 'lib');

/** Folders bundled by esbuild (scripts/bundle.mjs) rather than run while constructs are built. */
const BUNDLED = new Set(['lib/cli', 'lib/packaging/engine']);
const BUNDLED_NAMES = new Set(['handlers', 'runtime']);

/** JavaScript's own error classes: none says which construct or call a problem is about. */
const BUILTIN_ERRORS = new Set(['Error', 'TypeError', 'RangeError', 'SyntaxError', 'ReferenceError', 'EvalError', 'URIError', 'AggregateError']);

/**
 * The bare errors allowed: none is caused by what a user gave a construct. Each entry is a file and the start of the
 * message, so the entry goes stale (and this test fails) when the line moves away or changes its words.
 */
const ALLOWED: ReadonlyArray<{ file: string; message: string }> = [
  // The package itself is incomplete (a source checkout that never ran `npm run bundle`): not a construct's input;
  // the message says the fix, and a published package always holds its bundles.
  { file: 'lib/common/handler-code.ts', message: 'The bundled Lambda handler' },
  // An invariant of the endpoint configuration's renderer: a mode that serves one model always passes it.
  { file: 'lib/hosting/endpoint-config.ts', message: 'internal error: ' },
  // Control flow, not a report: thrown to stop an exact search, caught a few lines below, never seen by a user.
  { file: 'lib/fleet/fleet-rules.ts', message: 'placement search too long' },
];

interface BareError {
  readonly file: string;
  readonly line: number;
  /** The message's first literal words (a template's text up to its first substitution). */
  readonly message: string;
}

function isBundled(relative: string): boolean {
  const parts = relative.split('/');
  return BUNDLED.has(parts.slice(0, 2).join('/')) || BUNDLED.has(parts.slice(0, 3).join('/')) || parts.some((p) => BUNDLED_NAMES.has(p));
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    const relative = path.relative(ROOT, full).split(path.sep).join('/');
    if (isBundled(relative)) return [];
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [relative] : [];
  });
}

function literalStart(node: ts.Expression | undefined): string {
  if (!node) return '';
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node)) return node.head.text;
  if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken) return literalStart(node.left);
  if (ts.isParenthesizedExpression(node)) return literalStart(node.expression);
  return '';
}

/** Every `new Error(...)` or `Error(...)` (and the other built-in error classes) in a TypeScript source text. */
function bareErrors(file: string, text: string): BareError[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: BareError[] = [];
  const visit = (node: ts.Node) => {
    if ((ts.isNewExpression(node) || ts.isCallExpression(node)) && ts.isIdentifier(node.expression) && BUILTIN_ERRORS.has(node.expression.text)) {
      found.push({
        file,
        line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1,
        message: literalStart(node.arguments?.[0]),
      });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const FILES = sourceFiles(LIB);
const FOUND = FILES.flatMap((file) => bareErrors(file, fs.readFileSync(path.join(ROOT, file), 'utf8')));
const isAllowed = (e: BareError) => ALLOWED.some((a) => a.file === e.file && e.message.startsWith(a.message));

describe('no construct code raises a bare Error', () => {
  test('the scan reads the construct code and leaves the bundled code out', () => {
    expect(FILES).toEqual(expect.arrayContaining(['lib/core/instance-type.ts', 'lib/training/training-job.ts', 'lib/hosting/realtime-endpoint.ts']));
    expect(FILES.filter((f) => /\/(handlers|runtime)\/|^lib\/cli\/|^lib\/packaging\/engine\//.test(f))).toEqual([]);
  });

  test('the scanner finds every form: new, call, multi-line, template, concatenation, other built-ins', () => {
    const text = [
      "throw new Error('a');",
      'throw Error(`b ${x}`);',
      "const e = new TypeError(\n  'c' + d,\n);",
      'throw new RangeError(message);',
      "throw new ValidationError('fine', this);",
      "throw new UnscopedValidationError('fine');",
    ].join('\n');
    expect(bareErrors('x.ts', text)).toEqual([
      { file: 'x.ts', line: 1, message: 'a' },
      { file: 'x.ts', line: 2, message: 'b ' },
      { file: 'x.ts', line: 3, message: 'c' },
      { file: 'x.ts', line: 6, message: '' },
    ]);
  });

  test('every bare error is an allowed internal one', () => {
    expect(FOUND.filter((e) => !isAllowed(e)).map((e) => `${e.file}:${e.line} ${e.message}`)).toEqual([]);
  });

  test('every allowance is still used (an unused one would let a new bare error through unnoticed)', () => {
    for (const allowed of ALLOWED) {
      expect(FOUND.filter((e) => e.file === allowed.file && e.message.startsWith(allowed.message))).not.toEqual([]);
    }
  });
});
