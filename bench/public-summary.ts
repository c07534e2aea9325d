/**
 * The fan-out's public page with the public summary: `npx tsx bench/public-summary.ts [sites] [publicSites]`.
 *
 * A fleet of `sites` (default 1,000) at steady state (bench/lib/history-fleet.ts), `publicSites` of them public
 * (default 10). Prints the size of the summary and of the public summary, then times the publisher (scan pages
 * collected, summary read, status.json built and PUT to fauxqs's S3 in this process) in a child held to a 512 MB
 * Lambda's CPU share (0.29 of a core) when this machine lets it set a cgroup quota (root), else unheld:
 * - `public`: StatusPublisher as the fan-out runs it: the first publish GETs and parses the public summary, the next
 *   ones get 304 and keep it;
 * - `full`: the same publisher fed the whole summary on every publish, as it was before the public summary.
 * Each in a fresh child, so its peak RSS is its own.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { HistoryStore } from '../functions/adapters/history-store.ts';
import { createJsonLogger } from '../functions/adapters/logger.ts';
import type { SiteRecord } from '../functions/adapters/site-store.ts';
import { DAY_MS } from '../functions/domain/history/history-keys.ts';
import { buildHistorySummary, summaryOfSites } from '../functions/domain/history/summary-builder.ts';
import { parseSiteConfig } from '../functions/domain/site.ts';
import { INITIAL_STATE } from '../functions/domain/site-state.ts';
import { StatusPublisher } from '../functions/services/status-publisher.ts';
import { STATUS_PAGE_HTML } from '../functions/status-page/page-shell.ts';
import { benchS3Client, startBenchS3 } from './lib/bench-s3.ts';
import { createCpuLimit } from './lib/cpu-limit.ts';
import { siteIdOf, steadyStateSites } from './lib/history-fleet.ts';

const BUCKET = 'history';
const UNTIL_MS = Date.UTC(2026, 11, 6);
// A 512 MB Lambda's share of a core (1,769 MB = 1 vCPU).
const CPU_SHARE_512 = 512 / 1769;
const PUBLISHES = 3;

const isPublic = (index: number, sites: number, publicSites: number): boolean =>
  publicSites > 0 &&
  index % Math.floor(sites / publicSites) === 0 &&
  index / Math.floor(sites / publicSites) < publicSites;

async function publishInChild(): Promise<void> {
  const [mode, endpoint, sitesArg, publicArg] = process.argv.slice(3);
  const sites = Number(sitesArg);
  const publicSites = Number(publicArg);
  const store = new HistoryStore(benchS3Client(String(endpoint)), BUCKET);
  const records: SiteRecord[] = Array.from({ length: sites }, (_, i) => ({
    config: parseSiteConfig({
      siteId: siteIdOf(i),
      url: `https://${siteIdOf(i)}.example.com/`,
      public: isPublic(i, sites, publicSites),
    }),
    state: { ...INITIAL_STATE, status: 'UP', statusSinceMs: UNTIL_MS - DAY_MS },
  }));
  const history =
    mode === 'full'
      ? {
          getPublicSummaryIfChanged: () => store.getSummaryIfChanged(undefined),
          putPublicDocument: store.putPublicDocument.bind(store),
          putPublicPage: store.putPublicPage.bind(store),
        }
      : store;
  const publisher = new StatusPublisher(
    { history, log: createJsonLogger(() => {}), pageHtml: STATUS_PAGE_HTML },
    { title: 'Bench', publicOwners: [] },
  );
  const publishes: { ms: number; outcome: unknown }[] = [];
  for (let run = 0; run < PUBLISHES; run++) {
    const started = performance.now();
    const collector = publisher.collector();
    // The scan's pages (1 MB of items each: ~250 sites).
    for (let from = 0; from < records.length; from += 250)
      collector.observePage(records.slice(from, from + 250));
    const outcome = await publisher.publishAfter({ outcome: 'swept' }, collector, {
      nowMs: Date.now,
      timeLeftMs: 45_000,
    });
    publishes.push({ ms: Math.round(performance.now() - started), outcome });
  }
  process.stdout.write(
    `${JSON.stringify({ mode, publishes, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1e3) })}\n`,
  );
}

async function main(): Promise<void> {
  const sites = Number(process.argv[2] ?? 1_000);
  const publicSites = Number(process.argv[3] ?? 10);
  const summary = buildHistorySummary({
    sites: steadyStateSites(sites, UNTIL_MS),
    compactedUntilMs: UNTIL_MS,
    generatedAtMs: UNTIL_MS,
  });
  const publicIds = new Set(
    Array.from({ length: sites }, (_, i) => i)
      .filter((i) => isPublic(i, sites, publicSites))
      .map(siteIdOf),
  );
  const publicSummary = summaryOfSites(summary, publicIds);
  const sizeOf = (value: unknown) => {
    const json = JSON.stringify(value);
    return { jsonBytes: Buffer.byteLength(json), gzipBytes: gzipSync(json).byteLength };
  };
  console.log(
    JSON.stringify({
      sites,
      publicSites: publicSummary.sites.length,
      summary: sizeOf(summary),
      publicSummary: sizeOf(publicSummary),
    }),
  );

  const s3 = await startBenchS3(BUCKET);
  const { endpoint, client } = s3;
  const limit = createCpuLimit('uptime-squirrel-bench-publisher', CPU_SHARE_512);
  try {
    const store = new HistoryStore(client, BUCKET);
    await store.putSummary(summary);
    await store.putPublicSummary(publicSummary);
    console.log(
      JSON.stringify({
        cpu: typeof limit === 'string' ? `unheld: ${limit}` : `held to ${CPU_SHARE_512.toFixed(2)} of a core`,
      }),
    );
    for (const mode of ['public', 'full']) {
      // Asynchronous: the emulator in this process must keep answering while the child publishes.
      const child = promisify(execFile)(
        process.execPath,
        [
          '--import',
          'tsx',
          new URL(import.meta.url).pathname,
          '--publish',
          mode,
          endpoint,
          String(sites),
          String(publicSites),
        ],
        {
          encoding: 'utf8',
          env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
          maxBuffer: 16 * 1024 * 1024,
        },
      );
      if (typeof limit !== 'string' && child.child.pid !== undefined) limit.add(child.child.pid);
      console.log((await child).stdout.trim());
    }
  } finally {
    if (typeof limit !== 'string') limit.remove();
    await s3.stop();
  }
}

if (process.argv[2] === '--publish') await publishInChild();
else await main();
