import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How a fake site answers. */
export type SiteBehaviour =
  | { readonly kind: 'status'; readonly status: number; readonly delayMs?: number }
  /** Accepts the request and never answers (until the fleet closes). */
  | { readonly kind: 'hang' }
  /** Holds requests until `together` of them are waiting, then answers all (a barrier for races). */
  | { readonly kind: 'gate'; readonly status: number; readonly together: number }
  /** Answers each check with the next status of the cycle: [200, 503] flaps on every check (a GET that follows a
   * failed HEAD gets the same status as that HEAD: it is the same check). */
  | { readonly kind: 'cycle'; readonly statuses: readonly number[] };

export interface FakeSites {
  /** The site's URL: `http://<host>:<port>/<siteId>`; host 127.0.0.1 unless given (e.g. `localhost`). */
  url(siteId: string, host?: string): string;
  set(siteId: string, behaviour: SiteBehaviour): void;
  /** Checks the site received: every request but the GET a failed HEAD brings (that is the same check). */
  requests(siteId: string): number;
  /** Every request, HEAD and GET. */
  requestsOf(siteId: string): number;
  totalRequests(): number;
  /** True once a `gate` of this site opened because enough requests were waiting (not by its fallback). */
  wasGateFilled(siteId: string): boolean;
  close(): Promise<void>;
}

// A GET this soon after a HEAD the site failed is the probe asking again with GET: the same check.
const FALLBACK_WINDOW_MS = 10_000;
// A gate that never fills must not hold a test forever: it opens on its own after this long.
const GATE_FALLBACK_MS = 5_000;

/**
 * Many sites behind one real HTTP server on 127.0.0.1, one path each, every one with its own behaviour and
 * request counter. Unknown paths answer 200.
 */
export async function startFakeSites(): Promise<FakeSites> {
  const behaviours = new Map<string, SiteBehaviour>();
  const counts = new Map<string, { checks: number; requests: number }>();
  const waiting = new Map<string, ServerResponse[]>();
  const cycles = new Map<string, number>();
  const filledGates = new Set<string>();
  let total = 0;

  const answerWith = (response: ServerResponse, status: number) => {
    if (!response.writableEnded) response.writeHead(status, { connection: 'close' }).end();
  };
  const failedHeads = new Map<string, number[]>();
  const behaviourOf = (siteId: string): SiteBehaviour =>
    behaviours.get(siteId) ?? { kind: 'status', status: 200 };

  const server = createServer((request, response) => {
    const siteId = decodeURIComponent((request.url ?? '/').slice(1).split('?')[0] ?? '');
    total++;
    // A HEAD starts a check; so does a GET, unless it is the one a failed HEAD of the site just brought.
    const isHead = request.method === 'HEAD';
    // Failed HEADs each owe one GET (checks of one site can overlap: a duplicate delivery, a race).
    const owed = (failedHeads.get(siteId) ?? []).filter((atMs) => Date.now() - atMs < FALLBACK_WINDOW_MS);
    const isFallbackGet = !isHead && owed.length > 0;
    failedHeads.set(siteId, isFallbackGet ? owed.slice(1) : owed);
    const tally = counts.get(siteId) ?? { checks: 0, requests: 0 };
    counts.set(siteId, { checks: tally.checks + (isFallbackGet ? 0 : 1), requests: tally.requests + 1 });
    const answer = (response: ServerResponse, status: number) => {
      if (isHead && status >= 400) failedHeads.set(siteId, [...(failedHeads.get(siteId) ?? []), Date.now()]);
      answerWith(response, status);
    };
    if (isHead && behaviourOf(siteId).kind === 'hang') {
      failedHeads.set(siteId, [...(failedHeads.get(siteId) ?? []), Date.now()]);
    }
    const behaviour = behaviourOf(siteId);
    switch (behaviour.kind) {
      case 'status':
        if (behaviour.delayMs) setTimeout(() => answer(response, behaviour.status), behaviour.delayMs);
        else answer(response, behaviour.status);
        return;
      case 'hang':
        return;
      case 'cycle': {
        // The GET a failed HEAD brings is the same check: it sees the same status.
        const turn = (cycles.get(siteId) ?? 0) + (isFallbackGet ? 0 : 1);
        cycles.set(siteId, turn);
        answer(response, behaviour.statuses[(turn - 1) % behaviour.statuses.length] ?? 200);
        return;
      }
      case 'gate': {
        const queue = waiting.get(siteId) ?? [];
        waiting.set(siteId, queue);
        queue.push(response);
        const release = () => {
          for (const held of queue.splice(0)) answer(held, behaviour.status);
        };
        if (queue.length >= behaviour.together) {
          filledGates.add(siteId);
          release();
        } else setTimeout(release, GATE_FALLBACK_MS).unref();
        return;
      }
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: (siteId, host = '127.0.0.1') => `http://${host}:${port}/${siteId}`,
    set: (siteId, behaviour) => void behaviours.set(siteId, behaviour),
    requests: (siteId) => counts.get(siteId)?.checks ?? 0,
    requestsOf: (siteId) => counts.get(siteId)?.requests ?? 0,
    totalRequests: () => total,
    wasGateFilled: (siteId) => filledGates.has(siteId),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
