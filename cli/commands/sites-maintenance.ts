import type { SiteRecord } from '../../functions/adapters/site-store.ts';
import { SiteStore } from '../../functions/adapters/site-store.ts';
import { activeWindowOf, type MaintenanceWindow } from '../../functions/domain/maintenance-window.ts';
import { parseSiteConfig, type SiteConfig, SiteValidationError } from '../../functions/domain/site.ts';
import { describeIdTaken } from '../core/import-file.ts';
import { describeEndedWindow, parseMaintenanceSpec } from '../core/maintenance-spec.ts';
import { describeMaintenanceWindow, renderTable, toJsonLine } from '../core/render.ts';
import { assertSiteId } from '../core/site-input.ts';
import { CommandError, EXIT, InputError } from '../errors.ts';
import type { Io } from '../io.ts';
import { type Target, type TargetOptions, withTarget } from '../target.ts';

export interface MaintenanceAddOptions {
  readonly once?: readonly string[];
  readonly weekly?: readonly string[];
  readonly json?: boolean;
}

/**
 * `sites maintenance add ID --once START END | --weekly DAYS HH:MM DURATION_MIN ZONE`: validates the window
 * with the domain's schema (exit 2 naming the part and the bad value), refuses a one-off window that has
 * already ended, then adds it to the site's windows.
 */
export async function addMaintenance(
  siteId: string,
  options: MaintenanceAddOptions,
  target: TargetOptions,
  io: Io,
  nowMs = Date.now(),
): Promise<number> {
  assertSiteId(siteId);
  const words = options.once
    ? ['once', ...options.once]
    : options.weekly
      ? ['weekly', ...options.weekly]
      : [];
  if (words.length === 0) {
    throw new InputError('give the window: --once START END, or --weekly DAYS HH:MM DURATION_MIN ZONE');
  }
  const parsed = parseMaintenanceSpec(words, nowMs);
  if (!parsed.ok) throw new InputError(`--${words[0]}: ${parsed.message}`);
  const window = parsed.value;
  const ended = describeEndedWindow(window, nowMs);
  if (ended !== undefined) throw new InputError(`--${words[0]}: ${ended}`);
  return updateMaintenance(siteId, target, (windows) => [...windows, window], 'added a window to', {
    io,
    isJson: options.json === true,
    nowMs,
  });
}

/** `sites maintenance list ID`: the windows, numbered from 1, and which one is active now. */
export async function listMaintenance(
  siteId: string,
  options: { readonly json?: boolean },
  target: TargetOptions,
  io: Io,
  nowMs = Date.now(),
): Promise<number> {
  assertSiteId(siteId);
  return withTarget(target, async (resolved) => {
    const record = await requireSite(resolved, siteId);
    printWindows(record.config.maintenance, io, options.json === true, nowMs, siteId);
    return EXIT.ok;
  });
}

/** `sites maintenance remove ID N`. */
export async function removeMaintenance(
  siteId: string,
  rawNumber: string,
  target: TargetOptions,
  io: Io,
  nowMs = Date.now(),
): Promise<number> {
  assertSiteId(siteId);
  if (!/^\d+$/.test(rawNumber) || Number(rawNumber) < 1) {
    throw new InputError(
      `N must be a window number from \`sites maintenance list\` (1, 2, …), got "${rawNumber}"`,
    );
  }
  const index = Number(rawNumber) - 1;
  return updateMaintenance(
    siteId,
    target,
    (windows) => {
      if (index >= windows.length) {
        throw new CommandError(
          `site "${siteId}" has ${windows.length} maintenance window(s), no window ${rawNumber}`,
        );
      }
      return windows.filter((_, i) => i !== index);
    },
    `removed window ${rawNumber} of`,
    { io, isJson: false, nowMs },
  );
}

/** `sites maintenance clear ID`. */
export async function clearMaintenance(siteId: string, target: TargetOptions, io: Io): Promise<number> {
  assertSiteId(siteId);
  return updateMaintenance(siteId, target, () => [], 'cleared the windows of', {
    io,
    isJson: false,
    nowMs: Date.now(),
  });
}

/**
 * Reads the site, changes its windows, validates the whole config with the domain's schema (too many windows
 * is bad input) and writes it back. Concurrent edits of one site's windows are last-writer-wins.
 */
async function updateMaintenance(
  siteId: string,
  target: TargetOptions,
  change: (windows: readonly MaintenanceWindow[]) => MaintenanceWindow[],
  verb: string,
  output: { readonly io: Io; readonly isJson: boolean; readonly nowMs: number },
): Promise<number> {
  const { io, isJson, nowMs } = output;
  return withTarget(target, async (resolved) => {
    const record = await requireSite(resolved, siteId);
    const windows = change(record.config.maintenance);
    let config: SiteConfig;
    try {
      config = parseSiteConfig({ ...record.config, maintenance: windows });
    } catch (error) {
      if (error instanceof SiteValidationError) throw new InputError(error.message);
      throw error;
    }
    const store = new SiteStore(resolved.dynamodb(), resolved.tableName);
    if ((await store.putSiteConfig(config)) === 'id-taken') {
      throw new CommandError(describeIdTaken(siteId, 'another URL'));
    }
    if (!isJson) io.out(`${verb} ${siteId}: ${windows.length} maintenance window(s)`);
    printWindows(config.maintenance, io, isJson, nowMs, siteId);
    return EXIT.ok;
  });
}

async function requireSite(target: Target, siteId: string): Promise<SiteRecord> {
  const record = await new SiteStore(target.dynamodb(), target.tableName).getSite(siteId);
  if (!record) throw new CommandError(`no site with id "${siteId}"`);
  return record;
}

function printWindows(
  windows: readonly MaintenanceWindow[],
  io: Io,
  isJson: boolean,
  nowMs: number,
  siteId: string,
): void {
  const rows = windows.map((window, index) => ({
    n: index + 1,
    window,
    active: activeWindowOf(window, nowMs),
  }));
  if (isJson) {
    for (const { n, window, active } of rows) {
      io.out(
        toJsonLine({
          siteId,
          n,
          ...window,
          isActive: active !== undefined,
          ...(active ? { activeUntil: new Date(active.endMs).toISOString() } : {}),
        }),
      );
    }
    return;
  }
  if (rows.length === 0) {
    io.err(`${siteId} has no maintenance windows`);
    return;
  }
  io.out(
    renderTable(
      ['N', 'KIND', 'WHEN', 'NOW'],
      rows.map(({ n, window, active }) => [
        String(n),
        window.kind,
        describeMaintenanceWindow(window),
        active ? `active until ${new Date(active.endMs).toISOString().slice(0, 16)}Z` : '-',
      ]),
    ),
  );
}
