import { createHash } from 'node:crypto';

/**
 * The Content-Security-Policy of the status page, wherever it is served (CloudFront's response headers, the local
 * page server): the page's own inline scripts by hash (nothing else runs, not even an injected inline one),
 * inline styles, data from its own origin only, no framing, no forms.
 */
export function contentSecurityPolicyFor(pageHtml: string): string {
  const scriptHashes = [...pageHtml.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/gi)].map(
    (match) =>
      `'sha256-${createHash('sha256')
        .update(match[1] ?? '')
        .digest('base64')}'`,
  );
  return [
    "default-src 'none'",
    `script-src ${scriptHashes.length > 0 ? scriptHashes.join(' ') : "'none'"}`,
    "style-src 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
