import { describe, expect, it } from 'vitest';
import { parseRuntimeFile, readStackOutputs } from '../../../cli/core/runtime-file.ts';
import { CommandError } from '../../../cli/errors.ts';

const RUNTIME = {
  pid: 4242,
  region: 'us-east-1',
  dynamodbEndpoint: 'http://127.0.0.1:8000',
  sqsEndpoint: 'http://127.0.0.1:4566',
  snsEndpoint: 'http://127.0.0.1:4566',
  tableName: 'sites',
  queueUrl: 'http://sqs.us-east-1.localhost:4566/000000000000/checks',
  dlqUrl: 'http://sqs.us-east-1.localhost:4566/000000000000/checks-dlq',
  topicArn: 'arn:aws:sns:us-east-1:000000000000:alerts',
  startedAt: '2026-11-25T09:00:00.000Z',
};

describe('parseRuntimeFile', () => {
  it('reads the contract written by the local runtime, ignoring fields it does not know', () => {
    expect(parseRuntimeFile(JSON.stringify({ ...RUNTIME, extra: true }), '/d/runtime.json')).toEqual(RUNTIME);
  });

  it('reads the history bucket and its S3 endpoint when the runtime wrote them', () => {
    // Act
    const file = parseRuntimeFile(
      JSON.stringify({ ...RUNTIME, historyBucket: 'history', s3Endpoint: 'http://127.0.0.1:4566' }),
      '/d/runtime.json',
    );

    // Assess
    expect(file).toMatchObject({ historyBucket: 'history', s3Endpoint: 'http://127.0.0.1:4566' });
  });

  it.each([
    [JSON.stringify({ ...RUNTIME, s3Endpoint: 'nope' }), 's3Endpoint must be a URL'],
    [JSON.stringify({ ...RUNTIME, historyBucket: '' }), 'historyBucket must not be empty'],
    ['{', '/d/runtime.json is not valid JSON'],
    [
      JSON.stringify({ ...RUNTIME, pid: 'x' }),
      '/d/runtime.json is not a valid runtime file: pid must be a number',
    ],
    [JSON.stringify({ ...RUNTIME, tableName: undefined }), 'tableName is missing'],
    [JSON.stringify({ ...RUNTIME, dynamodbEndpoint: 'nope' }), 'dynamodbEndpoint must be a URL'],
    [JSON.stringify({ ...RUNTIME, topicArn: 'alerts' }), 'topicArn must be an ARN'],
  ])('refuses %s, saying what is wrong', (text, message) => {
    expect(() => parseRuntimeFile(text, '/d/runtime.json')).toThrow(CommandError);
    expect(() => parseRuntimeFile(text, '/d/runtime.json')).toThrow(message);
  });
});

describe('readStackOutputs', () => {
  it('picks the four outputs by their exact keys', () => {
    // Act
    const outputs = readStackOutputs('prod', [
      { OutputKey: 'TableName', OutputValue: 't' },
      { OutputKey: 'QueueUrl', OutputValue: 'q' },
      { OutputKey: 'TopicArn', OutputValue: 'arn' },
      { OutputKey: 'DeadLetterQueueUrl', OutputValue: 'dlq' },
      { OutputKey: 'Other', OutputValue: 'x' },
    ]);

    // Assess
    expect(outputs).toEqual({ TableName: 't', QueueUrl: 'q', TopicArn: 'arn', DeadLetterQueueUrl: 'dlq' });
  });

  it('picks HistoryBucketName when the stack has it, and does without it for a stack deployed before history', () => {
    // Prepare
    const required = [
      { OutputKey: 'TableName', OutputValue: 't' },
      { OutputKey: 'QueueUrl', OutputValue: 'q' },
      { OutputKey: 'TopicArn', OutputValue: 'arn' },
      { OutputKey: 'DeadLetterQueueUrl', OutputValue: 'dlq' },
    ];

    // Act
    const current = readStackOutputs('prod', [
      ...required,
      { OutputKey: 'HistoryBucketName', OutputValue: 'h' },
    ]);
    const older = readStackOutputs('prod', required);

    // Assess
    expect(current.HistoryBucketName).toBe('h');
    expect(older).not.toHaveProperty('HistoryBucketName');
  });

  it('names the stack and every missing output', () => {
    expect(() => readStackOutputs('prod', [{ OutputKey: 'TableName', OutputValue: 't' }])).toThrow(
      'stack prod has no output QueueUrl, TopicArn, DeadLetterQueueUrl',
    );
  });
});
