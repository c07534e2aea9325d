// `npm run catalogue`: starts the catalogue's servers, runs `curl -I` and a `requests.head` loop against them,
// writes the raw answers to comparison.json and the README section "What each failure is called" between its
// markers. uptime-squirrel's verdicts come from cases.ts; catalogue.test.ts holds the code to them.
import { readFile, writeFile } from 'node:fs/promises';
import { CASES } from './cases.ts';
import { compareTools } from './compare-tools.ts';
import { startCases } from './harness.ts';
import { COMPARISON_FILE, README_FILE, renderSection, replaceSection } from './table.ts';
import { startCatalogueWorld } from './world.ts';

const world = await startCatalogueWorld();
try {
  const started = await startCases(world, CASES);
  const startedAtMs = Date.now();
  const comparison = await compareTools(started, world);
  process.stdout.write(
    `ran ${started.length} cases in ${Date.now() - startedAtMs} ms: ${comparison.tools.curl}; ${comparison.tools.requests}\n`,
  );
  await writeFile(COMPARISON_FILE, `${JSON.stringify(comparison, null, 2)}\n`);
  const readme = await readFile(README_FILE, 'utf8');
  await writeFile(README_FILE, replaceSection(readme, renderSection(CASES, comparison)));
  process.stdout.write(`wrote ${COMPARISON_FILE} and the README section\n`);
} finally {
  await world.close();
}
