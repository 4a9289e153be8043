/**
 * Differential fuzzing of inject-code, bounded for `npm test`: a fixed seed, about a minute of cases (see
 * campaign.ts for what each case is and what it must satisfy). A failure prints fast-check's report: the seed, the
 * path to replay it (`npm run fuzz -- --seed S --path P`), the shrunk case and the problems, and keeps the archive.
 * `npm run fuzz -- --seed S --runs N` runs a longer campaign.
 */
import { closeContext, createContext, runCampaign } from './campaign';
import { requireTools } from './readers';

// Fails at once, loudly, when a reader or writer is missing (.ci/run installs libarchive-tools and pigz).
requireTools(['tar', 'gzip', 'pigz', 'bsdtar', 'python3', 'mkfifo']);

const SEED = 16_2026;
const context = createContext();
afterAll(() => closeContext(context));

test(`every strategy, through the CLI, on real and damaged archives: verified by GNU tar, Python tarfile and bsdtar (seed ${SEED})`, async () => {
  const cases = await runCampaign(context, { seed: SEED, runs: 200, timeLimitMs: 60_000 });
  process.stdout.write(`differential fuzzing: ${cases} cases in about a minute (seed ${SEED})\n${context.coverage.report()}\n`);
  expect(cases).toBeGreaterThan(5);
}, 300_000);
