import type { AlertPublisher } from '../adapters/alert-publisher.ts';
import type { CheckQueue } from '../adapters/check-queue.ts';
import type { Probe } from '../adapters/http-probe.ts';
import { type Logger, redactUrl } from '../adapters/logger.ts';
import type { SiteRecord, SiteStore } from '../adapters/site-store.ts';
import type { Alert } from '../domain/alert.ts';
import {
  type AlertGroup,
  compareSitesForGrouping,
  describeGroup,
  groupAlerts,
  MIN_GROUP_SIZE,
} from '../domain/alert-group.ts';
import { decideTransition } from '../domain/alert-policy.ts';
import { type CheckTask, packCheckMessages, parseCheckMessage } from '../domain/check-message.ts';
import type { CheckResult } from '../domain/check-result.ts';
import { expectedCheckMs } from '../domain/expected-check-time.ts';
import { pendingAlertsOf } from '../domain/outbox.ts';
import { ALERT_CLAIM_MS, type OutboxEntry, type SiteState } from '../domain/site-state.ts';
import { parseStatusRanges } from '../domain/status-range.ts';
import { createStartLimiter } from './start-limiter.ts';

export interface CheckerDeps {
  readonly store: Pick<SiteStore, 'commitState' | 'getSite' | 'claimAlert' | 'clearAlert'>;
  readonly probe: Pick<Probe, 'check'>;
  /** Without `publishGroup` (a test double that only counts alerts) nothing is grouped. */
  readonly publisher: Pick<AlertPublisher, 'publish'> & Partial<Pick<AlertPublisher, 'publishGroup'>>;
  readonly queue: Pick<CheckQueue, 'send'>;
  readonly log: Logger;
  readonly nowMs: () => number;
}

/**
 * Long enough for the CPU of a check (connect, TLS handshake, request) to be behind it on most sites, short
 * enough that slow and hung sites do not hold back the start of the others (bench: the sized phase).
 */
export const DEFAULT_START_SLOT_MS = 500;

/** Each check in flight holds a socket: Lambda allows 1,024 descriptors, and the runtime and SDK need some. */
export const MAX_CHECKS_IN_FLIGHT = 800;

export interface CheckerOptions {
  /** Absolute time by which the invocation must have returned (the Lambda deadline). */
  readonly deadlineMs: number;
  /** Checks in their first `startSlotMs` at once (createStartLimiter): CHECK_CONCURRENCY. */
  readonly concurrency: number;
  /** How long a check counts against `concurrency` unless it ends sooner. @default DEFAULT_START_SLOT_MS */
  readonly startSlotMs?: number;
  /** Time kept back from the deadline for the writes, publishes and the response after the probes. */
  readonly reserveMs?: number;
  /** Fewest DOWN alerts of one owner, sharing a reason or a host, sent as one grouped alert. @default 3 */
  readonly minGroupSize?: number;
}

export interface QueueRecord {
  readonly messageId: string;
  readonly body: string;
}

/** `retry`: the message must come back (SQS redelivers it, then the DLQ). */
type TaskOutcome = { readonly verdict: CheckResult['kind']; readonly retry: boolean };
const RETRY_FAULT: TaskOutcome = { verdict: 'fault', retry: true };

interface ParsedMessage {
  readonly messageId: string;
  readonly tasks: readonly CheckTask[];
  /** A malformed message's one fault at once; the others' as their checks end (in any order). */
  readonly outcomes: TaskOutcome[];
}

export interface BatchReport {
  readonly failedMessageIds: readonly string[];
  readonly checksCompleted: number;
  readonly checksDown: number;
  readonly checkerFaults: number;
  readonly malformedMessages: number;
  /** Alerts that left the outbox, alone or as members of a group. */
  readonly alertsPublished: number;
  /** Grouped messages among them (each stands for several alerts). */
  readonly alertGroupsPublished: number;
}

