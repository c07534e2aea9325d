import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { ContextError, readAppSettings, stackPropsFrom } from '../../infra/app-context.ts';
import { DEPLOY_SETTING_KEYS, DeployConfigError, parseDeployConfig } from '../../infra/deploy-config.ts';
import { OutdirPool, writeConfigFile } from './synth-stack.ts';

const outdirs = new OutdirPool();
afterAll(() => outdirs.removeAll());

// An App makes its outdir when constructed: give it one we delete.
const appWith = (context: Record<string, unknown>) => new App({ context, outdir: outdirs.create() });
/** Reads settings from a config file holding `content`, with context `context`. */
const readWith = (content: unknown, context: Record<string, unknown> = {}) => {
  const configFile = writeConfigFile(outdirs, content);
  return readAppSettings(appWith({ configFile, ...context }).node);
};

const CONTACTS = { alertEmail: 'ops@acme.test', alertPhone: '+15555550100' };

describe('readAppSettings', () => {
  it('reads every setting from the file, with nothing overridden and no warning', () => {
    // Prepare
    const file = {
      $schema: './squirrel.config.schema.json',
      stackName: 'squirrel-staging',
      ...CONTACTS,
      checkerConcurrency: 20,
      checkerReservation: 'off',
      sweepEnabled: false,
      smsMonthlySpendLimitUsd: 5,
    };

    // Act
    const settings = readWith(file);

    // Assess
    expect(settings).toMatchObject({
      config: { ...file, allowNoAlertContact: false },
      configFileFound: true,
      overriddenKeys: [],
      warnings: [],
    });
  });

  it('warns when alertEmail is still an example.com address, which receives nothing', () => {
    // Act
    const settings = readWith({ alertEmail: 'you@example.com' });

    // Assess
    expect(settings.warnings).toEqual([
      `alertEmail you@example.com is an example address that receives nothing: put yours in ${settings.configFile}.`,
    ]);
  });

  it('fills the defaults of every key the file leaves out', () => {
    // Act
    const { config } = readWith({ alertEmail: 'ops@acme.test' });

    // Assess
    expect(config).toEqual({
      stackName: 'uptime-squirrel',
      alertEmail: 'ops@acme.test',
      allowNoAlertContact: false,
      checkerConcurrency: 10,
      checkerReservation: 'auto',
      sweepEnabled: true,
      smsMonthlySpendLimitUsd: 1,
      statusPage: { publicOwners: [], cdn: true },
      verifierRegions: [],
    });
  });

  it('reads squirrel.config.json at the repository root unless configFile names another, relative to that root', () => {
    // Prepare
    const repoRoot = dirname(writeConfigFile(outdirs, { alertEmail: 'root@acme.test' }));
    writeFileSync(join(repoRoot, 'staging.json'), JSON.stringify({ alertEmail: 'staging@acme.test' }));

    // Act
    const atRoot = readAppSettings(appWith({}).node, repoRoot);
    const named = readAppSettings(appWith({ configFile: 'staging.json' }).node, repoRoot);

    // Assess
    expect(atRoot).toMatchObject({
      configFile: join(repoRoot, 'squirrel.config.json'),
      config: { alertEmail: 'root@acme.test' },
    });
    expect(named).toMatchObject({
      configFile: join(repoRoot, 'staging.json'),
      config: { alertEmail: 'staging@acme.test' },
    });
  });

  it('stops without a file, saying to copy the example, because no one would hear an alert', () => {
    // Prepare
    const missing = join(outdirs.create(), 'squirrel.config.json');

    // Act + Assess
    expect(() => readAppSettings(appWith({ configFile: missing }).node)).toThrow(
      new DeployConfigError(
        `No alert contact: ${missing} does not exist (copy squirrel.config.example.json there). Set "alertEmail" ` +
          'and/or "alertPhone" in it, or set "allowNoAlertContact": true to deploy a stack whose alerts and alarms notify nobody.',
      ),
    );
  });

  it('stops when the file names no contact', () => {
    // Act + Assess
    expect(() => readWith({ checkerConcurrency: 10 })).toThrow(
      /^No alert contact: .* sets neither alertEmail nor alertPhone\./,
    );
  });

  it.each([
    ['in the file', { allowNoAlertContact: true }, {}],
    ['as context', {}, { allowNoAlertContact: 'true' }],
  ])('deploys without a contact when the user opts out %s', (_where, file, context) => {
    // Act
    const { config } = readWith(file, context);

    // Assess
    expect(config.allowNoAlertContact).toBe(true);
    expect([config.alertEmail, config.alertPhone]).toEqual([undefined, undefined]);
  });

  it('stops on a file that is not JSON, naming the file', () => {
    // Act + Assess
    expect(() => readWith('{ "alertEmail": "ops@acme.test", }')).toThrow(
      /^.*squirrel\.config\.json is not JSON: /,
    );
  });

  it.each([
    ['alertEmail', 'ops.example.com', 'must be an email address like ops@example.com, got "ops.example.com"'],
    [
      'alertPhone',
      '+1 555 555 0100',
      'must be an E.164 phone number like +15555550100 (+ then 7-15 digits, no spaces), got "+1 555 555 0100"',
    ],
    [
      'alertPhone',
      15555550100,
      'must be an E.164 phone number like +15555550100 (+ then 7-15 digits, no spaces), got 15555550100',
    ],
    ['checkerConcurrency', 1, 'must be a whole number from 2 to 1000, got 1'],
    ['checkerConcurrency', 2.5, 'must be a whole number from 2 to 1000, got 2.5'],
    ['checkerConcurrency', '10', 'must be a whole number from 2 to 1000, got "10"'],
    ['checkerReservation', 'on', 'must be "auto", "off" or a whole number from 2 to 1000, got "on"'],
    ['checkerReservation', 1001, 'must be a whole number from 2 to 1000, got 1001'],
    [
      'stackName',
      'uptime_squirrel',
      'must be a CloudFormation stack name (a letter, then letters, digits or dashes, at most 128), got "uptime_squirrel"',
    ],
    ['sweepEnabled', 'no', 'must be true or false, got "no"'],
    ['smsMonthlySpendLimitUsd', -1, 'must be a number of US dollars, 0 or more, got -1'],
  ])('stops on a bad %s in the file (%j), naming the key and the value', (key, value, message) => {
    // Act + Assess
    expect(() => readWith({ ...CONTACTS, [key]: value })).toThrow(
      expect.objectContaining({
        name: 'DeployConfigError',
        message: expect.stringMatching(new RegExp(`squirrel\\.config\\.json is not valid:\\n  ${key}: `)),
      }),
    );
    expect(() => readWith({ ...CONTACTS, [key]: value })).toThrow(`${key}: ${message}`);
  });

  it.each([
    [
      'x',
      'statusPage',
      'must be an object like { "title": "Acme status", "publicOwners": ["ops"] }, got "x"',
    ],
    [{ title: '  ' }, 'statusPage.title', 'must not be empty (leave title out for the default "Status")'],
    [{ title: 'x'.repeat(101) }, 'statusPage.title', 'must be at most 100 characters, got 101'],
    [{ publicOwners: 'ops' }, 'statusPage.publicOwners', 'must be a list of owners, like ["ops"], got "ops"'],
    [
      { publicOwners: ['ops', 'two words'] },
      'statusPage.publicOwners.1',
      'must be an owner (a letter or digit, then letters, digits or . _ @ + -, at most 64), got "two words"',
    ],
    [{ cdn: 'no' }, 'statusPage.cdn', 'must be true or false, got "no"'],
    [
      { titel: 'Acme' },
      'statusPage.titel',
      'is not a status page setting (there are title, publicOwners and cdn)',
    ],
  ])('stops on a bad statusPage %j, naming the key path and the value', (statusPage, path, message) => {
    // Act + Assess
    expect(() => readWith({ ...CONTACTS, statusPage })).toThrow(`\n  ${path}: ${message}`);
  });

  it('reads statusPage: the title trimmed, the owners as listed, the CDN on unless turned off', () => {
    // Act
    const { config } = readWith({
      ...CONTACTS,
      statusPage: { title: ' Acme status ', publicOwners: ['ops'] },
    });

    // Assess
    expect(config.statusPage).toEqual({ title: 'Acme status', publicOwners: ['ops'], cdn: true });
  });

  it('stops on a key the file does not know, naming it (a typo would otherwise be ignored)', () => {
    // Act + Assess
    expect(() => readWith({ ...CONTACTS, alertMail: 'ops@acme.test' })).toThrow(/alertMail: /);
  });

  it('stops on a pinned reservation below checkerConcurrency: pollers would only be throttled', () => {
    // Act + Assess
    expect(() => readWith({ ...CONTACTS, checkerConcurrency: 20, checkerReservation: 10 })).toThrow(
      'checkerReservation: a pinned reservation must be at least checkerConcurrency (20), got 10',
    );
  });

  it('lets context override a key for one synth, and warns that a plain deploy goes back to the file', () => {
    // Act
    const settings = readWith(CONTACTS, { alertEmail: 'oncall@acme.test', checkerConcurrency: '30' });

    // Assess
    expect(settings.config).toMatchObject({
      alertEmail: 'oncall@acme.test',
      alertPhone: '+15555550100',
      checkerConcurrency: 30,
    });
    expect(settings.overriddenKeys).toEqual(['alertEmail', 'checkerConcurrency']);
    expect(settings.warnings).toEqual([
      `-c alertEmail=oncall@acme.test applies to this synth only and is not kept: a plain \`cdk deploy\` goes back to the value in ${settings.configFile}. To keep it, put "alertEmail": "oncall@acme.test" in ${settings.configFile}.`,
      `-c checkerConcurrency=30 applies to this synth only and is not kept: a plain \`cdk deploy\` goes back to the value in ${settings.configFile}. To keep it, put "checkerConcurrency": 30 in ${settings.configFile}.`,
    ]);
  });

  it.each([
    ['checkerReservation', '25', 25],
    ['checkerReservation', 'off', 'off'],
    ['sweepEnabled', 'false', false],
    ['smsMonthlySpendLimitUsd', '2.5', 2.5],
  ])('reads -c %s=%s as %j', (key, raw, value) => {
    // Act
    const { config } = readWith(CONTACTS, { [key]: raw });

    // Assess
    expect(config[key as keyof typeof config]).toEqual(value);
  });

  it('stops on a bad context value, naming it as context', () => {
    // Act + Assess
    expect(() => readWith(CONTACTS, { alertPhone: '555-0100' })).toThrow(
      /with context -c alertPhone is not valid:\n {2}alertPhone: must be an E\.164 phone number like .*, got "555-0100"/,
    );
  });

  it('stops on a configFile context that is not a path', () => {
    // Act + Assess
    expect(() => readAppSettings(appWith({ configFile: 42 }).node)).toThrow(
      new ContextError('context configFile must be a file path, got 42'),
    );
  });
});

describe('stackPropsFrom', () => {
  it('passes every setting but the app-level opt-out to the stack', () => {
    // Prepare
    const config = parseDeployConfig({ ...CONTACTS, checkerReservation: 50, smsMonthlySpendLimitUsd: 3 });

    // Act
    const props = stackPropsFrom(config);

    // Assess
    expect(Object.keys(props).sort()).toEqual(
      DEPLOY_SETTING_KEYS.filter((key) => key !== 'allowNoAlertContact').sort(),
    );
    expect(props).toEqual({
      stackName: 'uptime-squirrel',
      ...CONTACTS,
      checkerConcurrency: 10,
      checkerReservation: 50,
      sweepEnabled: true,
      smsMonthlySpendLimitUsd: 3,
      statusPage: { publicOwners: [], cdn: true },
      verifierRegions: [],
    });
  });
});
