import type { DownReason, FaultReason } from '../../functions/domain/check-result.ts';
import type { SiteConfigInput } from '../../functions/domain/site.ts';
import { HOSTILE, httpResponse, type RawResponder } from '../support/world/raw-http-server.ts';
import type { CaseSite, CaseWorld } from './world.ts';

// The failure catalogue: ways a site fails or almost fails, each with the loopback server that does it, the site
// settings it needs and the verdict a careful person would give. catalogue.test.ts holds the probe, `squirrel
// check` and the local runtime to these verdicts; `npm run catalogue` publishes them as the README's table "What
// each failure is called", beside what `curl -I` and Python's `requests.head` make of the same servers.

export const CATEGORIES = [
  'HTTP',
  'TCP',
  'TLS',
  'DNS',
  'content',
  'redirects',
  'WAF/refusals',
  'odd-but-valid',
] as const;
export type Category = (typeof CATEGORIES)[number];

/** What a careful person calls the site after one check of it (DEGRADED: up, but slower than its limit). */
export type Verdict =
  | { readonly event: 'UP' }
  | { readonly event: 'DOWN'; readonly reason: DownReason }
  | { readonly event: 'BLOCKED' }
  | { readonly event: 'DEGRADED' }
  | { readonly event: 'UNCHECKED'; readonly reason: FaultReason };

/** Site settings a case needs beyond the catalogue's shared ones, as the site item carries them. */
export type CaseSettings = Pick<SiteConfigInput, 'method' | 'expectStatus' | 'keyword' | 'maxResponseMs'>;

export interface FailureCase {
  /** Stable, kebab-case: the README table and comparison.json are keyed by it. */
  readonly id: string;
  readonly category: Category;
  /** What the server does, in one line. */
  readonly does: string;
  /** What a person opening the URL in a browser gets. */
  readonly visitors: string;
  /** Starts the case's server(s) on its own loopback address; returns the site's URL. */
  readonly fixture: (world: CaseWorld) => Promise<CaseSite>;
  readonly settings?: CaseSettings;
  /** The verdict is the periodic full GET's (fullGetMinutes): the HEAD heartbeats between full GETs say UP. */
  readonly isFullGet?: true;
  /** Judged under the production address policy (private, loopback and metadata addresses refused). */
  readonly needsProductionPolicy?: true;
  readonly verdict: Verdict;
  /** Why this verdict, where a reasonable person could argue for another. */
  readonly why?: string;
}

/** Every case's deadline (timeoutMs): short enough for a quick run, long enough for loopback under load. */
export const CATALOGUE_TIMEOUT_MS = 2_000;

const PAGE = '<!doctype html><title>Shop</title><h1>Welcome to the shop</h1><button>Add to cart</button>';

/** Answers every request with `status` (and `body`, except to HEAD), then closes. */
const answer =
  (
    status: number,
    options: {
      readonly reason?: string;
      readonly headers?: Readonly<Record<string, string>>;
      readonly body?: string;
    } = {},
  ): RawResponder =>
  (request) =>
    httpResponse(status, { reason: 'Status', body: PAGE, ...options, isHead: request.method === 'HEAD' });

const ok = answer(200, { reason: 'OK' });

/** Waits `waitMs` before answering (the request has been read). */
const after =
  (waitMs: number, respond: RawResponder): RawResponder =>
  (request) => [{ waitMs }, ...respond(request)];

const redirect = (status: number, location: string): RawResponder =>
  answer(status, { reason: 'Redirect', headers: { Location: location }, body: '' });

/** Responders by request path; 404 for any other. */
const byPath =
  (routes: Readonly<Record<string, RawResponder>>): RawResponder =>
  (request) =>
    (routes[request.path] ?? answer(404, { reason: 'Not Found' }))(request);

/** Responders by method: a server that treats HEAD apart from GET. */
const byMethod =
  (head: RawResponder, get: RawResponder): RawResponder =>
  (request) =>
    (request.method === 'HEAD' ? head : get)(request);

const hang: RawResponder = () => [{ hang: true }];

const rawSite =
  (respond: RawResponder, path = '/') =>
  async (world: CaseWorld): Promise<CaseSite> => ({ url: (await world.raw(respond)).url(path) });

