import { describe, expect, it } from 'vitest';
import {
  CHANNEL_FUNCTION_MEMORY_MIB,
  DELIVERER_TIMEOUT,
  DELIVERY_BATCH_SIZE,
  DELIVERY_MAX_RECEIVE_COUNT,
  DELIVERY_VISIBILITY_FACTOR,
  DISPATCHER_TIMEOUT,
} from '../../infra/alert-channels.ts';
import { MAX_RECEIVE_COUNT, VISIBILITY_TIMEOUT_FACTOR } from '../../infra/check-queue.ts';
import { CHECKER_TIMEOUT } from '../../infra/uptime-squirrel-stack.ts';
import { LOCAL_CHANNEL_SETTINGS, LOCAL_QUEUE_SETTINGS } from '../../local/resources.ts';

describe('LOCAL_QUEUE_SETTINGS', () => {
  it('matches the stack, so retries and the DLQ behave locally as deployed', () => {
    expect(LOCAL_QUEUE_SETTINGS.visibilityTimeoutSeconds).toBe(
      CHECKER_TIMEOUT.toSeconds() * VISIBILITY_TIMEOUT_FACTOR,
    );
    expect(LOCAL_QUEUE_SETTINGS.maxReceiveCount).toBe(MAX_RECEIVE_COUNT);
  });
});

describe('LOCAL_CHANNEL_SETTINGS', () => {
  it('matches the stack, so channel retries, parking and timeouts behave locally as deployed', () => {
    expect(LOCAL_CHANNEL_SETTINGS).toMatchObject({
      dispatcher: {
        timeoutSeconds: DISPATCHER_TIMEOUT.toSeconds(),
        memorySizeMiB: CHANNEL_FUNCTION_MEMORY_MIB,
      },
      deliverer: {
        timeoutSeconds: DELIVERER_TIMEOUT.toSeconds(),
        memorySizeMiB: CHANNEL_FUNCTION_MEMORY_MIB,
      },
      dispatchVisibilityTimeoutSeconds: DISPATCHER_TIMEOUT.toSeconds() * VISIBILITY_TIMEOUT_FACTOR,
      dispatchMaxReceiveCount: MAX_RECEIVE_COUNT,
      deliveryVisibilityTimeoutSeconds: DELIVERER_TIMEOUT.toSeconds() * DELIVERY_VISIBILITY_FACTOR,
      deliveryMaxReceiveCount: DELIVERY_MAX_RECEIVE_COUNT,
      deliveryBatchSize: DELIVERY_BATCH_SIZE,
    });
  });
});
