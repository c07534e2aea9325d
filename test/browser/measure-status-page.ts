// `npm run bench:status-page`: what the status page weighs and how long it takes to draw. The shell's size
// (raw and gzipped, as CloudFront would serve it), status.json's for 10 and 1,000 sites with 90 days each, and
// the time from DOMContentLoaded to the rendered page in headless Chromium (one run each: a number to read,
// not a pass/fail). Needs Debian's Chromium (apt-get install -y chromium), like npm run test:browser.
import { gzipSync } from 'node:zlib';
import { STATUS_PAGE_HTML } from '../../functions/status-page/page-shell.ts';
import { fleetStatusDocument } from './fixtures/scripted-history.ts';
import { launchChromium } from './support/chromium.ts';
import { startFixturePageServer } from './support/page-server.ts';

const FLEET_SIZES = [10, 1_000] as const;
const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;
const sizes = (text: string): string =>
  `${kib(Buffer.byteLength(text))} raw, ${kib(gzipSync(text).length)} gzipped`;

console.log(`page shell: ${Buffer.byteLength(STATUS_PAGE_HTML)} bytes (${sizes(STATUS_PAGE_HTML)})`);
const browser = await launchChromium();
try {
  for (const count of FLEET_SIZES) {
    const document = fleetStatusDocument(count);
    const json = JSON.stringify(document);
    const server = await startFixturePageServer(STATUS_PAGE_HTML, { document });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(server.url);
      await page.waitForSelector('body[data-state="ready"]', { timeout: 120_000 });
      const renderMs = await page.evaluate(() => {
        const navigation = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
        const rendered = performance.getEntriesByName('status-rendered')[0];
        return (rendered?.startTime ?? Number.NaN) - navigation.domContentLoadedEventStart;
      });
      console.log(
        `${count} sites: status.json ${sizes(json)}; DOMContentLoaded to rendered ${renderMs.toFixed(0)} ms (fetch + parse + draw, one run)`,
      );
      await page.close();
    } finally {
      await server.close();
    }
  }
} finally {
  await browser.close();
}
