import type { SiteRecord, SiteStore } from '../../functions/adapters/site-store.ts';
import { SNAPSHOT_OMITTED_FIELDS } from '../../functions/domain/check-message.ts';
import type { SiteConfig } from '../../functions/domain/site.ts';
import type { OutboxEntry, SiteState } from '../../functions/domain/site-state.ts';
import { INITIAL_STATE } from '../../functions/domain/site-state.ts';

type CheckerStore = Pick<SiteStore, 'commitState' | 'getSite' | 'claimAlert' | 'clearAlert'>;

/**
 * The same conditional-write contract as SiteStore (version check, claims, idempotent clear), in memory,
 * so service tests can race checkers deterministically. SiteStore itself is tested against dynalite.
 */
export class InMemorySiteStore implements CheckerStore {
  readonly #items = new Map<string, SiteRecord>();
  writes = 0;
  /** Commits that are applied and then answered with an error (a lost acknowledgement). */
  lostCommitAnswers = 0;
  /** Outbox clears that fail. */
  clearFailures = 0;

  put(config: SiteConfig, state: SiteState = INITIAL_STATE): void {
    this.#items.set(config.siteId, { config, state });
  }

  state(siteId: string): SiteState | undefined {
    return this.#items.get(siteId)?.state;
  }

  async getSite(siteId: string): Promise<SiteRecord | undefined> {
    return this.#items.get(siteId);
  }

  async commitState(
    siteId: string,
    expectedVersion: number,
    next: SiteState,
  ): Promise<'committed' | 'conflict'> {
    await Promise.resolve();
    const item = this.#items.get(siteId);
    if (!item || item.state.version !== expectedVersion) return 'conflict';
    this.writes++;
    // As SiteStore: fields a snapshot leaves out are kept when the next state has none.
    const kept = Object.fromEntries(
      SNAPSHOT_OMITTED_FIELDS.filter(
        (field) => next[field] === undefined && item.state[field] !== undefined,
      ).map((field) => [field, item.state[field]]),
    );
    this.#items.set(siteId, { config: item.config, state: { ...next, ...kept } });
    if (this.lostCommitAnswers > 0) {
      this.lostCommitAnswers--;
      throw new Error('InternalServerError: the write was applied, its answer lost');
    }
    return 'committed';
  }

  async claimAlert(siteId: string, entry: OutboxEntry, claimedUntilMs: number): Promise<boolean> {
    await Promise.resolve();
    const item = this.#items.get(siteId);
    const current = item?.state.pendingAlerts?.[entry.alert.alertId];
    if (!item || current?.claimedUntilMs !== entry.claimedUntilMs) return false;
    this.writes++;
    const pendingAlerts = {
      ...item.state.pendingAlerts,
      [entry.alert.alertId]: { ...current, claimedUntilMs },
    };
    this.#items.set(siteId, {
      ...item,
      state: { ...item.state, pendingAlerts, version: item.state.version + 1 },
    });
    return true;
  }

  async clearAlert(siteId: string, alertId: string): Promise<void> {
    await Promise.resolve();
    if (this.clearFailures > 0) {
      this.clearFailures--;
      throw new Error('InternalServerError: clear failed');
    }
    const item = this.#items.get(siteId);
    if (!item?.state.pendingAlerts?.[alertId]) return;
    this.writes++;
    const { [alertId]: _cleared, ...pendingAlerts } = item.state.pendingAlerts;
    this.#items.set(siteId, {
      ...item,
      state: { ...item.state, pendingAlerts, version: item.state.version + 1 },
    });
  }
}
