import type { StatusDocument } from '../../domain/history/status-document.ts';
import { timeEl } from './dom.ts';
import { ageText, bannerOf, OLD_DOCUMENT_MS } from './labels.ts';
import { type Formats, renderSiteCard } from './site-card.ts';

// The status page: fetches ./status.json every minute and renders it. A failed fetch keeps the last document
// on screen and says it is stale. `data-state` on <body> tells tests (and curious people) what is shown.

const REFRESH_MS = 60_000;
const DOCUMENT_VERSION = 1;

const byId = (id: string): HTMLElement => document.getElementById(id) as HTMLElement;
const app = {
  title: byId('title'),
  updated: byId('updated'),
  notice: byId('notice'),
  banner: byId('banner'),
  sites: byId('sites'),
};

const formats: Formats = {
  utcDate: new Intl.DateTimeFormat(undefined, {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    timeZone: 'UTC',
  }),
  local: new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }),
};

let shown: StatusDocument | undefined;
let renderedWidthPx = 0;

function setNotice(text: string, kind: 'info' | 'error'): void {
  app.notice.textContent = text;
  app.notice.className = text === '' ? '' : `notice ${kind}`;
}

/** "updated 20 s ago", refreshed every second from the document's own time. */
function showAge(): void {
  if (shown === undefined) return;
  const ageMs = Date.now() - shown.generatedAtMs;
  app.updated.replaceChildren(
    'updated ',
    timeEl(shown.generatedAtMs, `${ageText(ageMs)} ago`),
    ageMs > OLD_DOCUMENT_MS ? ': not refreshed since; is the monitor running?' : '',
  );
  app.updated.title = formats.local.format(shown.generatedAtMs);
}

function render(status: StatusDocument): void {
  // A re-render every minute must not throw the keyboard user out of the bars.
  const focusedKey = document.activeElement?.getAttribute('data-key');
  shown = status;
  document.title = status.title;
  app.title.textContent = status.title;
  showAge();
  const banner = bannerOf(status.sites, status.audience);
  app.banner.className = `banner tone-${banner.tone}`;
  app.banner.textContent = banner.text;
  renderedWidthPx = app.sites.clientWidth;
  // The card's padding and border (page.css .site).
  const chartWidthPx = renderedWidthPx - 2 * (16 + 1);
  app.sites.replaceChildren(
    ...status.sites.map((site) => renderSiteCard(site, status, formats, chartWidthPx)),
  );
  const noHistory = status.compactedUntilMs === undefined && status.sites.length > 0;
  setNotice(noHistory ? 'History appears after the first compaction.' : '', 'info');
  document.body.dataset.state = status.sites.length === 0 ? 'empty' : noHistory ? 'no-history' : 'ready';
  if (focusedKey)
    (app.sites.querySelector(`[data-key="${CSS.escape(focusedKey)}"]`) as HTMLElement | null)?.focus();
}

async function load(): Promise<void> {
  try {
    const response = await fetch('./status.json', { cache: 'no-store' });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const status = (await response.json()) as StatusDocument;
    if (status.v !== DOCUMENT_VERSION)
      throw new Error(`status.json version ${String(status.v)}, this page reads ${DOCUMENT_VERSION}`);
    render(status);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const at = new Date().toLocaleTimeString(undefined, { timeStyle: 'short' });
    if (shown === undefined) {
      setNotice(`Could not load status.json (${reason}); trying again every minute.`, 'error');
      document.body.dataset.state = 'error';
    } else {
      setNotice(
        `Could not refresh at ${at} (${reason}): what you see is stale, from ${ageText(Date.now() - shown.generatedAtMs)} ago.`,
        'error',
      );
      document.body.dataset.state = 'stale';
    }
  } finally {
    app.sites.removeAttribute('aria-busy');
    performance.mark('status-rendered');
  }
}

// Charts are drawn at the card's pixel width: redraw when it changes (a phone turned sideways).
let resizeTimer: ReturnType<typeof setTimeout> | undefined;
addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => {
    if (shown !== undefined && app.sites.clientWidth !== renderedWidthPx) render(shown);
  }, 200);
});

setInterval(showAge, 1_000);
setInterval(load, REFRESH_MS);
void load();
