import pLimit from 'p-limit';
import type { AlertPublisher } from '../adapters/alert-publisher.ts';
import type { CheckQueue } from '../adapters/check-queue.ts';
import type { Probe } from '../adapters/http-probe.ts';
import { type Logger, redactUrl } from '../adapters/logger.ts';
import type { SiteRecord, SiteStore } from '../adapters/site-store.ts';
import type { Alert } from '../domain/alert.ts';
import { decideTransition } from '../domain/alert-policy.ts';
import { type CheckTask, packCheckMessages, parseCheckMessage } from '../domain/check-message.ts';
import type { CheckResult } from '../domain/check-result.ts';
import { ALERT_CLAIM_MS, type SiteState } from '../domain/site-state.ts';
import { pendingAlertsOf } from '../domain/state-schema.ts';
import { parseStatusRanges } from '../domain/status-range.ts';

export interface CheckerDeps {
  readonly store: Pick<SiteStore, 'commitState' | 'getSite' | 'claimAlert' | 'clearAlert'>;
  readonly probe: Pick<Probe, 'check'>;
  readonly publisher: Pick<AlertPublisher, 'publish'>;
  readonly queue: Pick<CheckQueue, 'send'>;
  readonly log: Logger;
  readonly nowMs: () => number;
}

export interface CheckerOptions {
  /** Absolute time by which the invocation must have returned (the Lambda deadline). */
  readonly deadlineMs: number;
  readonly concurrency: number;
  /** Time kept back from the deadline for the writes, publishes and the response after the probes. */
  readonly reserveMs?: number;
}

export interface QueueRecord {
  readonly messageId: string;
  readonly body: string;
}

/** `retry`: the message must come back (SQS redelivers it, then the DLQ). */
type TaskOutcome = { readonly verdict: CheckResult['kind']; readonly retry: boolean };

export interface BatchReport {
  readonly failedMessageIds: readonly string[];
  readonly checksCompleted: number;
  readonly checksDown: number;
  readonly checkerFaults: number;
  readonly malformedMessages: number;
  readonly alertsPublished: number;
}

// Commit attempts per check: each conflict means another writer moved the state, so re-read and re-decide.
const MAX_COMMIT_ATTEMPTS = 4;
const DEFAULT_RESERVE_MS = 3_000;

/**
 * The checker: runs every check of every message concurrently, commits transitions, publishes alerts.
 * A bad message or a check that could not be completed fails only its own message, never its neighbours.
 */
export async function processCheckBatch(
  records: readonly QueueRecord[],
  deps: CheckerDeps,
  options: CheckerOptions,
): Promise<BatchReport> {
  const limit = pLimit(options.concurrency);
  const counters = { published: 0, malformed: 0 };
  const run = new CheckRun(deps, options, counters);
  const perMessage = await Promise.all(
    records.map(async (record) => {
      let tasks: readonly CheckTask[];
      try {
        tasks = parseCheckMessage(record.body).tasks;
      } catch (error) {
        counters.malformed++;
        deps.log.error('malformed check message: left for the DLQ', {
          messageId: record.messageId,
          error: (error as Error).message,
        });
        return {
          messageId: record.messageId,
          outcomes: [{ verdict: 'fault', retry: true }] as TaskOutcome[],
        };
      }
      const outcomes = await Promise.all(tasks.map((task) => limit(() => run.runTask(task))));
      return { messageId: record.messageId, outcomes };
    }),
  );
  const outcomes = perMessage.flatMap((message) => message.outcomes);
  const report: BatchReport = {
    failedMessageIds: perMessage.filter((m) => m.outcomes.some((o) => o.retry)).map((m) => m.messageId),
    checksCompleted: outcomes.filter((o) => o.verdict !== 'fault').length,
    checksDown: outcomes.filter((o) => o.verdict === 'down').length,
    checkerFaults: outcomes.filter((o) => o.verdict === 'fault').length - counters.malformed,
    malformedMessages: counters.malformed,
    alertsPublished: counters.published,
  };
  deps.log.metrics({
    ChecksCompleted: report.checksCompleted,
    ChecksDown: report.checksDown,
    CheckerFaults: report.checkerFaults,
    AlertsPublished: report.alertsPublished,
  });
  return report;
}

class CheckRun {
  constructor(
    private readonly deps: CheckerDeps,
    private readonly options: CheckerOptions,
    private readonly counters: { published: number },
  ) {}

  /** Runs one check end to end. Never throws: anything unexpected fails (and so retries) only its message. */
  async runTask(task: CheckTask): Promise<TaskOutcome> {
    let verdict: CheckResult['kind'] = 'fault';
    try {
      const result = await this.probe(task);
      if (!result) return { verdict, retry: true };
      verdict = result.kind;
      if (result.kind !== 'fault') return { verdict, retry: await this.apply(task, result) };
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

  /** Commits the transition (if any), sends the alerts, schedules the re-check. True when it must be retried. */
  private async apply(task: CheckTask, result: CheckResult): Promise<boolean> {
    let record: SiteRecord = { config: task.site, state: task.state };
    let committedAlerts: readonly Alert[] = [];
    let recheckAfterSeconds: number | undefined;
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
      // Removed, paused or pointed elsewhere while we checked: this result no longer applies.
      if (!fresh?.config.enabled || fresh.config.url !== task.site.url) return false;
      record = fresh;
    }
    const published = await this.flushOutbox(record.config.siteId, record.state, committedAlerts);
    if (recheckAfterSeconds === undefined) return !published;
    const recheck: CheckTask = {
      checkId: `r${record.state.version}`,
      site: record.config,
      state: record.state,
    };
    await this.deps.queue.send(packCheckMessages([recheck], { maxTasks: 1 }), recheckAfterSeconds);
    return !published;
  }

  /**
   * Publishes the alerts waiting in the outbox: those this checker just committed (it holds their claims), and
   * any whose claim expired (its publisher failed or crashed). True when every one of them went out.
   */
  private async flushOutbox(
    siteId: string,
    state: SiteState,
    committed: readonly Alert[] = [],
  ): Promise<boolean> {
    let allSent = true;
    for (const entry of pendingAlertsOf(state)) {
      const nowMs = this.deps.nowMs();
      const isOurs = committed.some((alert) => alert.alertId === entry.alert.alertId);
      if (!isOurs && entry.claimedUntilMs > nowMs) continue;
      if (!isOurs && !(await this.deps.store.claimAlert(siteId, entry, nowMs + ALERT_CLAIM_MS))) continue;
      try {
        await this.deps.publisher.publish(entry.alert);
      } catch (error) {
        allSent = false;
        this.deps.log.error('alert not published: it stays in the outbox and will be retried', {
          siteId,
          alertId: entry.alert.alertId,
          error: (error as Error).message,
        });
        continue;
      }
      this.counters.published++;
      this.deps.log.info('alert published', {
        siteId,
        alertId: entry.alert.alertId,
        event: entry.alert.event,
      });
      await this.deps.store.clearAlert(siteId, entry.alert.alertId);
    }
    return allSent;
  }
}