// Commit attempts per check: each conflict means another writer moved the state, so re-read and re-decide.
const MAX_COMMIT_ATTEMPTS = 4;
const DEFAULT_RESERVE_MS = 3_000;
// As many re-checks a message as the fan-out packs checks, so sites that failed together are confirmed together.
const RECHECKS_PER_MESSAGE = 50;
// A held alert whose claim ends sooner than this is left to the outbox: another publisher may take it over.
const CLAIM_MARGIN_MS = 5_000;

/** A DOWN alert this invocation committed (and holds the claim of), kept back to be sent grouped or alone. */
interface HeldAlert {
  readonly messageId: string;
  readonly siteId: string;
  readonly entry: OutboxEntry;
}

/** A confirming re-check, sent with the others of the invocation once every check has committed. */
interface HeldRecheck {
  readonly messageId: string;
  readonly task: CheckTask;
  readonly delaySeconds: number;
}

/**
 * The checker: runs every check of every message concurrently, commits transitions, publishes alerts.
 * A bad message or a check that could not be completed fails only its own message, never its neighbours.
 * DOWN alerts and re-checks wait until every check of the invocation has committed: DOWN alerts of one owner
 * confirmed together are then grouped, and the re-checks of sites that failed together travel together.
 */
export async function processCheckBatch(
  records: readonly QueueRecord[],
  deps: CheckerDeps,
  options: CheckerOptions,
): Promise<BatchReport> {
  const limit = createStartLimiter(
    options.concurrency,
    options.startSlotMs ?? DEFAULT_START_SLOT_MS,
    MAX_CHECKS_IN_FLIGHT,
  );
  const counters = { published: 0, groups: 0, malformed: 0 };
  const run = new CheckRun(deps, options, counters);
  const perMessage = records.map((record): ParsedMessage => {
    try {
      return { messageId: record.messageId, tasks: parseCheckMessage(record.body).tasks, outcomes: [] };
    } catch (error) {
      counters.malformed++;
      deps.log.error('malformed check message: left for the DLQ', {
        messageId: record.messageId,
        error: (error as Error).message,
      });
      return { messageId: record.messageId, tasks: [], outcomes: [RETRY_FAULT] };
    }
  });
  // Longest first: a site that timed out last time starts at once, so its wait overlaps the others' instead
  // of ending the invocation a timeout after the last start. The sort is stable: otherwise message order.
  const queued = perMessage
    .flatMap((message) => message.tasks.map((task) => ({ message, task })))
    .sort((a, b) => expectedCheckMs(b.task) - expectedCheckMs(a.task));
  // Pacing must never cost a check its chance: from the last moment at which the longest site timeout still fits
  // before the deadline, every queued check starts.
  const longestTimeoutMs = Math.max(0, ...queued.map(({ task }) => task.site.timeoutMs));
  const paceUntilMs = options.deadlineMs - (options.reserveMs ?? DEFAULT_RESERVE_MS) - longestTimeoutMs;
  const pacing = setTimeout(() => limit.stopPacing(), Math.max(0, paceUntilMs - deps.nowMs()));
  try {
    await Promise.all(
      queued.map(async ({ message, task }) => {
        message.outcomes.push(await limit(() => run.runTask(task, message.messageId)));
      }),
    );
  } finally {
    clearTimeout(pacing);
  }
  const lateFailures = await run.finish();
  const outcomes = perMessage.flatMap((message) => message.outcomes);
  const report: BatchReport = {
    failedMessageIds: perMessage
      .filter((m) => lateFailures.has(m.messageId) || m.outcomes.some((o) => o.retry))
      .map((m) => m.messageId),
    checksCompleted: outcomes.filter((o) => o.verdict !== 'fault').length,
    checksDown: outcomes.filter((o) => o.verdict === 'down').length,
    checkerFaults: outcomes.filter((o) => o.verdict === 'fault').length - counters.malformed,
    malformedMessages: counters.malformed,
    alertsPublished: counters.published,
    alertGroupsPublished: counters.groups,
  };
  // One metric, for the "monitor stalled" alarm; the rest is queryable in the logs at no metric cost.
  deps.log.metrics(
    { ChecksCompleted: report.checksCompleted },
    {
      ChecksDown: report.checksDown,
      CheckerFaults: report.checkerFaults,
      AlertsPublished: report.alertsPublished,
      AlertGroupsPublished: report.alertGroupsPublished,
    },
  );
  return report;
}

