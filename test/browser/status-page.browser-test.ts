import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import * as v from 'valibot';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type StatusDocument,
  StatusDocumentSchema,
  type StatusSite,
} from '../../functions/domain/history/status-document.ts';
import { STATUS_PAGE_HTML } from '../../functions/status-page/page-shell.ts';
import {
  SCRIPTED_NOW_MS,
  SCRIPTED_SITES,
  SCRIPTED_VIEW_MS,
  scriptedStatusDocument,
  scriptedStatusSite,
} from './fixtures/scripted-history.ts';
import { launchChromium } from './support/chromium.ts';
import { type FixturePageServer, type StatusAnswer, startFixturePageServer } from './support/page-server.ts';
import { expectScreenshot, isUpdatingScreenshots } from './support/screenshots.ts';
import { expectPageShowsDocument, expectScriptedScenario } from './support/status-page-expectations.ts';

// The status page as people use it: the built shell (STATUS_PAGE_HTML, as the fan-out uploads it and the page
// server serves it) in Debian's Chromium, over real HTTP on loopback, at a phone's and a desktop's size.

const PHONE = { width: 390, height: 844 } as const;
const DESKTOP = { width: 1280, height: 800 } as const;
const LOCALE = 'en-GB';
const AXE_SCRIPT = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const README_SCREENSHOT = fileURLToPath(new URL('../../docs/img/status-page.png', import.meta.url));

const scripted = v.parse(StatusDocumentSchema, scriptedStatusDocument());

let browser: Browser;
let server: FixturePageServer;
let context: BrowserContext | undefined;

beforeAll(async () => {
  browser = await launchChromium();
  server = await startFixturePageServer(STATUS_PAGE_HTML, { document: scripted });
});
afterEach(async () => {
  await context?.close();
  context = undefined;
});
afterAll(async () => {
  await server?.close();
  await browser?.close();
});

interface OpenOptions {
  /** Let a test inject a script (axe-core) past the page's Content-Security-Policy. */
  readonly bypassCsp?: boolean;
  readonly viewport?: { readonly width: number; readonly height: number };
  readonly timezoneId?: string;
  readonly colorScheme?: 'light' | 'dark';
  readonly answer?: StatusAnswer;
  /** The body's data-state to wait for. */
  readonly state?: string;
}

/** Opens the page on a fixed clock (20 s after the document was generated) and waits until it has rendered. */
async function openPage(options: OpenOptions = {}): Promise<Page> {
  server.answer(options.answer ?? { document: scripted });
  context = await browser.newContext({
    viewport: options.viewport ?? DESKTOP,
    locale: LOCALE,
    timezoneId: options.timezoneId ?? 'UTC',
    colorScheme: options.colorScheme ?? 'light',
    reducedMotion: 'reduce',
    bypassCSP: options.bypassCsp ?? false,
  });
  // Fake timers, paused at the viewer's moment: the age text and the minute refresh move only when a test says.
  await context.clock.install({ time: SCRIPTED_VIEW_MS - 1_000 });
  await context.clock.pauseAt(SCRIPTED_VIEW_MS);
  const page = await context.newPage();
  await page.goto(server.url);
  await page.waitForSelector(`body[data-state="${options.state ?? 'ready'}"]`, { timeout: 10_000 });
  return page;
}

describe('the scripted history', () => {
  it('is a valid status.json whose shop was down exactly 36 minutes yesterday', () => {
    const shop = scripted.sites.find((site) => site.id === 'shop');
    expect(shop?.uptime['24h'].downMs).toBe(36 * 60_000);
    expect(shop?.uptime['24h'].text).toBe('97.50');
  });

  it.each([
    ['phone', PHONE],
    ['desktop', DESKTOP],
  ])('shows every state, number and incident on a %s, and looks as it did', async (name, viewport) => {
    const page = await openPage({ viewport });

    await expectPageShowsDocument(page, scripted, LOCALE);
    await expectScriptedScenario(page, 'UTC');
    expect(await page.locator('#updated').textContent()).toBe('updated 20 s ago');
    // Readable without sideways scrolling: nothing wider than the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      viewport.width,
    );
    await expectScreenshot(page, `scripted-${name}`);
    if (isUpdatingScreenshots && name === 'desktop') {
      // The README's picture, refreshed with the baselines: the page's column, first screen, yesterday's bar
      // focused (its label shown).
      await page.locator('[data-site-id="shop"] .bars li').nth(-2).focus();
      const column = { x: (DESKTOP.width - 960) / 2, y: 0, width: 960, height: DESKTOP.height };
      await writeFile(
        README_SCREENSHOT,
        await page.screenshot({ clip: column, animations: 'disabled', caret: 'hide' }),
      );
    }
  });

  it("keeps the bars on UTC days and shows times in the viewer's time zone", async () => {
    const page = await openPage({ timezoneId: 'America/Los_Angeles' });

    await expectScriptedScenario(page, 'America/Los_Angeles');
    // 14:00 UTC is 06:00 in Los Angeles: the incident's time moves, its bar (5 Dec, UTC) does not.
    expect(await page.locator('[data-site-id="shop"] .incident time').first().textContent()).toBe(
      '5 Dec 2026, 06:00',
    );
  });
});

