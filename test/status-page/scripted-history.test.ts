import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { StatusDocumentSchema } from '../../functions/domain/history/status-document.ts';
import { SUMMARY_DAYS } from '../../functions/domain/history/summary.ts';
import {
  fleetStatusDocument,
  scriptedStatusDocument,
  uptimeFigure,
} from '../browser/fixtures/scripted-history.ts';

// The browser tier's fixture (test/browser/fixtures/scripted-history.ts), checked without a browser.

describe('the scripted history', () => {
  it('is a valid status.json with 90 days for every site', () => {
    const document = v.parse(StatusDocumentSchema, scriptedStatusDocument());

    expect(document.sites.map((site) => [site.id, site.status])).toEqual([
      ['shop', 'UP'],
      ['api', 'BLOCKED'],
      ['blog', 'DOWN'],
      ['docs', 'PAUSED'],
    ]);
    for (const site of document.sites) expect(site.days).toHaveLength(SUMMARY_DAYS);
  });

  it('has shop down exactly 36 minutes in the last 24 h: 97.50 %', () => {
    const shop = scriptedStatusDocument().sites.find((site) => site.id === 'shop');

    expect(shop?.uptime['24h']).toMatchObject({
      downMs: 36 * 60_000,
      upMs: (1_440 - 36) * 60_000,
      text: '97.50',
    });
  });

  it('floors uptime to 0.01 % as the contract says, and has no figure without up or down time', () => {
    expect(uptimeFigure({ up: 99_999, down: 1, blocked: 0 }).text).toBe('99.99');
    expect(uptimeFigure({ up: 0, down: 0, blocked: 5 })).toMatchObject({
      percent: null,
      text: '—',
      blockedMs: 5,
    });
  });

  it('scales to a fleet of valid sites with distinct ids', () => {
    const fleet = v.parse(StatusDocumentSchema, fleetStatusDocument(10));

    expect(new Set(fleet.sites.map((site) => site.id)).size).toBe(10);
  });
});
