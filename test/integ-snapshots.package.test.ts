// The integration tests (test/integ/integ.*.ts) deploy for real only with AWS credentials (scripts/integ.mjs
// deploy). Offline, each is synthesized here and its templates compared with the committed snapshot, so any template
// change shows up as a snapshot diff to review: refresh with `node scripts/integ.mjs snapshot` when it is intended.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const INTEG_DIR = path.join(__dirname, 'integ');
const TESTS = fs.readdirSync(INTEG_DIR).filter((f) => /^integ\..+\.ts$/.test(f)).sort();

/**
 * What changes between two syntheses of the same app, and is not what a reviewer reads: asset hashes (every handler or
 * model-archive byte), the assertions' `salt` (the time of synthesis, which makes them run on every deploy) and the
 * hash in their output names (it covers token numbers, which depend on what the process created before).
 */
function normalized(template: string): unknown {
  return JSON.parse(template.replace(/[0-9a-f]{64}/g, '<asset-hash>'), (key, value) => {
    if (key === 'salt') return '<salt>';
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.replace(/^(AssertionResults\w*?)[0-9a-f]{32}$/, '$1<hash>'), v]));
    }
    return value;
  });
}

function templates(dir: string): Map<string, unknown> {
  return new Map(fs.readdirSync(dir).filter((f) => f.endsWith('.template.json')).sort()
    .map((f) => [f, normalized(fs.readFileSync(path.join(dir, f), 'utf8'))]));
}

test('every example has an integration test', () => {
  const examples = fs.readdirSync(path.join(__dirname, '..', 'examples'), { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(__dirname, '..', 'examples', e.name, 'stack.ts'))).map((e) => e.name);
  expect(examples.length).toBeGreaterThan(0);
  expect(examples.filter((name) => !TESTS.includes(`integ.${name}.ts`))).toEqual([]);
});

describe.each(TESTS)('%s', (file) => {
  test('synthesizes the committed snapshot, with assertions that fail the deployment', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'integ-'));
    const saved = process.env.CDK_OUTDIR;
    process.env.CDK_OUTDIR = out;
    try {
      // The integ app synthesizes on import, into CDK_OUTDIR (each file is its own module, so it runs once; the
      // libraries stay loaded between them, which keeps this fast).
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(path.join(INTEG_DIR, file));
    } finally {
      if (saved === undefined) delete process.env.CDK_OUTDIR;
      else process.env.CDK_OUTDIR = saved;
    }
    const snapshot = path.join(INTEG_DIR, `${file}.snapshot`);
    expect(fs.existsSync(snapshot)).toBe(true);
    const fresh = templates(out);
    const committed = templates(snapshot);
    expect([...fresh.keys()]).toEqual([...committed.keys()]);
    for (const [name, template] of fresh) expect({ [name]: template }).toEqual({ [name]: committed.get(name) });

    const assertStack = [...fresh.entries()].find(([name]) => name.includes('DeployAssert'))![1] as { Resources: Record<string, { Type: string; Properties?: { failDeployment?: boolean } }> };
    const assertions = Object.values(assertStack.Resources).filter((r) => r.Type === 'Custom::DeployAssert@AssertEquals');
    expect(assertions.length).toBeGreaterThan(0);
    expect(assertions.every((r) => r.Properties?.failDeployment === true)).toBe(true);
    fs.rmSync(out, { recursive: true, force: true });
  });
});