describe('the daily bars', () => {
  it('are reached with Tab, walked with the arrow keys, and show their label while focused', async () => {
    const page = await openPage();
    const focused = () => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? null);
    const tip = page.locator('[data-site-id="shop"] .tip');

    // Each site's bars are one tab stop (today's bar): the first Tab lands on the first site's bars.
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('6 Dec 2026: 100.00 % up');
    await page.keyboard.press('ArrowLeft');
    expect(await focused()).toBe('5 Dec 2026: 97.50 % up, 1 incident');
    expect(await tip.isVisible()).toBe(true);
    expect(await tip.textContent()).toBe('5 Dec 2026: 97.50 % up, 1 incident');
    await page.keyboard.press('Home');
    expect(await focused()).toBe('8 Sept 2026: 100.00 % up');
    await page.keyboard.press('End');
    expect(await focused()).toBe('6 Dec 2026: 100.00 % up');

    // The next Tab leaves the site's bars for the next site's (its today), not for the next day.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.closest('section')?.dataset.siteId)).toBe('api');
    expect(await focused()).toBe('6 Dec 2026: no up or down time, blocked 12 h');
    expect(await tip.isVisible()).toBe(false);
  });

  it('show the same label on hover', async () => {
    const page = await openPage();
    await page.locator('[data-site-id="blog"] .bars li').last().hover();

    expect(await page.locator('[data-site-id="blog"] .tip').textContent()).toBe(
      '6 Dec 2026: 93.47 % up, 1 incident',
    );
  });
});

describe('states', () => {
  it('says history appears after the first compaction when nothing is compacted yet', async () => {
    const newSite = {
      ...(SCRIPTED_SITES[0] as (typeof SCRIPTED_SITES)[number]),
      checkedFromMs: SCRIPTED_NOW_MS - 5 * 60_000,
      outages: [],
    };
    const fresh: StatusDocument = v.parse(StatusDocumentSchema, {
      ...scripted,
      compactedUntilMs: undefined,
      sites: [scriptedStatusSite(newSite, SCRIPTED_NOW_MS, 'private')],
    });
    const page = await openPage({ answer: { document: fresh }, state: 'no-history', viewport: PHONE });

    await expectPageShowsDocument(page, fresh, LOCALE);
    expect(await page.locator('[data-site-id="shop"] .no-history').textContent()).toContain(
      'history appears after the first compaction',
    );
    expect(await page.locator('.bars').count()).toBe(0);
  });

  it('shows a site failing from one location only as up, with a warning and where, and its uptime as it was', async () => {
    // Prepare: the scripted shop, REGIONAL now (issue 15): its home region fails, the two others reach it.
    const shop = scripted.sites.find((site) => site.id === 'shop') as StatusSite;
    const regional: StatusDocument = v.parse(StatusDocumentSchema, {
      ...scripted,
      sites: [
        { ...shop, status: 'REGIONAL', locations: { failing: 1, answered: 3, failingFrom: ['us-east-1'] } },
      ],
    });
    const page = await openPage({ answer: { document: regional }, viewport: PHONE });

    // Assess
    await expectPageShowsDocument(page, regional, LOCALE);
    const status = page.locator('[data-site-id="shop"] .status');
    expect(await status.textContent()).toBe('Up — failing from 1 of 3 locations (us-east-1)');
    expect(await status.getAttribute('class')).toContain('tone-warn');
    expect(await page.locator('#banner').textContent()).toBe('No site down; 1 of 1 need a look');
    expect(await page.locator('[data-site-id="shop"] [data-window="24h"] dd').textContent()).toBe('97.50 %');
  });

  it('says so when no site is public', async () => {
    const empty = v.parse(StatusDocumentSchema, { ...scripted, audience: 'public', sites: [] });
    const page = await openPage({ answer: { document: empty }, state: 'empty', viewport: PHONE });

    expect(await page.locator('#banner').textContent()).toBe('No site is public on this page yet.');
    expect(await page.locator('section.site').count()).toBe(0);
  });

  it('says it could not load status.json, and shows the data once it can', async () => {
    const page = await openPage({ answer: { failWith: 503 }, state: 'error' });
    expect(await page.locator('#notice').textContent()).toContain('Could not load status.json (HTTP 503)');

    server.answer({ document: scripted });
    await page.clock.runFor(60_000);
    await page.waitForSelector('body[data-state="ready"]');
    expect(await page.locator('#notice').textContent()).toBe('');
    expect(await page.locator('section.site').count()).toBe(scripted.sites.length);
  });

  it('keeps the last data when a refresh fails, says it is stale, and refreshes every minute', async () => {
    const page = await openPage();
    const requestsBefore = server.documentRequests();

    server.answer({ failWith: 500 });
    await page.clock.runFor(60_000);
    await page.waitForSelector('body[data-state="stale"]');
    expect(server.documentRequests()).toBe(requestsBefore + 1);
    expect(await page.locator('#notice').textContent()).toContain('stale, from 1 min ago');
    await expectPageShowsDocument(page, scripted, LOCALE);

    const newer = { ...scripted, generatedAtMs: SCRIPTED_NOW_MS + 120_000 };
    server.answer({ document: newer });
    await page.clock.runFor(60_000);
    await page.waitForSelector('body[data-state="ready"]');
    expect(await page.locator('#updated').textContent()).toBe('updated 20 s ago');
  });

  it('says when the document itself is old (the monitor stopped publishing)', async () => {
    const old = { ...scripted, generatedAtMs: SCRIPTED_VIEW_MS - 12 * 60_000 };
    const page = await openPage({ answer: { document: old } });

    expect(await page.locator('#updated').textContent()).toBe(
      'updated 12 min ago: not refreshed since; is the monitor running?',
    );
  });
});

