import type { Message } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { failedMessageIds, toSqsEvent } from '../../local/sqs-event-source.ts';

const QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:uptime-squirrel-checks';

const message = (id: string): Message => ({
  MessageId: id,
  ReceiptHandle: `rh-${id}`,
  Body: `{"id":"${id}"}`,
  MD5OfBody: 'md5',
  Attributes: {
    ApproximateReceiveCount: '2',
    SentTimestamp: '1000',
    SenderId: 'AID',
    ApproximateFirstReceiveTimestamp: '1001',
  },
  MessageAttributes: {
    owner: { DataType: 'String', StringValue: 'ops' },
    blob: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 3]) },
  },
});

describe('toSqsEvent', () => {
  it('builds the records Lambda hands a function for an SQS event source', () => {
    // Act
    const event = toSqsEvent([message('a')], QUEUE_ARN, 'us-east-1');

    // Assess
    expect(event.Records).toEqual([
      {
        messageId: 'a',
        receiptHandle: 'rh-a',
        body: '{"id":"a"}',
        attributes: {
          ApproximateReceiveCount: '2',
          SentTimestamp: '1000',
          SenderId: 'AID',
          ApproximateFirstReceiveTimestamp: '1001',
        },
        messageAttributes: {
          owner: { dataType: 'String', stringValue: 'ops', stringListValues: [], binaryListValues: [] },
          blob: { dataType: 'Binary', binaryValue: 'AQID', stringListValues: [], binaryListValues: [] },
        },
        md5OfBody: 'md5',
        eventSource: 'aws:sqs',
        eventSourceARN: QUEUE_ARN,
        awsRegion: 'us-east-1',
      },
    ]);
  });
});

describe('failedMessageIds', () => {
  const event = toSqsEvent([message('a'), message('b'), message('c')], QUEUE_ARN, 'us-east-1');

  it.each([
    { case: 'no response', response: undefined, expected: [] },
    { case: 'no failures', response: { batchItemFailures: [] }, expected: [] },
    { case: 'some failures', response: { batchItemFailures: [{ itemIdentifier: 'b' }] }, expected: ['b'] },
    {
      case: 'an unknown identifier (Lambda fails the whole batch)',
      response: { batchItemFailures: [{ itemIdentifier: 'zz' }] },
      expected: ['a', 'b', 'c'],
    },
    {
      case: 'an empty identifier (Lambda fails the whole batch)',
      response: { batchItemFailures: [{ itemIdentifier: '' }] },
      expected: ['a', 'b', 'c'],
    },
  ])('keeps the right messages for $case', ({ response, expected }) => {
    expect([...failedMessageIds(event, response)]).toEqual(expected);
  });
});
