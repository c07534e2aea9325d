import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { squirrelCommand } from '../../local/banner.ts';
import { ConsoleView } from '../../local/console-view.ts';
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
