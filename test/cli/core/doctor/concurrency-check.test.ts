import { describe, expect, it } from 'vitest';
import { answered, failed } from '../../../../cli/core/doctor/check-line.ts';
import {
  checkLambdaConcurrency,
  planCheckerReservation,
} from '../../../../cli/core/doctor/concurrency-check.ts';

const account = (quota: number, unreserved = quota) => ({
  concurrentExecutions: quota,
  unreservedConcurrentExecutions: unreserved,
});

// Lambda's minimum-unreserved rule itself is tested with the custom resource's (test/domain/checker-reservation).
describe('planCheckerReservation', () => {
  it.each([
    ['auto', 10, account(1000), { kind: 'reserve', amount: 10 }],
    ['auto', 10, account(10), { kind: 'none', because: 'cannot-spare' }],
    ['auto', 10, account(109), { kind: 'none', because: 'cannot-spare' }],
    ['auto', 10, account(110), { kind: 'reserve', amount: 10 }],
    ['off', 10, account(1000), { kind: 'none', because: 'off' }],
    [20, 10, account(1000), { kind: 'reserve', amount: 20 }],
    [10, 10, account(50), { kind: 'refused', amount: 10 }],
  ] as const)('%s with concurrency %i on %o: %o', (reservation, concurrency, settings, plan) => {
    expect(planCheckerReservation(reservation, concurrency, settings)).toEqual(plan);
  });
});

describe('checkLambdaConcurrency', () => {
  const settings = { checkerConcurrency: 10, checkerReservation: 'auto' as const };

  it('passes a reservation the account can spare and says what the deploy reserves', () => {
    // Act
    const line = checkLambdaConcurrency(answered(account(1000)), settings, 'eu-west-1');

    // Assess
    expect(line).toEqual({
      check: 'lambda-concurrency',
      status: 'pass',
      found:
        'reservation: 10 for the checker (quota 1000, unreserved 1000, Lambda keeps 100 unreserved); the SQS maximum concurrency 10 caps the checkers',
    });
  });

  it('warns on a small account: no reservation, the SQS cap, and a smaller concurrency or a quota raise as fixes', () => {
    // Act
    const line = checkLambdaConcurrency(answered(account(10)), settings, 'eu-west-1');

    // Assess
    expect(line.status).toBe('warn');
    expect(line.found).toContain('reservation: none, the account cannot spare 10');
    expect(line.found).toContain('the SQS maximum concurrency 10 caps the checkers');
    expect(line.fix).toContain('set "checkerConcurrency": 5 in squirrel.config.json');
    expect(line.fix).toContain(
      'aws service-quotas request-service-quota-increase --service-code lambda --quota-code L-B99A9384 --desired-value 1000 --region eu-west-1',
    );
    expect(line.fix).toContain(
      'https://eu-west-1.console.aws.amazon.com/servicequotas/home/services/lambda/quotas/L-B99A9384',
    );
  });

  it('passes "off" on an account with room, and fails a pinned number it cannot spare', () => {
    // Act
    const off = checkLambdaConcurrency(
      answered(account(1000)),
      { checkerConcurrency: 10, checkerReservation: 'off' },
      'eu-west-1',
    );
    const pinned = checkLambdaConcurrency(
      answered(account(50)),
      { checkerConcurrency: 10, checkerReservation: 10 },
      'eu-west-1',
    );

    // Assess
    expect(off).toMatchObject({ status: 'pass' });
    expect(off.found).toMatch(/^reservation: none, checkerReservation is "off"/);
    expect(pinned.status).toBe('fail');
    expect(pinned.found).toContain('the deploy would fail and roll back');
  });

  it('is unknown, naming the action, when Lambda did not answer', () => {
    // Act
    const line = checkLambdaConcurrency(
      failed({ kind: 'denied', action: 'lambda:GetAccountSettings', detail: 'AccessDeniedException: no' }),
      settings,
      'eu-west-1',
    );

    // Assess
    expect(line).toMatchObject({
      status: 'unknown',
      found: 'no permission for lambda:GetAccountSettings (AccessDeniedException: no)',
    });
  });
});