class CheckRun {
  readonly #heldAlerts: HeldAlert[] = [];
  readonly #heldRechecks: HeldRecheck[] = [];

  constructor(
    private readonly deps: CheckerDeps,
    private readonly options: CheckerOptions,
    private readonly counters: { published: number; groups: number },
  ) {}

  /** Runs one check end to end. Never throws: anything unexpected fails (and so retries) only its message. */
  async runTask(task: CheckTask, messageId: string): Promise<TaskOutcome> {
    let verdict: CheckResult['kind'] = 'fault';
    try {
      const result = await this.probe(task);
      if (!result) return { verdict, retry: true };
      verdict = result.kind;
      if (result.kind !== 'fault') return { verdict, retry: await this.apply(task, result, messageId) };
      this.deps.log.warn('check not completed', {
        siteId: task.site.siteId,
        url: redactUrl(task.site.url),
        reason: result.reason,
        detail: result.detail,
      });
      // A blocked address will be blocked again: retrying costs money and changes nothing.
      if (result.reason === 'blocked-address')
        return { verdict, retry: !(await this.flushOutbox(task.site.siteId, task.state)) };
      return { verdict, retry: true };
    } catch (error) {
      this.deps.log.error('check result not stored: will be retried', {
        siteId: task.site.siteId,
        error: (error as Error).message,
      });
      return { verdict, retry: true };
    }
  }

