import { describe, expect, it } from 'vitest';
import {
  fitEscaped,
  fitLines,
  viewNotification,
} from '../../../functions/domain/channels/notification-text.ts';
import {
  channelFailed,
  downAlert,
  downLocations,
  groupMember,
  groupOf,
  regionalAlert,
  regionalLocations,
  testNotification,
  upAlert,
} from './fixtures.ts';

const htmlEscape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');

describe('viewNotification', () => {
  it('says what a DOWN is, when it began and was confirmed', () => {
    const view = viewNotification({ type: 'alert', alert: downAlert() });
    expect(view).toMatchObject({ title: 'DOWN: Shop', tone: 'down', summary: 'Shop is DOWN: http-5xx' });
    expect(view.fields.map((field) => `${field.label}: ${field.value}`)).toEqual([
      'URL: https://shop.example.com/health',
      'Reason: http-5xx',
      'Detail: HTTP 503 Service Unavailable from HEAD https://shop.example.com/health',
      'Status: HTTP 503',
      'Down since: 2026-11-25 09:01:00 UTC',
      'Confirmed: 2026-11-25 09:01:31 UTC',
      'Latency: 84 ms',
    ]);
  });

  it('says how many locations confirmed a verified DOWN, with one field per location, home first', () => {
    const view = viewNotification({
      type: 'alert',
      alert: downAlert({ locations: downLocations('HTTP 503') }),
    });
    expect(view).toMatchObject({
      title: 'DOWN: Shop',
      tone: 'down',
      summary: 'Shop is DOWN from 2 of 3 locations: http-5xx',
      note: 'You will get one more message when it is back up.',
    });
    expect(view.fields.map((field) => `${field.label}: ${field.value}`)).toEqual([
      'URL: https://shop.example.com/health',
      'Reason: http-5xx',
      'Detail: HTTP 503 Service Unavailable from HEAD https://shop.example.com/health',
      'Status: HTTP 503',
      'Down since: 2026-11-25 09:01:00 UTC',
      'Confirmed: 2026-11-25 09:01:31 UTC',
      'Confirmed by: 2 of 3 answering locations',
      'Latency: 84 ms',
      'us-east-1 (home): down: http-5xx - HTTP 503',
      'us-west-2: down: http-5xx - HTTP 503',
      'eu-west-1: up: HTTP 200 in 120 ms',
    ]);
  });

  it('tells a REGIONAL as a warning: where it fails and is up, and why it does not page', () => {
    const view = viewNotification({ type: 'alert', alert: regionalAlert() });
    expect(view).toMatchObject({
      title: 'REGIONAL: Shop',
      tone: 'warning',
      summary: 'Shop fails from us-east-1 only; up from us-west-2 and eu-west-1',
      note: 'Not paging: most locations reach it. You will be paged if it fails from most locations; nothing is sent when it passes again.',
    });
    expect(view.fields.map((field) => `${field.label}: ${field.value}`)).toEqual([
      'URL: https://shop.example.com/health',
      'Reason: timeout (from us-east-1)',
      'Failing since: 2026-11-25 09:01:00 UTC',
      'Checked: 2026-11-25 09:01:31 UTC',
      'us-east-1 (home): down: timeout - no response headers within 10000 ms',
      'us-west-2: up: HTTP 200 in 120 ms',
      'eu-west-1: up: HTTP 200 in 95 ms',
    ]);
  });

  it('cuts a location’s detail in its field to 160 characters (five of them fit every chat format)', () => {
    const view = viewNotification({
      type: 'alert',
      alert: downAlert({ locations: downLocations('z'.repeat(500)) }),
    });
    expect(view.fields.find((field) => field.label === 'us-west-2')?.value).toBe(
      `down: http-5xx - ${'z'.repeat(159)}…`,
    );
  });

  it('gives an UP its downtime', () => {
    const view = viewNotification({ type: 'alert', alert: upAlert() });
    expect(view.summary).toBe('Shop is back UP after 12 min 31 s');
    expect(view.fields).toContainEqual({ label: 'Downtime', value: '12 min 31 s' });
  });

  it('tells what was missed when alerts were folded', () => {
    const view = viewNotification({
      type: 'alert',
      alert: downAlert({ missed: { alerts: 41, sinceMs: 0, outages: 20, downMs: 2_100_000 } }),
    });
    expect(view.fields.at(-1)?.value).toBe(
      '41 earlier alert(s) since 1970-01-01 00:00:00 UTC could not be delivered; 20 outage(s) began and ended meanwhile, 35 min down in all',
    );
  });

  it('lists group members and counts all of them', () => {
    const view = viewNotification(
      groupOf(
        [0, 1, 2].map((index) => groupMember(index)),
        2,
      ),
    );
    expect(view.title).toBe('DOWN: 5 sites (reason timeout)');
    expect(view.items).toEqual([
      'Site 0: timeout, https://site-0.example.com/',
      'Site 1: timeout, https://site-1.example.com/',
      'Site 2: timeout, https://site-2.example.com/',
    ]);
    expect(view.omittedItems).toBe(2);
  });

  it('tells a group of REGIONAL alerts as a warning that does not page', () => {
    const members = [0, 1, 2].map((index) =>
      groupMember(index, { event: 'REGIONAL', locations: regionalLocations() }),
    );
    const view = viewNotification(groupOf(members));
    expect(view).toMatchObject({
      title: 'REGIONAL: 3 sites (reason timeout)',
      tone: 'warning',
      summary: '3 sites of alice fail from a minority of locations (timeout)',
      note: 'Not paging: for each of them, no majority of the answering locations fails. Nothing is sent when they pass again.',
    });
    expect(view.items[0]).toBe('Site 0: timeout (down: us-east-1), https://site-0.example.com/');
  });

  it('says how many locations confirmed a group member that was verified', () => {
    const view = viewNotification(
      groupOf([groupMember(0, { locations: downLocations() }), groupMember(1), groupMember(2)]),
    );
    expect(view.items).toEqual([
      'Site 0: timeout (2 of 3 locations), https://site-0.example.com/',
      'Site 1: timeout, https://site-1.example.com/',
      'Site 2: timeout, https://site-2.example.com/',
    ]);
  });

  it('tells how to fix a failing channel, and that a test is only a test', () => {
    expect(viewNotification(channelFailed).note).toContain('squirrel unsubscribe ch-abcdefgh23');
    expect(viewNotification(testNotification)).toMatchObject({ tone: 'info', title: 'Test notification' });
  });
});

describe('fitEscaped', () => {
  it('leaves text that fits as escaped', () => {
    expect(fitEscaped('a<b', 10, htmlEscape)).toBe('a&lt;b');
  });

  it('cuts the raw text, never an escape sequence, until the escaped text fits', () => {
    const fitted = fitEscaped('<'.repeat(100), 20, htmlEscape);
    expect(fitted.length).toBeLessThanOrEqual(20);
    expect(fitted).toMatch(/^(&lt;)+…$/);
  });

  it('never splits an emoji', () => {
    const fitted = fitEscaped('🔥'.repeat(50), 11, htmlEscape);
    expect(fitted.length).toBeLessThanOrEqual(11);
    expect(fitted).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });
});

describe('fitLines', () => {
  it('keeps whole lines and counts the rest', () => {
    expect(fitLines(['aaaa', 'bbbb', 'cccc', 'dddd'], 25)).toBe('aaaa\nbbbb\n…and 2 more');
  });

  it('keeps every line when they fit, and counts lines that were never given', () => {
    expect(fitLines(['a', 'b'], 100)).toBe('a\nb');
    expect(fitLines(['a', 'b'], 100, 3)).toBe('a\nb\n…and 3 more');
  });
});
