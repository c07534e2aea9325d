import { renderStatus, statusJson, summarizeStatus } from '../core/render.ts';
import { EXIT } from '../errors.ts';
import type { Io } from '../io.ts';
import { type TargetOptions, withTarget } from '../target.ts';
import { scanAll } from './sites.ts';

/**
 * `status`: every site's state, since when, and its last change. The checker writes only when something
 * changes, so the stored last check is the last change, not the latest check.
 */
export async function showStatus(
  options: { readonly json?: boolean },
  target: TargetOptions,
  io: Io,
  nowMs = Date.now(),
): Promise<number> {
  return withTarget(target, async (resolved) => {
    const records = await scanAll(resolved, io);
    if (options.json) {
      for (const line of statusJson(records)) io.out(line);
    } else if (records.length === 0) {
      io.err('no sites yet: add one with `squirrel sites add URL`');
    } else {
      io.out(renderStatus(records, nowMs));
      io.out('');
      io.out(summarizeStatus(records));
    }
    return EXIT.ok;
  });
}