  /**
   * Sends what the checks held back: the re-checks, packed together, and the DOWN alerts, grouped where
   * `groupAlerts` finds groups, alone otherwise. Never throws. @returns the messages that must come back.
   */
  async finish(): Promise<Set<string>> {
    const failed = new Set<string>();
    await Promise.all([this.#sendRechecks(failed), this.#publishHeldAlerts(failed)]);
    return failed;
  }

  /** Probes the site within what is left of the invocation; undefined when there is no time left to try. */
  private async probe(task: CheckTask): Promise<CheckResult | undefined> {
    const { site } = task;
    const remainingMs =
      this.options.deadlineMs - (this.options.reserveMs ?? DEFAULT_RESERVE_MS) - this.deps.nowMs();
    if (remainingMs <= 0) {
      this.deps.log.warn('check not attempted: checker deadline reached', { siteId: site.siteId });
      return undefined;
    }
    const target = {
      url: site.url,
      method: site.method,
      timeoutMs: site.timeoutMs,
      expectStatus: parseStatusRanges(site.expectStatus),
      headers: site.headers,
      keyword: site.keyword,
    };
    return this.deps.probe.check(target, AbortSignal.timeout(remainingMs));
  }

  /** Commits the transition (if any), sends the alerts, holds the re-check. True when it must be retried. */
  private async apply(task: CheckTask, result: CheckResult, messageId: string): Promise<boolean> {
    let record: SiteRecord = { config: task.site, state: task.state };
    let committedAlerts: readonly Alert[] = [];
    let recheckAfterSeconds: number | undefined;
    let alertsInDoubt: readonly Alert[] = [];
    for (let attempt = 1; ; attempt++) {
      const decision = decideTransition(record.config, record.state, result, task.checkId, this.deps.nowMs());
      if (!decision.next) break;
      const outcome = await this.deps.store.commitState(
        record.config.siteId,
        record.state.version,
        decision.next,
      );
      if (outcome === 'committed') {
        record = { config: record.config, state: decision.next };
        committedAlerts = decision.alerts;
        recheckAfterSeconds = decision.recheckAfterSeconds;
        this.deps.log.info('state committed', {
          siteId: record.config.siteId,
          status: decision.next.status,
          version: decision.next.version,
          ...(decision.alerts.length > 0 ? { alerts: decision.alerts.map((alert) => alert.event) } : {}),
        });
        break;
      }
      if (attempt >= MAX_COMMIT_ATTEMPTS) {
        this.deps.log.warn('state not committed: too many concurrent writers', {
          siteId: record.config.siteId,
        });
        return true;
      }
      const fresh = await this.deps.store.getSite(record.config.siteId);
      if (!fresh) return false;
      // Paused or pointed elsewhere while we checked: this result no longer applies, but alerts committed
      // before that still go out (the fan-out skips paused sites, so nobody else would send them).
      if (!fresh.config.enabled || fresh.config.url !== task.site.url) {
        return !(await this.flushOutbox(fresh.config.siteId, fresh.state));
      }
      record = fresh;
      // This check is already stored: a duplicate delivery won the race, or DynamoDB applied our own write and
      // its answer was lost (the SDK's retry then failed the version check). Either way the transition's
      // re-check may never have been sent (its id `r<version>` makes a second copy a no-op), and its alerts may
      // be claimed by a publisher that will never send them: keep the message until they went out.
      if (fresh.state.lastCheckId === task.checkId) {
        if (fresh.state.version === decision.next.version) {
          recheckAfterSeconds = decision.recheckAfterSeconds;
          alertsInDoubt = decision.alerts;
        }
        break;
      }
    }
    const published = await this.flushOutbox(record.config.siteId, record.state, committedAlerts, messageId);
    const nowMs = this.deps.nowMs();
    const isAlertInDoubt = pendingAlertsOf(record.state).some(
      (entry) =>
        entry.claimedUntilMs > nowMs && alertsInDoubt.some((alert) => alert.alertId === entry.alert.alertId),
    );
    if (recheckAfterSeconds !== undefined) {
      const recheck: CheckTask = {
        checkId: `r${record.state.version}`,
        site: record.config,
        state: record.state,
      };
      this.#heldRechecks.push({ messageId, task: recheck, delaySeconds: recheckAfterSeconds });
    }
    return !published || isAlertInDoubt;
  }

  /**
   * Publishes the alerts waiting in the outbox: those this checker just committed (it holds their claims), and
   * any whose claim expired (its publisher failed or crashed). DOWN alerts just committed are held for
   * `finish` instead (given `messageId`, the message that answers for them). True when every alert not held
   * went out.
   */
  private async flushOutbox(
    siteId: string,
    state: SiteState,
    committed: readonly Alert[] = [],
    messageId?: string,
  ): Promise<boolean> {
    let allSent = true;
    for (const entry of pendingAlertsOf(state)) {
      const nowMs = this.deps.nowMs();
      const isOurs = committed.some((alert) => alert.alertId === entry.alert.alertId);
      if (isOurs && entry.alert.event === 'DOWN' && messageId !== undefined) {
        this.#heldAlerts.push({ messageId, siteId, entry });
        continue;
      }
      if (!isOurs && entry.claimedUntilMs > nowMs) continue;
      if (!isOurs && !(await this.deps.store.claimAlert(siteId, entry, nowMs + ALERT_CLAIM_MS))) continue;
      if (!(await this.#publishOne(siteId, entry.alert))) allSent = false;
    }
    return allSent;
  }

  /** Publishes one alert and clears it from the outbox. False when SNS refused it (it stays in the outbox). */
  async #publishOne(siteId: string, alert: Alert): Promise<boolean> {
    if (!(await this.#send(siteId, alert))) return false;
    await this.deps.store.clearAlert(siteId, alert.alertId);
    return true;
  }

  /** Publishes one alert; false (logged) when SNS did not accept it, which leaves it in its outbox. */
  async #send(siteId: string, alert: Alert): Promise<boolean> {
    try {
      await this.deps.publisher.publish(alert);
    } catch (error) {
      this.deps.log.error('alert not published: it stays in the outbox and will be retried', {
        siteId,
        alertId: alert.alertId,
        error: (error as Error).message,
      });
      return false;
    }
    this.counters.published++;
    this.deps.log.info('alert published', { siteId, alertId: alert.alertId, event: alert.event });
    return true;
  }

  async #publishHeldAlerts(failed: Set<string>): Promise<void> {
    const nowMs = this.deps.nowMs();
    // A claim about to lapse could be taken over by another publisher: leave that alert to the outbox.
    const [usable, lapsing] = partition(
      this.#heldAlerts,
      (held) => held.entry.claimedUntilMs - nowMs >= CLAIM_MARGIN_MS,
    );
    for (const held of lapsing) {
      failed.add(held.messageId);
      this.deps.log.warn('alert held too long: left in the outbox for a retry', {
        siteId: held.siteId,
        alertId: held.entry.alert.alertId,
      });
    }
    const heldById = new Map(usable.map((held) => [held.entry.alert.alertId, held]));
    const minGroupSize = this.deps.publisher.publishGroup
      ? (this.options.minGroupSize ?? MIN_GROUP_SIZE)
      : Infinity;
    const { groups, singles } = groupAlerts(
      usable.map((held) => held.entry.alert),
      minGroupSize,
    );
    const membersOf = (alerts: readonly Alert[]) =>
      alerts.flatMap((alert) => heldById.get(alert.alertId) ?? []);
    await Promise.all([
      ...groups.map((group) => this.#publishGroup(group, membersOf(group.alerts), failed)),
      ...membersOf(singles).map(async (held) => {
        if (await this.#send(held.siteId, held.entry.alert)) await this.#clearPublished(held, failed);
        else failed.add(held.messageId);
      }),
    ]);
  }

  /**
   * One message for the group, then each member leaves its own outbox. If SNS refuses it, every member stays in
   * its outbox (its claim lapses and it is retried on its own) and every member's message comes back.
   */
  async #publishGroup(group: AlertGroup, members: readonly HeldAlert[], failed: Set<string>): Promise<void> {
    const alertIds = members.map((held) => held.entry.alert.alertId);
    try {
      await this.deps.publisher.publishGroup?.(group);
    } catch (error) {
      for (const held of members) failed.add(held.messageId);
      this.deps.log.error(
        'grouped alert not published: its alerts stay in their outboxes and will be retried',
        {
          group: describeGroup(group),
          alertIds,
          error: (error as Error).message,
        },
      );
      return;
    }
    this.counters.groups++;
    this.counters.published += members.length;
    this.deps.log.info('grouped alert published', { group: describeGroup(group), event: 'DOWN', alertIds });
    await Promise.all(members.map((held) => this.#clearPublished(held, failed)));
  }

  /** SNS has the alert: take it out of its outbox; if that fails, its message comes back to try again. */
  async #clearPublished(held: HeldAlert, failed: Set<string>): Promise<void> {
    try {
      await this.deps.store.clearAlert(held.siteId, held.entry.alert.alertId);
    } catch (error) {
      failed.add(held.messageId);
      this.deps.log.error('alert published but not cleared: will be retried', {
        siteId: held.siteId,
        alertId: held.entry.alert.alertId,
        error: (error as Error).message,
      });
    }
  }

  /** One message per `RECHECKS_PER_MESSAGE` re-checks of the same delay, one owner's sites side by side. */
  async #sendRechecks(failed: Set<string>): Promise<void> {
    const byDelay = new Map<number, HeldRecheck[]>();
    for (const held of this.#heldRechecks) {
      byDelay.set(held.delaySeconds, [...(byDelay.get(held.delaySeconds) ?? []), held]);
    }
    await Promise.all(
      [...byDelay].map(async ([delaySeconds, rechecks]) => {
        const sorted = [...rechecks].sort((a, b) => compareSitesForGrouping(a.task.site, b.task.site));
        try {
          await this.deps.queue.send(
            packCheckMessages(
              sorted.map((held) => held.task),
              { maxTasks: RECHECKS_PER_MESSAGE },
            ),
            delaySeconds,
          );
        } catch (error) {
          for (const held of rechecks) failed.add(held.messageId);
          this.deps.log.error('re-checks not sent: their messages will be retried', {
            siteIds: rechecks.map((held) => held.task.site.siteId),
            delaySeconds,
            error: (error as Error).message,
          });
        }
      }),
    );
  }
}

function partition<T>(items: readonly T[], isKept: (item: T) => boolean): [T[], T[]] {
  const kept: T[] = [];
  const rest: T[] = [];
  for (const item of items) (isKept(item) ? kept : rest).push(item);
  return [kept, rest];
}
