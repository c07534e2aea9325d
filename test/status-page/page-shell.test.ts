import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildStatusPageHtml } from '../../functions/status-page/build.ts';
import { STATUS_PAGE_HTML } from '../../functions/status-page/page-shell.ts';

// page-shell.ts is generated and committed: this is what makes a stale one impossible to miss.

const between = (html: string, tag: string): string =>
  new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(html)?.[1] ?? '';
const sha256 = (text: string): string => createHash('sha256').update(text).digest('base64');

describe('STATUS_PAGE_HTML', () => {
  it('is what functions/status-page/ builds today (else: npm run build:status-page, and commit page-shell.ts)', async () => {
    expect(STATUS_PAGE_HTML === (await buildStatusPageHtml()), 'page-shell.ts is stale').toBe(true);
  });

  it('allows only its own inline script and style, and fetches only from where it was served', () => {
    const policy = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(STATUS_PAGE_HTML)?.[1] ?? '';

    expect(policy.split('; ')).toEqual([
      "default-src 'none'",
      `script-src 'sha256-${sha256(between(STATUS_PAGE_HTML, 'script'))}'`,
      `style-src 'sha256-${sha256(between(STATUS_PAGE_HTML, 'style'))}'`,
      "connect-src 'self'",
      "base-uri 'none'",
      "form-action 'none'",
    ]);
  });

  it('is one self-contained document that loads nothing from elsewhere', () => {
    expect(STATUS_PAGE_HTML).toMatch(/^<!doctype html>/);
    expect(STATUS_PAGE_HTML).not.toMatch(/<(script|link|img|iframe)[^>]+(src|href)=/);
    expect(STATUS_PAGE_HTML).toContain('fetch("./status.json"');
  });
});
