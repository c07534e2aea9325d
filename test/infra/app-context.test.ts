import { App } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { ContextError, readAppContext } from '../../infra/app-context.ts';
import { OutdirPool } from './synth-stack.ts';

const outdirs = new OutdirPool();
afterAll(() => outdirs.removeAll());

// An App makes its outdir when constructed: give it one we delete.
const read = (context: Record<string, unknown>) =>
  readAppContext(new App({ context, outdir: outdirs.create() }).node);

describe('readAppContext', () => {
  it('defaults to stack uptime-squirrel, 10 checkers and no subscriptions', () => {
    // Act
    const context = read({});

    // Assess
    expect(context).toEqual({
      stackName: 'uptime-squirrel',
      checkerConcurrency: 10,
      alertEmail: undefined,
      alertPhone: undefined,
    });
  });

  it('accepts valid values, with checkerConcurrency as a -c string or a cdk.json number', () => {
    // Act
    const fromCli = read({
      stackName: 'squirrel-staging',
      alertEmail: 'ops@example.com',
      alertPhone: '+15555550100',
      checkerConcurrency: '2',
    });
    const fromJson = read({ checkerConcurrency: 1000 });

    // Assess
    expect(fromCli).toEqual({
      stackName: 'squirrel-staging',
      alertEmail: 'ops@example.com',
      alertPhone: '+15555550100',
      checkerConcurrency: 2,
    });
    expect(fromJson.checkerConcurrency).toBe(1000);
  });

  it.each([
    [
      'alertEmail',
      'ops.example.com',
      'context alertEmail must be an email address like ops@example.com, got "ops.example.com"',
    ],
    [
      'alertEmail',
      'ops@example',
      'context alertEmail must be an email address like ops@example.com, got "ops@example"',
    ],
    ['alertEmail', '', 'context alertEmail must be an email address like ops@example.com, got ""'],
    [
      'alertPhone',
      '15555550100',
      'context alertPhone must be an E.164 phone number: + then 8-15 digits, like +15555550100, got "15555550100"',
    ],
    [
      'alertPhone',
      '+1555',
      'context alertPhone must be an E.164 phone number: + then 8-15 digits, like +15555550100, got "+1555"',
    ],
    [
      'alertPhone',
      '+1 555 555 0100',
      'context alertPhone must be an E.164 phone number: + then 8-15 digits, like +15555550100, got "+1 555 555 0100"',
    ],
    [
      'alertPhone',
      '+1555555010012345',
      'context alertPhone must be an E.164 phone number: + then 8-15 digits, like +15555550100, got "+1555555010012345"',
    ],
    [
      'alertPhone',
      15555550100,
      'context alertPhone must be an E.164 phone number: + then 8-15 digits, like +15555550100, got 15555550100',
    ],
    ['checkerConcurrency', '1', 'context checkerConcurrency must be a whole number from 2 to 1000, got "1"'],
    [
      'checkerConcurrency',
      1001,
      'context checkerConcurrency must be a whole number from 2 to 1000, got 1001',
    ],
    [
      'checkerConcurrency',
      '2.5',
      'context checkerConcurrency must be a whole number from 2 to 1000, got "2.5"',
    ],
    [
      'checkerConcurrency',
      'ten',
      'context checkerConcurrency must be a whole number from 2 to 1000, got "ten"',
    ],
    ['checkerConcurrency', '', 'context checkerConcurrency must be a whole number from 2 to 1000, got ""'],
    [
      'stackName',
      '1squirrel',
      'context stackName must be a CloudFormation stack name (a letter, then letters, digits or dashes, at most 128), got "1squirrel"',
    ],
    [
      'stackName',
      'uptime_squirrel',
      'context stackName must be a CloudFormation stack name (a letter, then letters, digits or dashes, at most 128), got "uptime_squirrel"',
    ],
  ])('rejects %s %j, naming the key and the value', (key, value, message) => {
    // Act + Assess
    expect(() => read({ [key]: value })).toThrow(new ContextError(message));
  });

  it('throws a ContextError', () => {
    // Act + Assess
    expect(() => read({ checkerConcurrency: 'ten' })).toThrow(ContextError);
  });
});
