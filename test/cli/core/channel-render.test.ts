import { describe, expect, it } from 'vitest';
import { channelJson, isFailedTest, testResultOf, toChannelRow } from '../../../cli/core/channel-render.ts';
import type { Channel } from '../../../functions/domain/channels/channel.ts';

const channel: Channel = {
  owner: 'acme',
  channelId: 'ch-abcdefghij',
  kind: 'slack',
  label: 'hooks.slack.com/services/T01…',
  secretName: '/uptime-squirrel/prod/channels/ch-abcdefghij',
  createdAtMs: 1_700_000_000_000,
};

describe('toChannelRow / channelJson', () => {
  it('shows a healthy channel as ok, receiving its owner’s alerts, or every owner’s for *', () => {
    expect(toChannelRow(channel)).toEqual({
      kind: 'slack',
      channelId: 'ch-abcdefghij',
      label: 'hooks.slack.com/services/T01…',
      receives: 'alerts for owner acme',
      status: 'ok',
    });
    expect(toChannelRow({ ...channel, owner: '*' }).receives).toBe('all alerts');
  });

  it('shows since when a channel is broken, with the detail', () => {
    // Prepare
    const broken = {
      ...channel,
      brokenSinceMs: Date.UTC(2026, 10, 25, 9, 13, 1),
      brokenDetail: 'HTTP 404 no_team',
    };

    // Act + Assess
    expect(toChannelRow(broken).status).toBe('broken since 2026-11-25T09:13:01Z: HTTP 404 no_team');
    expect(channelJson(broken)).toMatchObject({
      brokenSinceMs: broken.brokenSinceMs,
      brokenDetail: 'HTTP 404 no_team',
    });
    expect(channelJson(broken)).not.toHaveProperty('secretName');
  });
});

describe('testResultOf / isFailedTest', () => {
  it.each([
    [{ kind: 'delivered', status: 200, ms: 12 } as const, false],
    [{ kind: 'retry', status: 503, detail: 'HTTP 503', ms: 30 } as const, true],
    [{ kind: 'rejected', detail: 'blocked address 10.0.0.1 (private)', ms: 1 } as const, true],
    [{ kind: 'skipped', why: 'PagerDuty opens incidents only for DOWN' } as const, false],
  ])('counts %j as failed: %s', (outcome, failed) => {
    expect(isFailedTest(testResultOf(channel, outcome))).toBe(failed);
  });
});
