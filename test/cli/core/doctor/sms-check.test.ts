import { describe, expect, it } from 'vitest';
import { answered, failed, notRun } from '../../../../cli/core/doctor/check-line.ts';
import type { OriginationNumber, SmsFacts } from '../../../../cli/core/doctor/facts.ts';
import {
  checkSmsOrigination,
  checkSmsRegion,
  checkSmsSandbox,
  checkSmsSpendLimit,
} from '../../../../cli/core/doctor/sms-check.ts';

const US_PHONE = '+14155550123';

const smsFacts = (partial: Partial<SmsFacts> = {}): SmsFacts => ({
  phone: US_PHONE,
  isInSandbox: answered(false),
  sandboxNumbers: notRun('sns:ListSMSSandboxPhoneNumbers', 'not in the SMS sandbox'),
  attributes: answered({ monthlySpendLimitUsd: 20 }),
  originationNumbers: answered([]),
  ...partial,
});

const tollFree = (status = 'ACTIVE'): OriginationNumber => ({
  phoneNumber: '+18885550100',
  iso2CountryCode: 'US',
  status,
  capabilities: ['SMS'],
});

describe('checkSmsRegion', () => {
  it('passes when SNS answers the SMS account query, fails China regions and SNS refusals', () => {
    // Act
    const answering = checkSmsRegion(smsFacts(), 'eu-west-1');
    const china = checkSmsRegion(smsFacts(), 'cn-north-1');
    const refusing = checkSmsRegion(
      smsFacts({
        isInSandbox: failed({
          kind: 'error',
          action: 'sns:GetSMSSandboxAccountStatus',
          detail: 'InvalidParameterException: not supported',
        }),
      }),
      'xx-west-1',
    );

    // Assess
    expect(answering.status).toBe('pass');
    expect(china.status).toBe('fail');
    expect(refusing.status).toBe('fail');
    expect(refusing.fix).toContain(
      'https://docs.aws.amazon.com/sns/latest/dg/sns-supported-regions-countries.html',
    );
  });

  it('is unknown, not failing, when the query was denied', () => {
    // Act
    const line = checkSmsRegion(
      smsFacts({
        isInSandbox: failed({
          kind: 'denied',
          action: 'sns:GetSMSSandboxAccountStatus',
          detail: 'AuthorizationError',
        }),
      }),
      'eu-west-1',
    );

    // Assess
    expect(line.status).toBe('unknown');
  });
});

describe('checkSmsSandbox', () => {
  it.each([
    ['out of the sandbox', smsFacts(), 'pass'],
    [
      'in the sandbox, the phone verified',
      smsFacts({
        isInSandbox: answered(true),
        sandboxNumbers: answered([{ phoneNumber: US_PHONE, status: 'Verified' }]),
      }),
      'warn',
    ],
    [
      'in the sandbox, the phone pending',
      smsFacts({
        isInSandbox: answered(true),
        sandboxNumbers: answered([{ phoneNumber: US_PHONE, status: 'Pending' }]),
      }),
      'fail',
    ],
    [
      'in the sandbox, another phone verified',
      smsFacts({
        isInSandbox: answered(true),
        sandboxNumbers: answered([{ phoneNumber: '+14155550999', status: 'Verified' }]),
      }),
      'fail',
    ],
  ])('%s: %s', (_name, facts, status) => {
    expect(checkSmsSandbox(facts, 'us-east-1').status).toBe(status);
  });

  it('gives the verify command alone for a number that is added but pending', () => {
    // Act
    const line = checkSmsSandbox(
      smsFacts({
        isInSandbox: answered(true),
        sandboxNumbers: answered([{ phoneNumber: US_PHONE, status: 'Pending' }]),
      }),
      'us-east-1',
    );

    // Assess
    expect(line.fix).toMatch(
      /^aws sns verify-sms-sandbox-phone-number --phone-number \+14155550123 --one-time-password CODE --region us-east-1/,
    );
    expect(line.found).toContain('+1*******123');
    expect(line.found).not.toContain(US_PHONE);
  });
});

describe('checkSmsSpendLimit', () => {
  it.each([
    [undefined, 1, 'warn', 'MonthlySpendLimit=10'],
    [1, 1, 'warn', 'MonthlySpendLimit=10'],
    [1, 25, 'warn', 'MonthlySpendLimit=25'],
    [20, 20, 'pass', undefined],
    [50, 20, 'warn', 'set "smsMonthlySpendLimitUsd": 50 in squirrel.config.json'],
  ])('account limit %s, config %i: %s', (limit, configured, status, fixPart) => {
    // Act
    const line = checkSmsSpendLimit(
      smsFacts({ attributes: answered({ monthlySpendLimitUsd: limit }) }),
      'eu-west-1',
      configured,
    );

    // Assess
    expect(line.status).toBe(status);
    if (fixPart === undefined) expect(line.fix).toBeUndefined();
    else expect(line.fix).toContain(fixPart);
  });

  it('notes that a raise above the quota needs a support case', () => {
    const line = checkSmsSpendLimit(
      smsFacts({ attributes: answered({ monthlySpendLimitUsd: undefined }) }),
      'eu-west-1',
      1,
    );
    expect(line.found).toContain('$1 (never set: the default)');
    expect(line.fix).toContain('needs a support case first');
  });
});

describe('checkSmsOrigination', () => {
  it.each([
    ['a US number without origination numbers', US_PHONE, [], 'fail'],
    ['a US number with a pending toll-free number', US_PHONE, [tollFree('PENDING')], 'fail'],
    ['a US number with an active toll-free number', US_PHONE, [tollFree()], 'pass'],
    ['a UK number without origination numbers', '+447700900123', [], 'pass'],
  ])('%s: %s', (_name, phone, numbers, status) => {
    expect(
      checkSmsOrigination(smsFacts({ phone, originationNumbers: answered(numbers) }), 'us-east-1').status,
    ).toBe(status);
  });

  it('points a US number at the End User Messaging console to request a toll-free number', () => {
    const line = checkSmsOrigination(smsFacts(), 'us-east-1');
    expect(line.fix).toContain(
      'https://us-east-1.console.aws.amazon.com/sms-voice/home?region=us-east-1#/overview',
    );
  });
});