/** WCAG's contrast ratio of two CSS colours (rgb() strings as getComputedStyle gives them). */
function contrastRatio(foreground: string, background: string): number {
  const luminance = (css: string): number => {
    const [r, g, b] = (css.match(/[\d.]+/g) ?? []).slice(0, 3).map((part) => {
      const channel = Number(part) / 255;
      return channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0);
  };
  const [light, dark] = [luminance(foreground), luminance(background)].sort((a, b) => b - a);
  return ((light ?? 0) + 0.05) / ((dark ?? 0) + 0.05);
}

describe('contrast', () => {
  it.each(['light', 'dark'] as const)(
    'every kind of text meets WCAG AA (4.5:1) in the %s scheme',
    async (colorScheme) => {
      const page = await openPage({ colorScheme });
      await page.locator('[data-site-id="shop"] .bars li').last().focus();

      const pairs = await page.evaluate(() =>
        [
          'h1',
          '#updated',
          '#banner',
          '.site h2',
          '.site .url',
          '.site h3',
          '.status.tone-up',
          '.status.tone-down',
          '.status.tone-warn',
          '.status.tone-off',
          '.uptime dt',
          '.uptime dd',
          '.incident .reason',
          '.badge',
          '.chart text',
          '.tip',
          'footer',
        ].map((selector) => {
          const element = document.querySelector(selector);
          if (element === null) return { selector, foreground: '', background: '' };
          let backdrop: Element | null = element;
          while (backdrop !== null && getComputedStyle(backdrop).backgroundColor === 'rgba(0, 0, 0, 0)') {
            backdrop = backdrop.parentElement;
          }
          const style = getComputedStyle(element);
          return {
            selector,
            foreground: element instanceof SVGElement ? style.fill : style.color,
            background: getComputedStyle(backdrop ?? document.documentElement).backgroundColor,
          };
        }),
      );

      for (const { selector, foreground, background } of pairs) {
        expect(foreground, `${selector} is on the page`).not.toBe('');
        expect(
          contrastRatio(foreground, background),
          `${selector}: ${foreground} on ${background}`,
        ).toBeGreaterThanOrEqual(4.5);
      }
    },
  );
});

describe('accessibility audit', () => {
  it.each([
    ['phone', 'light', PHONE],
    ['desktop', 'light', DESKTOP],
    ['desktop', 'dark', DESKTOP],
  ] as const)(
    'axe-core finds no WCAG 2.1 A/AA violation on a %s (%s scheme)',
    async (_name, colorScheme, viewport) => {
      const page = await openPage({ viewport, colorScheme, bypassCsp: true });
      // A focused bar shows its tooltip: audit that too.
      await page.locator('[data-site-id="shop"] .bars li').nth(-2).focus();
      await page.addScriptTag({ path: AXE_SCRIPT });
      // axe waits on timers of its own: let the page's clock run again.
      await page.clock.resume();

      const violations = await page.evaluate(async () => {
        const axe = (
          window as unknown as { axe: { run: (context: Document, options: object) => Promise<AxeResults> } }
        ).axe;
        const results = await axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] });
        return results.violations.map((violation) => ({
          rule: violation.id,
          targets: violation.nodes.slice(0, 3).map((node) => node.target.join(' ')),
        }));
      });

      expect(violations).toEqual([]);
    },
  );
});

interface AxeResults {
  readonly violations: readonly {
    readonly id: string;
    readonly nodes: readonly { readonly target: readonly string[] }[];
  }[];
}