export const CASES: readonly FailureCase[] = [
  // HTTP: the server answers, with a status that says how it is.
  {
    id: 'http-500',
    category: 'HTTP',
    does: 'answers 500 Internal Server Error to every request',
    visitors: 'an error page',
    fixture: rawSite(answer(500, { reason: 'Internal Server Error', body: 'oops' })),
    verdict: { event: 'DOWN', reason: 'http-5xx' },
  },
  {
    id: 'http-502',
    category: 'HTTP',
    does: 'a reverse proxy answers 502 Bad Gateway: the application behind it is gone',
    visitors: "the proxy's error page",
    fixture: rawSite(answer(502, { reason: 'Bad Gateway', body: '<h1>502 Bad Gateway</h1>' })),
    verdict: { event: 'DOWN', reason: 'http-5xx' },
  },
  {
    id: 'http-503-maintenance',
    category: 'HTTP',
    does: 'answers 503 with Retry-After: 600 and a "back soon" page (planned maintenance)',
    visitors: 'the maintenance page, no shop',
    fixture: rawSite(
      answer(503, { reason: 'Service Unavailable', headers: { 'Retry-After': '600' }, body: 'Back soon' }),
    ),
    verdict: { event: 'DOWN', reason: 'http-5xx' },
    why: 'Planned or not, visitors cannot use the site; a maintenance window is how an owner holds the alert back, not a different verdict.',
  },
  {
    id: 'http-404',
    category: 'HTTP',
    does: 'answers 404 Not Found at the monitored URL',
    visitors: '"page not found"',
    fixture: rawSite(answer(404, { reason: 'Not Found', body: 'not found' })),
    verdict: { event: 'DOWN', reason: 'http-4xx' },
    why: 'The server is running, but the page the owner asked us to watch is not there (a broken deploy or a moved page): that needs a person either way.',
  },
  {
    id: 'http-410',
    category: 'HTTP',
    does: 'answers 410 Gone',
    visitors: '"this page is gone"',
    fixture: rawSite(answer(410, { reason: 'Gone', body: 'gone' })),
    verdict: { event: 'DOWN', reason: 'http-4xx' },
  },
  {
    id: 'expected-404',
    category: 'HTTP',
    does: 'answers 404 at a URL whose site expects 404 (expectStatus "404": "this must stay unpublished")',
    visitors: '"page not found", as intended',
    fixture: rawSite(answer(404, { reason: 'Not Found', body: 'not found' })),
    settings: { expectStatus: '404' },
    verdict: { event: 'UP' },
  },
  {
    id: 'head-405-get-200',
    category: 'HTTP',
    does: 'refuses HEAD with 405 Method Not Allowed, answers GET with 200',
    visitors: 'the page (browsers send GET)',
    fixture: rawSite(byMethod(answer(405, { reason: 'Method Not Allowed' }), ok)),
    verdict: { event: 'UP' },
  },
  {
    id: 'head-200-get-503',
    category: 'HTTP',
    does: 'answers HEAD with 200 but GET with 503 (HEAD served by a cache or a separate route)',
    visitors: 'an error page',
    fixture: rawSite(byMethod(ok, answer(503, { reason: 'Service Unavailable', body: 'down' }))),
    isFullGet: true,
    verdict: { event: 'DOWN', reason: 'http-5xx' },
  },
  {
    id: 'head-200-get-hang',
    category: 'HTTP',
    does: 'answers HEAD with 200 at once; GET is read and never answered',
    visitors: 'a page that never loads',
    fixture: rawSite(byMethod(ok, hang)),
    isFullGet: true,
    verdict: { event: 'DOWN', reason: 'timeout' },
  },
  {
    id: 'head-hang-get-200',
    category: 'HTTP',
    does: 'never answers HEAD; answers GET with 200 at once',
    visitors: 'the page',
    fixture: rawSite(byMethod(hang, ok)),
    verdict: { event: 'UP' },
    why: 'Browsers never send HEAD: a server that ignores it serves its visitors perfectly well.',
  },
  {
    id: 'head-reset-get-200',
    category: 'HTTP',
    does: 'resets the connection on HEAD; answers GET with 200',
    visitors: 'the page',
    fixture: rawSite(byMethod(() => [{ reset: true }], ok)),
    verdict: { event: 'UP' },
    why: 'As above: what HEAD gets says nothing about visitors once GET works.',
  },
  {
    id: 'slow-in-time',
    category: 'HTTP',
    does: 'answers 200 after 500 ms, a quarter of its 2 s deadline',
    visitors: 'the page, a little slowly',
    fixture: rawSite(after(500, ok)),
    verdict: { event: 'UP' },
  },
  {
    id: 'slower-than-max',
    category: 'HTTP',
    does: 'answers 200 after 800 ms; the site allows 250 ms (maxResponseMs 250)',
    visitors: 'the page, slowly',
    fixture: rawSite(after(800, ok)),
    settings: { maxResponseMs: 250 },
    verdict: { event: 'DEGRADED' },
  },
  {
    id: 'slower-than-deadline',
    category: 'HTTP',
    does: 'answers 200 after 3 s, past its 2 s deadline (timeoutMs 2000)',
    visitors: 'the page, after 3 s',
    fixture: rawSite(after(3_000, ok)),
    verdict: { event: 'DOWN', reason: 'timeout' },
    why: "The owner set 2 s as the longest a check may take; an answer after that is a timeout by the site's own definition (maxResponseMs is for slow-but-up).",
  },

  // TCP: the connection itself fails.
  {
    id: 'connection-refused',
    category: 'TCP',
    does: 'nothing listens on the port: the connection is refused',
    visitors: '"unable to connect"',
    fixture: async (world) => ({ url: `http://${world.host}:${await world.refusedPort()}/` }),
    verdict: { event: 'DOWN', reason: 'refused' },
  },
  {
    id: 'connection-reset',
    category: 'TCP',
    does: 'reads the request, then resets the connection (RST)',
    visitors: '"connection was reset"',
    fixture: rawSite(HOSTILE.resetAfterRequest),
    verdict: { event: 'DOWN', reason: 'reset' },
  },
  {
    id: 'close-without-answer',
    category: 'TCP',
    does: 'reads the request, then closes the connection (FIN) without a byte',
    visitors: '"empty response"',
    fixture: rawSite(HOSTILE.closeWithoutAnswer),
    verdict: { event: 'DOWN', reason: 'reset' },
  },
  {
    id: 'headers-never-sent',
    category: 'TCP',
    does: 'accepts, reads the request, never answers (every worker busy)',
    visitors: 'a page that never loads',
    fixture: rawSite(HOSTILE.headersNeverSent),
    verdict: { event: 'DOWN', reason: 'timeout' },
  },
  {
    id: 'drops-syn',
    category: 'TCP',
    does: 'the host drops SYNs: the connection never opens (switched off behind a firewall)',
    visitors: 'a page that never loads, then "took too long to respond"',
    fixture: async (world) => ({ url: `http://${world.host}:${await world.deadPort()}/` }),
    verdict: { event: 'DOWN', reason: 'timeout' },
  },

  // TLS: the handshake fails.
  {
    id: 'tls-expired',
    category: 'TLS',
    does: 'presents a certificate that expired 10 days ago (issued by a trusted CA)',
    visitors: 'a full-page certificate warning',
    fixture: async (world) => ({ url: (await world.https('expired')).url }),
    verdict: { event: 'DOWN', reason: 'tls' },
  },
  {
    id: 'tls-wrong-host',
    category: 'TLS',
    does: "presents a valid, trusted certificate for another host (not the URL's)",
    visitors: 'a full-page certificate warning',
    fixture: async (world) => ({ url: (await world.https('wrong-host')).url }),
    verdict: { event: 'DOWN', reason: 'tls' },
  },
  {
    id: 'tls-self-signed',
    category: 'TLS',
    does: 'presents a self-signed certificate',
    visitors: 'a full-page certificate warning',
    fixture: async (world) => ({ url: (await world.https('self-signed')).url }),
    verdict: { event: 'DOWN', reason: 'tls' },
  },
  {
    id: 'http-on-https-url',
    category: 'TLS',
    does: 'speaks plain HTTP on the port an https:// URL names',
    visitors: '"can\'t provide a secure connection"',
    fixture: async (world) => ({ url: `https://${world.host}:${await world.plainHttp()}/` }),
    verdict: { event: 'DOWN', reason: 'tls' },
  },

  // DNS: the name does not lead to an address.
  {
    id: 'dns-nxdomain',
    category: 'DNS',
    does: 'its name does not exist (NXDOMAIN): the domain lapsed or the record was deleted',
    visitors: '"server not found"',
    fixture: async (world) => {
      world.setDns(world.name, { kind: 'nxdomain' });
      return { url: `http://${world.name}/` };
    },
    verdict: { event: 'DOWN', reason: 'dns' },
  },
  {
    id: 'dns-servfail',
    category: 'DNS',
    does: "its nameservers fail (SERVFAIL): a broken DNSSEC signature, the zone's servers down",
    visitors: '"server not found"',
    fixture: async (world) => {
      world.setDns(world.name, { kind: 'servfail' });
      return { url: `http://${world.name}/` };
    },
    verdict: { event: 'DOWN', reason: 'dns' },
  },
  {
    id: 'dns-silent',
    category: 'DNS',
    does: 'its nameservers never answer',
    visitors: 'a long wait, then "server not found"',
    fixture: async (world) => {
      world.setDns(world.name, { kind: 'silent' });
      return { url: `http://${world.name}/` };
    },
    verdict: { event: 'DOWN', reason: 'dns' },
    why: 'Nothing was connected to and nothing timed out but the lookup: `dns` says where to look; visitors get the same "server not found" as for a name that does not exist.',
  },
  {
    id: 'dns-no-address',
    category: 'DNS',
    does: 'its name exists but has no A or AAAA record (only, say, MX)',
    visitors: '"server not found"',
    fixture: async (world) => {
      world.setDns(world.name, { kind: 'answer' });
      return { url: `http://${world.name}/` };
    },
    verdict: { event: 'DOWN', reason: 'dns' },
  },
  {
    id: 'dns-cname-chain',
    category: 'DNS',
    does: 'its name is a CNAME to a CDN name, a CNAME to an edge name with the address',
    visitors: 'the page',
    fixture: async (world) => {
      const server = await world.raw(ok);
      world.setDns(world.name, { kind: 'cname', target: `cdn.${world.name}` });
      world.setDns(`cdn.${world.name}`, { kind: 'cname', target: `edge.${world.name}` });
      world.setDns(`edge.${world.name}`, { kind: 'answer', a: [world.host] });
      return { url: `http://${world.name}:${server.port}/` };
    },
    verdict: { event: 'UP' },
  },
  {
    id: 'dns-slow',
    category: 'DNS',
    does: 'its nameserver answers after 300 ms (a far or loaded resolver), the page at once',
    visitors: 'the page, after a pause',
    fixture: async (world) => {
      const server = await world.raw(ok);
      world.setDns(world.name, { kind: 'answer', a: [world.host], delayMs: 300 });
      return { url: `http://${world.name}:${server.port}/` };
    },
    verdict: { event: 'UP' },
  },
  {
    id: 'dns-ipv6-only',
    category: 'DNS',
    does: 'its name has only an AAAA record (::1); the server listens on IPv6 only',
    visitors: 'the page, for visitors with IPv6',
    fixture: async (world) => {
      const server = await world.raw(ok, '::1');
      world.setDns(world.name, { kind: 'answer', aaaa: ['::1'] });
      return { url: `http://${world.name}:${server.port}/` };
    },
    verdict: { event: 'UP' },
    why: 'The site works for everyone with IPv6. A checker in Lambda outside a dual-stack VPC has no IPv6 route and would say UNCHECKED (its own limit), never DOWN.',
  },
  {
    id: 'dns-private-address',
    category: 'DNS',
    does: 'its name resolves to a loopback/private address (an internal load balancer, a hijacked record)',
    visitors: 'on the internet, nothing; inside that network, a page',
    fixture: async (world) => {
      const server = await world.raw(ok);
      world.setDns(world.name, { kind: 'answer', a: [world.host] });
      return { url: `http://${world.name}:${server.port}/`, requests: () => server.requests().length };
    },
    needsProductionPolicy: true,
    verdict: { event: 'UNCHECKED', reason: 'blocked-address' },
    why: 'Checks never connect to private addresses (a monitor must not be a way into its own network), so nothing is known about the site: not UP, not DOWN; the owner is told once.',
  },

  // content: the status is fine, the body is not.
  {
    id: 'body-truncated',
    category: 'content',
    does: 'announces Content-Length: 1000, sends 10 bytes, closes (a worker crashed mid-page)',
    visitors: 'a half-drawn page',
    fixture: rawSite(HOSTILE.truncatedBody),
    isFullGet: true,
    verdict: { event: 'DOWN', reason: 'body-truncated' },
  },
  {
    id: 'body-stalls',
    category: 'content',
    does: 'announces Content-Length: 1000, sends 10 bytes, then nothing (stuck on a slow query)',
    visitors: 'a half-drawn page that never finishes',
    fixture: rawSite(HOSTILE.stalledBody),
    isFullGet: true,
    verdict: { event: 'DOWN', reason: 'body-timeout' },
  },
  {
    id: 'endless-body',
    category: 'content',
    does: 'answers 200 and streams 64 KiB chunks (2.5 MiB), then keeps the connection open',
    visitors: 'the page; the tab keeps spinning',
    fixture: rawSite(() => [
      { write: 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n' },
      ...Array.from({ length: 40 }, () => ({ write: 'x'.repeat(64 * 1024) })),
      { hang: true },
    ]),
    isFullGet: true,
    verdict: { event: 'UP' },
    why: 'The full GET stops after 1 MiB: by then the site has shown it serves its page, and a monitor must not download without end.',
  },
  {
    id: 'keyword-present',
    category: 'content',
    does: 'answers 200 with the page; the site checks the keyword "Add to cart"',
    visitors: 'the shop',
    fixture: rawSite(ok),
    settings: { keyword: { text: 'Add to cart', mode: 'present' } },
    verdict: { event: 'UP' },
  },
  {
    id: 'keyword-missing',
    category: 'content',
    does: 'answers 200 with an empty app shell (no "Add to cart"): the API behind it is down',
    visitors: 'a blank shop',
    fixture: rawSite(answer(200, { reason: 'OK', body: '<!doctype html><div id="app"></div>' })),
    settings: { keyword: { text: 'Add to cart', mode: 'present' } },
    verdict: { event: 'DOWN', reason: 'keyword' },
  },
  {
    id: 'keyword-absent-found',
    category: 'content',
    does: 'answers 200 with "maintenance mode" in the page; the site wants that text absent',
    visitors: 'the maintenance notice',
    fixture: rawSite(answer(200, { reason: 'OK', body: '<h1>We are in maintenance mode</h1>' })),
    settings: { keyword: { text: 'maintenance mode', mode: 'absent' } },
    verdict: { event: 'DOWN', reason: 'keyword' },
  },
  {
    id: 'keyword-absent-clear',
    category: 'content',
    does: 'answers 200 with the page; the site wants "maintenance mode" absent, and it is',
    visitors: 'the shop',
    fixture: rawSite(ok),
    settings: { keyword: { text: 'maintenance mode', mode: 'absent' } },
    verdict: { event: 'UP' },
  },
  {
    id: 'soft-error-200',
    category: 'content',
    does: 'answers 200 OK with a page saying "500 Internal Server Error" (no keyword set)',
    visitors: 'an error page',
    fixture: rawSite(answer(200, { reason: 'OK', body: '<h1>500 Internal Server Error</h1>' })),
    verdict: { event: 'UP' },
    why: 'Visitors see an error, but without a keyword the only evidence is the status, and 200 means success: this is what keyword checks are for.',
  },

  // redirects
  {
    id: 'redirect-chain-ok',
    category: 'redirects',
    does: 'redirects 301 → 302 → 307 through three paths to a 200',
    visitors: 'the page',
    fixture: rawSite(
      byPath({
        '/': redirect(301, '/en'),
        '/en': redirect(302, '/en/home'),
        '/en/home': redirect(307, '/en/home/'),
        '/en/home/': ok,
      }),
    ),
    verdict: { event: 'UP' },
  },
  {
    id: 'redirect-to-https',
    category: 'redirects',
    does: 'redirects http:// to its https:// URL, which presents a valid certificate',
    visitors: 'the page, over HTTPS',
    fixture: async (world) => {
      const secure = await world.https('valid');
      return { url: (await world.raw(redirect(301, secure.url))).url('/') };
    },
    verdict: { event: 'UP' },
  },
  {
    id: 'redirect-loop',
    category: 'redirects',
    does: 'redirects /a → /b → /a',
    visitors: '"redirected you too many times"',
    fixture: rawSite(byPath({ '/a': redirect(302, '/b'), '/b': redirect(302, '/a') }), '/a'),
    verdict: { event: 'DOWN', reason: 'redirect-loop' },
  },
  {
    id: 'too-many-redirects',
    category: 'redirects',
    does: 'redirects /r/1 → /r/2 → /r/3 → … without end (every hop a new URL)',
    visitors: '"redirected you too many times" (browsers stop after 20)',
    fixture: rawSite((request) => {
      const hop = Number(/^\/r\/(\d+)$/.exec(request.path)?.[1] ?? 0);
      return redirect(302, `/r/${hop + 1}`)(request);
    }, '/r/1'),
    verdict: { event: 'DOWN', reason: 'too-many-redirects' },
  },
  {
    id: 'redirect-non-http',
    category: 'redirects',
    does: 'redirects to ftp://files.catalogue.test/pub/ (not a web address)',
    visitors: 'an error, or a prompt to open another program',
    fixture: rawSite(redirect(302, 'ftp://files.catalogue.test/pub/')),
    verdict: { event: 'DOWN', reason: 'protocol' },
    why: 'The server answers, but it sends visitors somewhere no browser shows a page: the site is not usable on the web.',
  },
  {
    id: 'redirect-unresolvable',
    category: 'redirects',
    does: 'redirects to a host name that does not exist (a typo in the redirect rule)',
    visitors: '"server not found"',
    fixture: async (world) => ({
      url: (await world.raw(redirect(302, `http://${world.name}/`))).url('/'),
    }),
    verdict: { event: 'DOWN', reason: 'dns' },
    why: "The site's own name resolves and its server answers, but every visitor ends at a name that does not: the reason names the step that failed (the detail names the redirect's host).",
  },
  {
    id: 'head-200-get-redirect-self',
    category: 'redirects',
    does: 'answers HEAD with 200; answers GET with a 302 to itself',
    visitors: '"redirected you too many times"',
    fixture: rawSite(byMethod(ok, redirect(302, '/'))),
    isFullGet: true,
    verdict: { event: 'DOWN', reason: 'redirect-loop' },
  },

  // WAF/refusals: the site answers, but refuses the monitor.
  {
    id: 'http-401',
    category: 'WAF/refusals',
    does: 'answers 401 Unauthorized (the whole site behind a login)',
    visitors: 'a login prompt',
    fixture: rawSite(answer(401, { reason: 'Unauthorized', headers: { 'WWW-Authenticate': 'Basic' } })),
    verdict: { event: 'BLOCKED' },
    why: 'The site answers and works for people with credentials; the monitor has none. Not an outage, but not UP either: one BLOCKED alert asks for access (or `treatBlockedAsDown` pages it).',
  },
  {
    id: 'http-403',
    category: 'WAF/refusals',
    does: 'answers 403 Forbidden to every request',
    visitors: 'a "forbidden" page, unless the rule only hits the monitor',
    fixture: rawSite(answer(403, { reason: 'Forbidden' })),
    verdict: { event: 'BLOCKED' },
    why: 'From outside, "forbidden to everyone" and "forbidden to this monitor\'s address" look the same; far more often it is a firewall rule about the monitor, so BLOCKED (not paged) unless the owner opts into `treatBlockedAsDown`.',
  },
  {
    id: 'head-403-get-200',
    category: 'WAF/refusals',
    does: 'refuses HEAD with 403 (a WAF rule on methods), answers GET with 200',
    visitors: 'the page',
    fixture: rawSite(byMethod(answer(403, { reason: 'Forbidden' }), ok)),
    verdict: { event: 'UP' },
  },
  {
    id: 'http-429',
    category: 'WAF/refusals',
    does: 'answers 429 Too Many Requests with Retry-After: 60',
    visitors: 'the page (the limit hits heavy clients, like monitors)',
    fixture: rawSite(answer(429, { reason: 'Too Many Requests', headers: { 'Retry-After': '60' } })),
    verdict: { event: 'BLOCKED' },
    why: 'The server is up and answering; it is refusing us in particular. Paging someone because the monitor was rate-limited would be wrong, saying UP would hide that the site cannot be watched.',
  },
  {
    id: 'status-999',
    category: 'WAF/refusals',
    does: "answers 999 Request denied (LinkedIn's answer to clients it takes for bots)",
    visitors: 'the page (people in browsers are let through)',
    fixture: rawSite(HOSTILE.status999),
    verdict: { event: 'BLOCKED' },
    why: 'Not an HTTP status, but a well-known refusal of bots: the site is up for people, and the monitor cannot see it.',
  },
  {
    id: 'cloudflare-challenge',
    category: 'WAF/refusals',
    does: 'answers 403 with cf-mitigated: challenge (a Cloudflare managed challenge page)',
    visitors: 'a short "checking your browser", then the page',
    fixture: rawSite(
      answer(403, {
        reason: 'Forbidden',
        headers: { 'cf-mitigated': 'challenge', Server: 'cloudflare', 'CF-RAY': '8f00000000000000-FRA' },
        body: '<title>Just a moment...</title>',
      }),
    ),
    verdict: { event: 'BLOCKED' },
    why: 'People pass the challenge and see the site, so it is probably up; but the monitor cannot pass it and sees nothing of the site itself: BLOCKED says exactly that, with a hint to allow-list the monitor.',
  },
  {
    id: 'aws-waf-captcha',
    category: 'WAF/refusals',
    does: 'answers 405 with x-amzn-waf-action: captcha (an AWS WAF CAPTCHA page)',
    visitors: 'a CAPTCHA, then the page',
    fixture: rawSite(
      answer(405, { reason: 'Method Not Allowed', headers: { 'x-amzn-waf-action': 'captcha' } }),
    ),
    verdict: { event: 'BLOCKED' },
    why: "As for the Cloudflare challenge; and the 405 is the WAF's, not the site refusing HEAD, so asking again with GET would only meet the CAPTCHA again.",
  },

  // odd-but-valid, and odd-and-invalid: what servers in the wild send.
  {
    id: 'status-below-100',
    category: 'odd-but-valid',
    does: 'answers HTTP/1.1 099 (homegrown embedded web servers)',
    visitors: 'an error page or a blank page, depending on the browser',
    fixture: rawSite(HOSTILE.statusBelow100),
    verdict: { event: 'DOWN', reason: 'protocol' },
    why: 'RFC 9110 says status codes are 100-599: 099 is a broken server, and no client can tell success from failure by it.',
  },
  {
    id: 'status-600',
    category: 'odd-but-valid',
    does: 'answers HTTP/1.1 600 with a page',
    visitors: 'the page in some browsers, an error in others',
    fixture: rawSite(answer(600, { reason: 'Odd' })),
    verdict: { event: 'DOWN', reason: 'protocol' },
    why: 'As for 099: 600 is outside 100-599, so it says neither success nor failure; calling it UP would accept any number as fine.',
  },
  {
    id: 'garbage',
    category: 'odd-but-valid',
    does: 'answers with an SSH banner: not HTTP at all (a service moved onto the web port)',
    visitors: 'an error ("invalid response")',
    fixture: rawSite(HOSTILE.notHttp),
    verdict: { event: 'DOWN', reason: 'protocol' },
  },
  {
    id: 'conflicting-content-length',
    category: 'odd-but-valid',
    does: 'sends two Content-Length headers that disagree (a proxy added its own)',
    visitors: 'an error ("multiple Content-Length headers" in Chrome)',
    fixture: rawSite(HOSTILE.conflictingContentLength),
    verdict: { event: 'DOWN', reason: 'protocol' },
    why: 'curl shows a 200, but RFC 9112 §6.3 makes such framing an unrecoverable error that a user agent must discard, and Chrome does: visitors get an error page.',
  },
  {
    id: 'huge-headers',
    category: 'odd-but-valid',
    does: 'answers 200 with 40 KiB of response headers (a long CSP and many Set-Cookie lines)',
    visitors: 'the page',
    fixture: rawSite(HOSTILE.hugeHeaders(40 * 1024)),
    verdict: { event: 'UP' },
    why: "Over many clients' default limit (undici's 16 KiB), but browsers accept it and so do visitors.",
  },
  {
    id: 'early-hints',
    category: 'odd-but-valid',
    does: 'sends 103 Early Hints, then 200 (CDNs preloading assets)',
    visitors: 'the page',
    fixture: rawSite(HOSTILE.earlyHintsThen200),
    verdict: { event: 'UP' },
  },
  {
    id: 'http10-close-delimited',
    category: 'odd-but-valid',
    does: 'answers HTTP/1.0 without Content-Length; the body ends when the connection closes',
    visitors: 'the page',
    fixture: rawSite(HOSTILE.http10CloseDelimited),
    verdict: { event: 'UP' },
  },
  {
    id: 'no-content-204',
    category: 'odd-but-valid',
    does: 'answers 204 No Content (a health endpoint with nothing to say)',
    visitors: 'a blank page',
    fixture: rawSite(answer(204, { reason: 'No Content', body: '' })),
    verdict: { event: 'UP' },
  },
];

/** How a verdict reads in tables and messages: `DOWN http-5xx`, `UNCHECKED blocked-address`, `UP`. */
export function showVerdict(verdict: Verdict): string {
  return 'reason' in verdict ? `${verdict.event} ${verdict.reason}` : verdict.event;
}
