#!/usr/bin/env node
// Integration tests (test/integ/integ.*.ts, the aws-cdk convention: an app with an IntegTest and its assertions).
//
//   node scripts/integ.mjs snapshot [name...]   synthesizes each test into test/integ/<file>.snapshot (offline);
//                                                npm test compares fresh templates with these (integ-snapshots.package.test.ts)
//   node scripts/integ.mjs deploy [name...]     deploys each test's stacks with the CDK CLI (needs AWS credentials),
//                                                which runs its assertions (a failed assertion fails the deploy),
//                                                then destroys them, also after a failure
//
// integ-runner is the aws-cdk tool for this, but no release of it reads the cloud assembly schema that this
// aws-cdk-lib writes (it stops at 53; aws-cdk-lib 2.276 writes 55), so this script does its two jobs with the CDK CLI.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { fileURLToPath } from 'url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, 'test', 'integ');
const [command, ...names] = process.argv.slice(2);
const tests = fs.readdirSync(dir).filter((f) => /^integ\..+\.ts$/.test(f))
  .filter((f) => names.length === 0 || names.some((n) => f === n || f === `integ.${n}.ts`));

function run(cmd, args, env = {}) {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return result.status ?? 1;
}

if (command === 'snapshot') {
  for (const file of tests) {
    const out = path.join(dir, `${file}.snapshot`);
    fs.rmSync(out, { recursive: true, force: true });
    if (run(process.execPath, [path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(dir, file)], { CDK_OUTDIR: out }) !== 0) process.exit(1);
    // Keep what a reviewer reads (templates, the manifest, the integ description); asset contents and construct
    // traces would make every handler change a multi-megabyte diff.
    for (const entry of fs.readdirSync(out)) {
      if (!/\.template\.json$|^manifest\.json$|^integ\.json$/.test(entry)) fs.rmSync(path.join(out, entry), { recursive: true, force: true });
    }
    console.log(`snapshot: test/integ/${file}.snapshot`);
  }
} else if (command === 'deploy') {
  let failed = 0;
  for (const file of tests) {
    const app = `npx tsx ${path.join('test', 'integ', file)}`;
    const deployed = run('npx', ['cdk', 'deploy', '--app', app, '--all', '--require-approval', 'never']);
    const destroyed = run('npx', ['cdk', 'destroy', '--app', app, '--all', '--force']);
    console.log(`${file}: deploy ${deployed === 0 ? 'passed' : 'FAILED'}, destroy ${destroyed === 0 ? 'done' : 'FAILED (delete the stacks by hand)'}`);
    if (deployed !== 0 || destroyed !== 0) failed++;
  }
  process.exit(failed === 0 ? 0 : 1);
} else {
  console.error('usage: node scripts/integ.mjs snapshot|deploy [test name...]');
  process.exit(2);
}
