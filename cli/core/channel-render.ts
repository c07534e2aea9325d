import { ALL_OWNERS, type Channel } from '../../functions/domain/channels/channel.ts';
import { type DeliveryOutcome, isChannelBroken } from '../../functions/domain/channels/delivery-outcome.ts';
import { type ChannelRow, formatTimestamp, renderTable } from './render.ts';

/** "all alerts" or "alerts for owner acme": what a channel of this owner receives. */
export const describeChannelReceives = (owner: string): string =>
  owner === ALL_OWNERS ? 'all alerts' : `alerts for owner ${owner}`;

/** "ok", or "broken since 2026-11-25T09:13:01Z: HTTP 404 …" once a delivery was refused for good. */
export const describeChannelStatus = (channel: Channel): string =>
  channel.brokenSinceMs === undefined
    ? 'ok'
    : `broken since ${formatTimestamp(channel.brokenSinceMs)}${channel.brokenDetail ? `: ${channel.brokenDetail}` : ''}`;

export const toChannelRow = (channel: Channel): ChannelRow => ({
  kind: channel.kind,
  channelId: channel.channelId,
  label: channel.label,
  receives: describeChannelReceives(channel.owner),
  status: describeChannelStatus(channel),
});

/** `subscriptions list --json` for a channel: the stored item (it holds no secret). */
export const channelJson = (channel: Channel) => ({
  channelId: channel.channelId,
  kind: channel.kind,
  owner: channel.owner,
  label: channel.label,
  receives: describeChannelReceives(channel.owner),
  createdAtMs: channel.createdAtMs,
  brokenSinceMs: channel.brokenSinceMs ?? null,
  brokenDetail: channel.brokenDetail ?? null,
});

/** One line of `notify-test`: a channel's delivery, a failure before it, or the SNS publish. */
export interface TestResult {
  readonly target: string;
  readonly kind: string;
  readonly label: string;
  readonly outcome: 'delivered' | 'retry' | 'rejected' | 'skipped' | 'failed' | 'published';
  readonly status: number | null;
  readonly ms: number | null;
  readonly detail: string;
}

/** True when the test did not reach the channel (skipped is a channel's choice, not a failure). */
export const isFailedTest = (result: TestResult): boolean =>
  result.outcome === 'retry' || result.outcome === 'rejected' || result.outcome === 'failed';

/** A delivery outcome as a row: what happened, with the status and time it took. */
export function testResultOf(channel: Channel, outcome: DeliveryOutcome): TestResult {
  const base = { target: channel.channelId, kind: channel.kind, label: channel.label };
  switch (outcome.kind) {
    case 'delivered':
      return { ...base, outcome: 'delivered', status: outcome.status, ms: outcome.ms, detail: '' };
    case 'retry':
      return {
        ...base,
        outcome: 'retry',
        status: outcome.status ?? null,
        ms: outcome.ms,
        detail: `${outcome.detail} (the deliverer would try again)`,
      };
    case 'rejected':
      return {
        ...base,
        outcome: 'rejected',
        status: outcome.status ?? null,
        ms: outcome.ms,
        detail: `${outcome.detail} (${
          isChannelBroken(outcome)
            ? 'the deliverer would park the alert and mark the channel broken'
            : 'the deliverer would park the alert: the channel refused this message'
        })`,
      };
    case 'skipped':
      return { ...base, outcome: 'skipped', status: null, ms: null, detail: outcome.why };
  }
}

/** `notify-test` as a table. */
export const renderTestResults = (results: readonly TestResult[]): string =>
  renderTable(
    ['ID', 'KIND', 'ENDPOINT', 'OUTCOME', 'STATUS', 'TIME', 'DETAIL'],
    results.map((r) => [
      r.target,
      r.kind,
      r.label,
      r.outcome,
      r.status === null ? '-' : String(r.status),
      r.ms === null ? '-' : `${r.ms}ms`,
      r.detail,
    ]),
  );
