import { SiteStore } from '../../functions/adapters/site-store.ts';
import { startLocalStatusPage } from '../../local/local-status-page.ts';
import { parseWholeNumberOption } from '../core/site-input.ts';
import { EXIT, InputError } from '../errors.ts';
import type { Io } from '../io.ts';
import { type TargetOptions, withTarget } from '../target.ts';

/** The port `squirrel page` asks for first; `npm start` may hold it, then any free port is used. */
export const DEFAULT_PAGE_PORT = 8787;

export interface PageOptions {
  readonly port?: string;
}

/**
 * `page`: serves the private status page (every site, URLs and failure details) on 127.0.0.1 only, its
 * status.json built on each request from the target's table and history summary with the caller's
 * credentials, until `stopped` resolves (Ctrl-C). Never on the internet: the public page is the stack's.
 */
export async function servePage(
  options: PageOptions,
  target: TargetOptions,
  io: Io,
  stopped: Promise<unknown> = untilInterrupted(),
): Promise<number> {
  const port = parsePort(options.port);
  return withTarget(target, async (resolved) => {
    const server = await startLocalStatusPage({
      port,
      store: new SiteStore(resolved.dynamodb(), resolved.tableName),
      history: await resolved.history(),
    }).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
      throw new InputError(
        `port ${typeof port === 'number' ? port : port.preferred} on 127.0.0.1 is taken (\`npm start\` serves its own page on ${DEFAULT_PAGE_PORT}): pass --port 0 for any free port`,
      );
    });
    try {
      io.out(`the status page of the ${resolved.description}: ${server.url}`);
      io.err('serving on 127.0.0.1 only; Ctrl-C stops it');
      await stopped;
    } finally {
      await server.close();
    }
    return EXIT.ok;
  });
}

function parsePort(raw: string | undefined): number | { readonly preferred: number } {
  if (raw === undefined) return { preferred: DEFAULT_PAGE_PORT };
  const parsed = parseWholeNumberOption('--port', raw, 0, 65_535);
  if (!parsed.ok) throw new InputError(`${parsed.message} (0 = any free port)`);
  return parsed.value;
}

/** Resolves on the first SIGINT or SIGTERM (and stops listening for them). */
function untilInterrupted(): Promise<string> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
