import { describe, expect, it } from 'vitest';
import { answered, notRun } from '../../../../cli/core/doctor/check-line.ts';
import { checkAlertContacts } from '../../../../cli/core/doctor/contacts-check.ts';
import type { DoctorFacts, DoctorSettings } from '../../../../cli/core/doctor/facts.ts';
import { resolveRegion } from '../../../../cli/core/doctor/region-check.ts';
import { exitCodeOf, renderReport, runChecks } from '../../../../cli/core/doctor/report.ts';

const settings = (partial: Partial<DoctorSettings> = {}): DoctorSettings => ({
  configPath: '/repo/squirrel.config.json',
  configFound: true,
  stackName: 'uptime-squirrel',
  allowNoAlertContact: false,
  checkerConcurrency: 10,
  checkerReservation: 'auto',
  smsMonthlySpendLimitUsd: 1,
  alertEmail: 'ops@example.com',
  verifierRegions: [],
  ...partial,
});

const readyFacts = (partial: Partial<DoctorFacts> = {}): DoctorFacts => ({
  region: resolveRegion({ awsRegion: 'eu-west-1', profileName: 'default' }),
  identity: answered({ account: '111122223333', arn: 'arn:aws:iam::111122223333:user/a' }),
  bootstrapVersion: answered(29),
  lambdaConcurrency: answered({ concurrentExecutions: 1000, unreservedConcurrentExecutions: 1000 }),
  requirements: {
    bootstrapVersion: 6,
    bootstrapQualifier: 'hnb659fds',
    runtime: 'nodejs24.x',
    latestNodeRuntimeInRegion: 'nodejs24.x',
    regionFactsSource: 'aws-cdk-lib 2.276.0',
  },
  settings: settings(),
  sms: undefined,
  verifierRegions: [],
  ...partial,
});

describe('checkAlertContacts', () => {
  it('warns without any contact: synth stops unless the user opted out', () => {
    // Act
    const stops = checkAlertContacts(settings({ alertEmail: undefined }));
    const optedOut = checkAlertContacts(settings({ alertEmail: undefined, allowNoAlertContact: true }));

    // Assess
    expect(stops).toMatchObject({
      status: 'warn',
      fix: 'add "alertEmail": "you@example.com" to /repo/squirrel.config.json',
    });
    expect(stops.found).toContain('will stop until one is set');
    expect(optedOut.found).toContain('the alarms will notify nobody');
  });

  it('passes with a contact, masked', () => {
    const line = checkAlertContacts(settings({ alertPhone: '+14155550123' }));
    expect(line.found).toBe(
      'email o***@example.com (confirm the subscription mail after the deploy), SMS +1*******123, from /repo/squirrel.config.json',
    );
  });
});

describe('runChecks and renderReport', () => {
  it('a ready account without a phone: all pass but the skipped SMS line, exit 0', () => {
    // Act
    const lines = runChecks(readyFacts());

    // Assess
    expect(lines.map((line) => [line.check, line.status])).toEqual([
      ['region', 'pass'],
      ['credentials', 'pass'],
      ['cdk-bootstrap', 'pass'],
      ['lambda-concurrency', 'pass'],
      ['lambda-runtime', 'pass'],
      ['alert-contacts', 'pass'],
      ['sms-sandbox', 'skip'],
    ]);
    expect(exitCodeOf(lines)).toBe(0);
    expect(renderReport(lines).split('\n').at(-1)).toBe('6 pass, 1 skip: ready for `npx cdk deploy`.');
  });

  it('without a region: the AWS lines are not checked and the exit code is 1', () => {
    // Prepare
    const facts = readyFacts({
      region: resolveRegion({ profileName: 'default' }),
      identity: notRun('sts:GetCallerIdentity', 'no region to check'),
    });

    // Act
    const lines = runChecks(facts);

    // Assess
    expect(lines.map((line) => line.status)).toEqual([
      'fail',
      'unknown',
      'unknown',
      'unknown',
      'unknown',
      'pass',
    ]);
    expect(exitCodeOf(lines)).toBe(1);
  });

  it('warnings and unknowns alone do not fail the preflight', () => {
    // Prepare
    const facts = readyFacts({
      lambdaConcurrency: answered({ concurrentExecutions: 10, unreservedConcurrentExecutions: 10 }),
      bootstrapVersion: notRun('ssm:GetParameter', 'test'),
    });

    // Act
    const lines = runChecks(facts);

    // Assess
    expect(lines.find((line) => line.check === 'lambda-concurrency')?.status).toBe('warn');
    expect(exitCodeOf(lines)).toBe(0);
    expect(renderReport(lines).split('\n').at(-1)).toBe(
      '4 pass, 1 warn, 1 unknown, 1 skip: ready for `npx cdk deploy` (read the warnings first).',
    );
  });
});
