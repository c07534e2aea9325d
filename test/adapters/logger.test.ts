import { describe, expect, it } from 'vitest';
import { createJsonLogger, redactContacts, redactUrl } from '../../functions/adapters/logger.ts';

describe('redactContacts', () => {
  it.each([
    ['owner alice@example.com is invalid', 'owner a***@example.com is invalid'],
    ['"team.ops+pager@mail.example.co.uk"', '"t***@mail.example.co.uk"'],
    ['sms to +15555550100 failed', 'sms to +15***00 failed'],
    ['+4915112345678', '+49***78'],
    [
      'HTTP 503 from HEAD https://shop.example.com/health',
      'HTTP 503 from HEAD https://shop.example.com/health',
    ],
    ['version 12345678 and +123', 'version 12345678 and +123'],
  ])('masks %j as %j', (input, expected) => {
    // Act
    const redacted = redactContacts(input);

    // Assess
    expect(redacted).toBe(expected);
  });
});

describe('createJsonLogger', () => {
  it('writes one JSON object per line with contacts masked in every field', () => {
    // Prepare
    const lines: string[] = [];
    const log = createJsonLogger((line) => lines.push(line));

    // Act
    log.warn('site item skipped: invalid', {
      siteId: 'x',
      reason: 'owner "bob smith@example.com" is invalid',
    });
    log.error('publish failed', { error: 'Invalid parameter: PhoneNumber +15555550100' });

    // Assess
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      {
        level: 'WARN',
        message: 'site item skipped: invalid',
        siteId: 'x',
        reason: 'owner "bob s***@example.com" is invalid',
      },
      { level: 'ERROR', message: 'publish failed', error: 'Invalid parameter: PhoneNumber +15***00' },
    ]);
    expect(lines.join('\n')).not.toMatch(/smith@|5555550100/);
  });

  it('emits CloudWatch Embedded Metric Format the "monitor stalled" alarm reads, details as plain fields', () => {
    // Prepare
    const lines: string[] = [];
    const log = createJsonLogger((line) => lines.push(line));

    // Act
    log.metrics({ ChecksCompleted: 42 }, { ChecksDown: 3 });

    // Assess
    const emf = JSON.parse(lines[0] ?? '{}');
    expect(emf).toMatchObject({ ChecksCompleted: 42, ChecksDown: 3 });
    expect(emf._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: 'UptimeSquirrel',
        Dimensions: [[]],
        Metrics: [{ Name: 'ChecksCompleted', Unit: 'Count' }],
      },
    ]);
  });
});

describe('redactUrl', () => {
  it.each([
    ['https://shop.example.com/health?token=s3cret', 'https://shop.example.com/health?…'],
    ['http://127.0.0.1:8080/', 'http://127.0.0.1:8080/'],
    ['not a url', '<invalid url>'],
  ])('logs %j as %j', (input, expected) => {
    expect(redactUrl(input)).toBe(expected);
  });
});
