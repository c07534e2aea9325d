import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DeleteCommand, DynamoDBDocumentClient, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseCheckMessage } from '../../functions/domain/check-message.ts';
import { isDue, minuteOfEpoch } from '../../functions/domain/schedule.ts';
import type { handler as FanOutHandler } from '../../functions/fan-out.ts';

// This minute: the fan-out refuses events older than its lease retention, judged by the clock.
const MINUTE = minuteOfEpoch(Date.now());
const SCHEDULED = new Date(MINUTE * 60_000).toISOString();
// The options a mocked send was given (the mock types only the command).
const signalOf = (call: { readonly args: readonly unknown[] }): AbortSignal | undefined =>
  (call.args[1] as { abortSignal?: AbortSignal } | undefined)?.abortSignal;
// As Lambda gives a fresh fan-out invocation (50 s timeout).
const context = { getRemainingTimeInMillis: () => 50_000 };

const items = Array.from({ length: 120 }, (_, i) => ({
  siteId: `site-${i}`,
  url: `https://s${i}.example.com/`,
  intervalMinutes: (i % 5) + 1,
  enabled: i % 10 !== 0,
  status: 'UP',
  version: 3,
  lastCheck: { atMs: 1, up: true, status: 200, latencyMs: 12 },
}));
const expectedDue = items
  .filter((item) => item.enabled && isDue(item.siteId, item.intervalMinutes, MINUTE))
  .map((item) => item.siteId);

