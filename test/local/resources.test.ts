import { describe, expect, it } from 'vitest';
import { MAX_RECEIVE_COUNT, VISIBILITY_TIMEOUT_FACTOR } from '../../infra/check-queue.ts';
import { CHECKER_TIMEOUT } from '../../infra/uptime-squirrel-stack.ts';
import { LOCAL_QUEUE_SETTINGS } from '../../local/resources.ts';

describe('LOCAL_QUEUE_SETTINGS', () => {
  it('matches the stack, so retries and the DLQ behave locally as deployed', () => {
    expect(LOCAL_QUEUE_SETTINGS.visibilityTimeoutSeconds).toBe(
      CHECKER_TIMEOUT.toSeconds() * VISIBILITY_TIMEOUT_FACTOR,
    );
    expect(LOCAL_QUEUE_SETTINGS.maxReceiveCount).toBe(MAX_RECEIVE_COUNT);
  });
});
