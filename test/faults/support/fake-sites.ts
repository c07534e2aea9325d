import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How a fake site answers. */
export type SiteBehaviour =
  | { readonly kind: 'status'; readonly status: number; readonly delayMs?: number }
  /** Accepts the request and never answers (until the fleet closes). */
  | { readonly kind: 'hang' }
  /** Holds requests until `together` of them are waiting, then answers all (a barrier for races). */
  | { readonly kind: 'gate'; readonly status: number; readonly together: number }
  /** Answers each request with the next status of the cycle: [200, 503] flaps on every check. */
  | { readonly kind: 'cycle'; readonly statuses: readonly number[] };

export interface FakeSites {
  /** The site's URL: `http://<host>:<port>/<siteId>`; host 127.0.0.1 unless given (e.g. `localhost`). */
  url(siteId: string, host?: string): string;
  set(siteId: string, behaviour: SiteBehaviour): void;
  requests(siteId: string): number;
  totalRequests(): number;
  /** True once a `gate` of this site opened because enough requests were waiting (not by its fallback). */
  wasGateFilled(siteId: string): boolean;
  close(): Promise<void>;
}

// A gate that never fills must not hold a test forever: it opens on its own after this long.
const GATE_FALLBACK_MS = 5_000;

/**
 * Many sites behind one real HTTP server on 127.0.0.1, one path each, every one with its own behaviour and
 * request counter. Unknown paths answer 200.
 */
export async function startFakeSites(): Promise<FakeSites> {
  const behaviours = new Map<string, SiteBehaviour>();
  const counts = new Map<string, number>();
  const waiting = new Map<string, ServerResponse[]>();
  const cycles = new Map<string, number>();
  const filledGates = new Set<string>();
  let total = 0;

  const answer = (response: ServerResponse, status: number) => {
    if (!response.writableEnded) response.writeHead(status, { connection: 'close' }).end();
  };

  const server = createServer((request, response) => {
    const siteId = decodeURIComponent((request.url ?? '/').slice(1).split('?')[0] ?? '');
    total++;
    counts.set(siteId, (counts.get(siteId) ?? 0) + 1);
    const behaviour = behaviours.get(siteId) ?? { kind: 'status', status: 200 };
    switch (behaviour.kind) {
      case 'status':
        if (behaviour.delayMs) setTimeout(() => answer(response, behaviour.status), behaviour.delayMs);
        else answer(response, behaviour.status);
        return;
      case 'hang':
        return;
      case 'cycle': {
        const turn = cycles.get(siteId) ?? 0;
        cycles.set(siteId, turn + 1);
        answer(response, behaviour.statuses[turn % behaviour.statuses.length] ?? 200);
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
    requests: (siteId) => counts.get(siteId) ?? 0,
    totalRequests: () => total,
    wasGateFilled: (siteId) => filledGates.has(siteId),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
