// Prints the simulation's table for each serving mode and each assumption about refused requests, and for the
// scale-to-zero wiring before issue 17: `npx tsx test/simulation/print-tables.ts`.
import { DEFAULT_ASSUMPTIONS } from './assumptions';
import { formatTable, ModeKind, TableRow } from './expectations';
import { runScenario, SCENARIOS } from './scenarios';
import { modeTemplates, templateBeforeIssue17 } from './templates';

const rows: TableRow[] = [];
const templates: Array<[string, any]> = [
  ['scale to zero, before issue 17', templateBeforeIssue17()],
  ...Object.entries(modeTemplates()).map(([mode, template]) => [mode as ModeKind, template] as [string, any]),
];
for (const [mode, template] of templates) {
  for (const refusedCountsAsInvocation of [false, true]) {
    const assumptions = { ...DEFAULT_ASSUMPTIONS, refusedCountsAsInvocation };
    for (const scenario of SCENARIOS) rows.push({ mode, scenario, assumptions, outcomes: runScenario(template, scenario, assumptions).outcomes });
  }
}
console.log(formatTable(rows));