describe('fan-out handler', () => {
  let handler: typeof FanOutHandler;
  let dynamo: AwsClientStub<DynamoDBDocumentClient>;
  let sqs: AwsClientStub<SQSClient>;

  beforeAll(async () => {
    dynamo = mockClient(DynamoDBDocumentClient);
    sqs = mockClient(SQSClient);
    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      TABLE_NAME: 'sites',
      QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/checks',
      SCAN_SEGMENTS: '1',
      CHECKS_PER_MESSAGE: '10',
    });
    ({ handler } = await import('../../functions/fan-out.ts'));
  });
  afterEach(() => {
    dynamo.reset();
    sqs.reset();
  });
  afterAll(() => {
    dynamo.restore();
    sqs.restore();
  });

  it('enqueues every enabled site due this minute, packed, with its state snapshot and a per-minute check id', async () => {
    // Prepare
    dynamo.on(UpdateCommand).resolves({});
    dynamo
      .on(ScanCommand)
      .resolvesOnce({ Items: items.slice(0, 60), LastEvaluatedKey: { siteId: 'site-59' } })
      .resolvesOnce({ Items: items.slice(60) });
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });

    // Act
    const report = await handler({ time: SCHEDULED }, context);

    // Assess
    const tasks = sqs
      .commandCalls(SendMessageBatchCommand)
      .flatMap((call) => call.args[0].input.Entries ?? [])
      .flatMap((entry) => parseCheckMessage(entry.MessageBody ?? '').tasks);
    expect(tasks.map((task) => task.site.siteId).sort()).toEqual([...expectedDue].sort());
    expect(tasks.every((task) => task.checkId === `m${MINUTE}` && task.state.version === 3)).toBe(true);
    // Display history stays out of the message: it only costs bytes.
    expect(tasks.some((task) => task.state.lastCheck !== undefined)).toBe(false);
    expect(report).toMatchObject({ minute: MINUTE, duplicate: false, scanned: 120, due: expectedDue.length });
    // Due checks from both pages are packed together into full messages of 10.
    expect(report.messages).toBe(Math.ceil(expectedDue.length / 10));
    // A fleet this small needs one flush: the lease and its completion, no progress write.
    expect(dynamo.commandCalls(UpdateCommand).map((call) => call.args[0].input.UpdateExpression)).toEqual([
      'SET #minute = :minute, #completed = :false, #leaseUntilMs = :until',
      'SET #completed = :true REMOVE #progress',
    ]);
    expect(dynamo.commandCalls(UpdateCommand)[0]?.args[0].input.Key).toEqual({ siteId: `#sweep#${MINUTE}` });
  });

  it('deletes the lease items of minutes past the retention that its scan passed, and the legacy lease', async () => {
    // Prepare
    dynamo.on(UpdateCommand).resolves({});
    dynamo.on(DeleteCommand).resolves({});
    dynamo.on(ScanCommand).resolves({
      Items: [
        { siteId: `#sweep#${MINUTE - 12}`, minute: MINUTE - 12, completed: true, leaseUntilMs: 1 },
        { siteId: `#sweep#${MINUTE - 5}`, minute: MINUTE - 5, completed: true, leaseUntilMs: 1 },
        { siteId: '#sweep', minute: MINUTE - 20, completed: true, leaseUntilMs: 1 },
        ...items.slice(0, 5),
      ],
    });
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });

    // Act
    const report = await handler({ time: SCHEDULED }, context);

    // Assess
    expect(report.leasesDeleted).toBe(2);
    expect(dynamo.commandCalls(DeleteCommand).map((call) => call.args[0].input.Key?.siteId)).toEqual([
      `#sweep#${MINUTE - 12}`,
      '#sweep',
    ]);
  });

  it('refuses an event for a minute older than the lease retention, without touching the table', async () => {
    // Act
    const report = await handler({ time: new Date((MINUTE - 30) * 60_000).toISOString() }, context);

    // Assess
    expect(report).toMatchObject({ outcome: 'too-late', duplicate: true, scanned: 0 });
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('enqueues nothing for a duplicate scheduled event of a minute already swept', async () => {
    // Prepare
    dynamo
      .on(UpdateCommand)
      .rejects(Object.assign(new Error('conditional'), { name: 'ConditionalCheckFailedException' }));

    // Act
    const report = await handler({ time: SCHEDULED }, context);

    // Assess
    expect(report.duplicate).toBe(true);
    expect(dynamo.commandCalls(ScanCommand)).toHaveLength(0);
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
  });

  it('fails the invocation (EventBridge retries it) when SQS keeps refusing entries', async () => {
    // Prepare
    dynamo.on(UpdateCommand).resolves({});
    dynamo.on(ScanCommand).resolves({ Items: items });
    sqs
      .on(SendMessageBatchCommand)
      .resolves({ Successful: [], Failed: [{ Id: '0', Code: 'InvalidParameterValue', SenderFault: true }] });

    // Act
    const sweeping = handler({ time: new Date((MINUTE + 1) * 60_000).toISOString() }, context);

    // Assess
    await expect(sweeping).rejects.toThrow('not accepted');
    // Only the lease was written: the minute is not marked swept, so Lambda's retry sweeps it.
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(1);
  });

  it('bounds every AWS call by the time the invocation has left (none is started with less than its margin)', async () => {
    // Prepare
    dynamo.on(UpdateCommand).resolves({});
    dynamo.on(ScanCommand).resolves({ Items: items });
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });

    // Act: time enough, then 0.5 s left (inside the 1 s margin)
    await handler({ time: new Date((MINUTE + 2) * 60_000).toISOString() }, context);
    const roomy = dynamo.calls().map(signalOf);
    dynamo.resetHistory();
    await handler(
      { time: new Date((MINUTE + 3) * 60_000).toISOString() },
      { getRemainingTimeInMillis: () => 500 },
    );
    const late = dynamo.calls().map(signalOf);

    // Assess: the mock answers whatever the signal; a real client would not have sent these
    expect(roomy.length).toBeGreaterThan(0);
    expect(roomy.every((signal) => signal instanceof AbortSignal && !signal.aborted)).toBe(true);
    expect(late.length).toBeGreaterThan(0);
    expect(late.every((signal) => signal?.aborted)).toBe(true);
    expect(late[0]?.reason).toMatchObject({ name: 'CallDeadlineError', code: 'CALL_DEADLINE_EXCEEDED' });
  });
});
