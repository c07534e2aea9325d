import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import type { StatusDocument } from '../../../functions/domain/history/status-document.ts';
import { UPTIME_WINDOWS } from '../../../functions/domain/history/summary.ts';
import {
  bannerOf,
  dayLabel,
  incidentDurationText,
  percentText,
  statusText,
} from '../../../functions/status-page/browser/labels.ts';

// What a person must see on the status page, as assertions any test can call: the browser tier calls them
// with its fixture; a test feeding the page from the real pipeline (compactor + buildStatusDocument) calls
// them with that pipeline's document. They read the page as rendered (text and accessible labels).

/** The bar dates as the page formats them for a viewer in `locale` (always UTC days). */
export const utcDateFormat = (locale: string): Intl.DateTimeFormat =>
  new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });

const siteCard = (page: Page, siteId: string) => page.locator(`section.site[data-site-id="${siteId}"]`);

/** Every site of `document` is on the page with its status, uptime texts, bar labels and incidents. */
export async function expectPageShowsDocument(
  page: Page,
  document: StatusDocument,
  locale: string,
): Promise<void> {
  await expect.poll(() => page.locator('#title').textContent()).toBe(document.title);
  expect(await page.locator('#banner').textContent()).toBe(bannerOf(document.sites, document.audience).text);
  expect(await page.locator('section.site').count()).toBe(document.sites.length);
  for (const site of document.sites) {
    const card = siteCard(page, site.id);
    expect(await card.locator('h2').textContent(), site.id).toBe(site.name);
    expect(await card.locator('.url').count(), `${site.id}: URL only for the private audience`).toBe(
      site.url === undefined ? 0 : 1,
    );
    expect(await card.locator('.status').textContent(), site.id).toBe(statusText(site));
    for (const window of UPTIME_WINDOWS) {
      expect(await card.locator(`[data-window="${window}"] dd`).textContent(), `${site.id} ${window}`).toBe(
        percentText(site.uptime[window]),
      );
    }
    if (document.compactedUntilMs !== undefined) {
      const labels = await card
        .locator('.bars li')
        .evaluateAll((bars) => bars.map((bar) => bar.getAttribute('aria-label')));
      expect(labels, `${site.id} bars`).toEqual(site.days.map((day) => dayLabel(day, utcDateFormat(locale))));
    }
    const incidents = await card.locator('.incident').evaluateAll((items) =>
      items.map((item) => ({
        text: item.textContent ?? '',
        isOngoing: item.querySelector('.badge') !== null,
      })),
    );
    expect(incidents.length, `${site.id} incidents`).toBe(site.incidents.length);
    site.incidents.forEach((incident, index) => {
      expect(incidents[index]?.text, `${site.id} incident ${index}`).toContain(
        incidentDurationText(incident),
      );
      expect(incidents[index]?.isOngoing, `${site.id} incident ${index} ongoing`).toBe(
        incident.endMs === undefined,
      );
    });
  }
}

/**
 * The scripted history of issue 13 (test/browser/fixtures/scripted-history.ts), in the words a person reads,
 * written out rather than derived: shop down exactly 36 minutes yesterday, api blocked, blog down now, docs
 * paused. For a viewer in en-GB; `timeZone` only moves the local times, never the UTC day bars.
 */
export async function expectScriptedScenario(page: Page, timeZone: string): Promise<void> {
  expect(await page.locator('#banner').textContent()).toBe('1 site down of 3 (1 paused)');
  const shop = siteCard(page, 'shop');
  expect(await shop.locator('[data-window="24h"] dd').textContent()).toBe('97.50 %');
  expect(await shop.locator('.status').textContent()).toBe('Up');
  const yesterday = shop.locator('.bars li').nth(-2);
  expect(await yesterday.getAttribute('aria-label')).toBe('5 Dec 2026: 97.50 % up, 1 incident');
  expect(await shop.locator('.bars li').last().getAttribute('aria-label')).toBe('6 Dec 2026: 100.00 % up');
  const shopIncident = shop.locator('.incident').first();
  expect(await shopIncident.locator('.duration').textContent()).toBe('36 min');
  expect(await shopIncident.locator('.badge').count()).toBe(0);
  const startedAt = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone });
  expect(await shopIncident.locator('time').textContent()).toBe(
    startedAt.format(Date.UTC(2026, 11, 5, 14, 0)),
  );

  const blog = siteCard(page, 'blog');
  expect(await blog.locator('.status').textContent()).toBe('Down');
  const ongoing = blog.locator('.incident').first();
  expect(await ongoing.locator('.badge').textContent()).toBe('Ongoing');
  expect(await ongoing.locator('.duration').textContent()).toBe('47 min so far');
  expect(await blog.locator('.bars li').last().getAttribute('aria-label')).toBe(
    '6 Dec 2026: 93.47 % up, 1 incident',
  );

  const api = siteCard(page, 'api');
  expect(await api.locator('.status').textContent()).toBe('Blocked (refuses the monitor)');
  // Blocked all of the last 24 h: no up or down time, so no uptime figure (blocking is never downtime).
  expect(await api.locator('[data-window="24h"] dd').textContent()).toBe('—');
  expect(await api.locator('[data-window="7d"] dd').textContent()).toBe('100.00 %');
  expect(await api.locator('.bars li').nth(-2).getAttribute('aria-label')).toBe(
    '5 Dec 2026: no up or down time, blocked 1 d',
  );
  expect(await siteCard(page, 'docs').locator('.status').textContent()).toBe('Paused');
  expect(await siteCard(page, 'docs').locator('.bars li').last().getAttribute('aria-label')).toBe(
    '6 Dec 2026: no data',
  );
}
