import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { SiteRecord } from '../../functions/adapters/site-store.ts';
import { parseSiteConfig } from '../../functions/domain/site.ts';
import { INITIAL_STATE, type SiteState } from '../../functions/domain/site-state.ts';
import { squirrelCommand } from '../../local/banner.ts';
import { ConsoleView, lastChangeLabel } from '../../local/console-view.ts';
import { makeDataDir, startTestRuntime, waitFor } from '../helpers/local-runtime.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping ANSI codes is the point.
const ANSI_CODES = /\x1b\[[0-9;]*[A-Za-z]/g;

/** A terminal 120 columns wide that keeps what was written, ANSI codes stripped. */
function fakeTerminal(): { readonly stream: NodeJS.WriteStream; text(): string } {
  let written = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      written += chunk.toString('utf8');
      done();
    },
  });
  Object.assign(stream, { isTTY: true, columns: 120, rows: 40 });
  return {
    stream: stream as unknown as NodeJS.WriteStream,
    text: () => written.replace(ANSI_CODES, ''),
  };
}

describe('ConsoleView', () => {
  it('shows the squirrel command with the runtime’s own --data-dir in its hints', async () => {
    // Prepare
    const dir = await makeDataDir();
    cleanups.push(dir.remove);
    const runtime = await startTestRuntime(dir.path);
    cleanups.push(() => runtime.stop());
    const squirrel = squirrelCommand(runtime.dataDir, '/nowhere/.squirrel');
    const terminal = fakeTerminal();
    const view = new ConsoleView({
      runtime,
      output: terminal.stream,
      refreshMs: 60_000,
      summaryEveryMs: 60_000,
      logsDir: `${runtime.dataDir}/logs`,
      squirrel,
    });
    cleanups.push(() => view.detach());

    // Act: the first status block is drawn at start
    view.start();
    await waitFor('the status block', () => terminal.text().includes('Ctrl-C to stop'));

    // Assess
    expect(squirrel).toBe(`npx squirrel --data-dir ${runtime.dataDir}`);
    expect(terminal.text()).toContain(`No sites yet. Add one: ${squirrel} sites add https://example.org/`);
    expect(terminal.text()).toContain(`add a site: ${squirrel} sites add URL`);
  }, 30_000);
});

describe('lastChangeLabel', () => {
  const AT_MS = Date.UTC(2026, 11, 6, 12, 0, 1);
  const record = (state: Partial<SiteState>): SiteRecord => ({
    config: parseSiteConfig({ siteId: 'edge', url: 'https://edge.example/' }),
    state: { ...INITIAL_STATE, ...state },
  });
  const homeFailure = {
    atMs: AT_MS,
    up: false,
    reason: 'timeout',
    detail: 'no answer in 10000 ms',
    latencyMs: 10_000,
  } as const;
  const localTimeout = {
    outcome: 'down',
    location: 'local',
    reason: 'timeout',
    detail: 'no answer in 10000 ms',
    latencyMs: 10_000,
  } as const;
  const reached = (location: string) => ({ outcome: 'up', location, status: 200, latencyMs: 3 }) as const;

  it('shows a REGIONAL site with its locations on one line', () => {
    // Act
    const label = lastChangeLabel(
      record({
        status: 'REGIONAL',
        lastCheck: homeFailure,
        verification: {
          atMs: AT_MS,
          locations: [localTimeout, reached('local-west'), reached('local-east')],
        },
      }),
    );

    // Assess
    expect(label).toMatch(/^\d\d:\d\d:\d\d · down from local \(timeout\); up from local-west, local-east$/);
  });

  it('adds the locations to a DOWN confirmed by a verification, and nothing to one without', () => {
    // Prepare
    const down = { status: 'DOWN' as const, lastCheck: homeFailure };
    const verification = {
      atMs: AT_MS,
      locations: [localTimeout, { ...localTimeout, location: 'local-west' }, reached('local-east')],
    };

    // Act
    const verified = lastChangeLabel(record({ ...down, verification }));
    const plain = lastChangeLabel(record(down));

    // Assess
    expect(verified).toMatch(
      /^\d\d:\d\d:\d\d · 10000 ms · timeout: no answer in 10000 ms · from 2 of 3 locations: down from local \(timeout\), local-west \(timeout\); up from local-east$/,
    );
    expect(plain).toMatch(/^\d\d:\d\d:\d\d · 10000 ms · timeout: no answer in 10000 ms$/);
    expect(verified).not.toContain('\n');
  });
});
