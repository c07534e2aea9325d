// CONTRACT SKELETON (issue 13): the status page's shell — one self-contained HTML document (inline CSS and
// script, no framework) that fetches ./status.json and renders it. The status-page-ui helper replaces this
// with the built page; the fan-out uploads it, the local page server serves it.
export const STATUS_PAGE_HTML = '<!doctype html><title>Status</title><p>The status page is being built.</p>';
