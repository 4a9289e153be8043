/**
 * `npm run fuzz -- [--seed S] [--runs N] [--jobs J] [--minutes M] [--path P]`: a differential fuzzing campaign of
 * inject-code (campaign.ts) outside jest. Prints the seed first, then progress, then what the campaign covered and how
 * long it took; on a failure, fast-check's report (seed, path, shrunk case, problems) and the kept archive, exit 1.
 *
 * --jobs J runs J processes, process j with seed S + j and its share of the runs (replay a failure with the seed and
 * path it prints). --minutes M stops starting new cases after M minutes (the report says how many ran of those
 * asked). --path P replays one case of a seed (from a report). The bundle (assets/cli/main.js) is rebuilt first, as
 * jest's global setup does.
 */
import { spawn, spawnSync } from 'child_process';
import * as path from 'path';
import * as fc from 'fast-check';
import { CampaignFailure, caseArb, closeContext, createContext, runCase, runCampaign } from './campaign';
import { requireTools } from './readers';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const seed = Number(option('seed') ?? Math.floor(Math.random() * 2 ** 31));
const runs = Number(option('runs') ?? 1000);
const jobs = Number(option('jobs') ?? 1);
const replay = option('path');
const minutes = option('minutes') === undefined ? undefined : Number(option('minutes'));
const child = args.includes('--child');

async function single(): Promise<number> {
  const context = createContext();
  const started = Date.now();
  /** The cases run and what they covered: two lines for the parent job (`--child`), or the report for a person. */
  const summarize = (cases: number, outcome: string): void => {
    if (child) console.log(`CASES ${cases}\nCOVERAGE ${JSON.stringify([...context.coverage.counts])}`);
    else console.log(`\n${cases} cases (of ${runs} requested) ${outcome} in ${((Date.now() - started) / 1000).toFixed(0)} s (seed ${seed})\ncovered:\n${context.coverage.report()}`);
  };
  try {
    if (replay !== undefined) {
      const [spec] = fc.sample(caseArb, { seed, path: replay, numRuns: 1 });
      console.log(JSON.stringify(spec));
      const problems = await runCase(spec, context);
      console.log(problems.length === 0 ? 'passed' : problems.join('\n'));
      return problems.length === 0 ? 0 : 1;
    }
    const cases = await runCampaign(context, {
      seed,
      runs,
      timeLimitMs: minutes === undefined ? undefined : minutes * 60_000,
      onCase: (n) => {
        if (n % 50 === 0) console.log(`${child ? 'PROGRESS ' : ''}${n} cases, ${((Date.now() - started) / 1000).toFixed(0)} s`);
      },
    });
    summarize(cases, 'passed');
    return 0;
  } catch (error) {
    const cause = (error as Error & { cause?: unknown }).cause;
    console.error(`\nFAILED (seed ${seed}):\n${(error as Error).message}${cause ? `\n\nproblems of the case:\n${(cause as Error).message ?? cause}` : ''}`);
    // What ran before the failure still counts, and is still reported (a campaign used to say "0 cases run" then).
    if (error instanceof CampaignFailure) summarize(error.casesRun, 'run, the last one failed,');
    return 1;
  } finally {
    closeContext(context);
  }
}

async function parallel(): Promise<number> {
  const started = Date.now();
  const share = Math.ceil(runs / jobs);
  const totals = new Map<string, number>();
  const done = Array.from({ length: jobs }, () => 0);
  let ran = 0;
  const results = await Promise.all(Array.from({ length: jobs }, (_, j) => new Promise<number>((resolve) => {
    const limit = minutes === undefined ? [] : ['--minutes', String(minutes)];
    const p = spawn(process.execPath, [...process.execArgv, __filename, '--child', '--seed', String(seed + j), '--runs', String(share), ...limit], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => {
      out += d;
      // Progress of all jobs, every time one of them has run 50 more cases.
      const progress = [...out.matchAll(/^PROGRESS (\d+) cases/gm)].pop();
      if (progress && Number(progress[1]) > done[j]) {
        done[j] = Number(progress[1]);
        console.log(`${done.reduce((a, b) => a + b, 0)} cases (${done.join(' + ')}), ${((Date.now() - started) / 1000).toFixed(0)} s`);
      }
    });
    p.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('COVERAGE '));
      const cases = Number(/^CASES (\d+)$/m.exec(out)?.[1] ?? 0);
      ran += cases;
      if (line) for (const [k, n] of JSON.parse(line.slice(9)) as [string, number][]) totals.set(k, (totals.get(k) ?? 0) + n);
      else process.stdout.write(out.split('\n').filter((l) => !l.startsWith('PROGRESS ')).join('\n'));
      console.log(`job ${j} (seed ${seed + j}, ${cases} of ${share} runs) ${code === 0 ? 'passed' : 'FAILED'} after ${((Date.now() - started) / 1000).toFixed(0)} s`);
      resolve(code ?? 1);
    });
  })));
  const seconds = (Date.now() - started) / 1000;
  const report = [...totals.entries()].sort().reduce((acc, [k, n]) => {
    const [group, rest] = k.split(':', 2);
    acc.set(group, [...(acc.get(group) ?? []), `${rest} ${n}`]);
    return acc;
  }, new Map<string, string[]>());
  console.log(`\n${jobs} jobs, ${ran} cases run of ${share * jobs} requested, ${results.every((c) => c === 0) ? 'all passed' : 'FAILURES (see above)'} in ${seconds.toFixed(0)} s (seeds ${seed}..${seed + jobs - 1})`);
  console.log(`covered:\n${[...report.entries()].map(([g, items]) => `  ${g}: ${items.join(', ')}`).join('\n')}`);
  return results.every((c) => c === 0) ? 0 : 1;
}

requireTools(['tar', 'gzip', 'pigz', 'bsdtar', 'python3', 'mkfifo']);
if (!child) {
  spawnSync(process.execPath, [path.join(__dirname, '..', '..', '..', 'scripts', 'bundle.mjs')], { stdio: 'inherit' });
  console.log(`seed ${seed}, ${runs} runs, ${jobs} job(s)`);
}
(jobs > 1 && !child && replay === undefined ? parallel() : single()).then((code) => process.exit(code));
