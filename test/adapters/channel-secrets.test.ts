import {
  DeleteParameterCommand,
  GetParameterCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ChannelSecretExistsError,
  ChannelSecretMissingError,
  ChannelSecrets,
  InvalidChannelSecretError,
} from '../../functions/adapters/channel-secrets.ts';
import type { ChannelSecret } from '../../functions/domain/channels/channel-secret.ts';

const PREFIX = '/uptime-squirrel/test/channels';
const NAME = `${PREFIX}/ch-abcdefghij`;
const WEBHOOK: ChannelSecret = {
  kind: 'webhook',
  url: 'https://hooks.example.com/in/tok3n-very-secret',
  signingSecret: 'whsec_c2VjcmV0LXNpZ25pbmcta2V5LW5vdC10by1iZS1sb2dnZWQ',
};
const parameter = (value: string) => ({
  Parameter: { Name: NAME, Type: 'SecureString' as const, Value: value },
});
const notFound = () => new ParameterNotFound({ message: 'Parameter not found', $metadata: {} });

describe('ChannelSecrets', () => {
  let ssm: AwsClientStub<SSMClient>;
  beforeAll(() => {
    ssm = mockClient(SSMClient);
  });
  afterEach(() => ssm.reset());
  afterAll(() => ssm.restore());
  const client = () => new SSMClient({ region: 'us-east-1', maxAttempts: 1 });

  it('names a parameter <prefix>/<channelId> and refuses anything that is not a channel id', () => {
    // Prepare
    const secrets = new ChannelSecrets(client(), PREFIX);

    // Act / Assess
    expect(secrets.nameOf('ch-abcdefghij')).toBe(NAME);
    expect(() => secrets.nameOf('../other')).toThrow(
      'channel id must look like ch- and 10 of a-z2-7, got "../other"',
    );
    expect(() => new ChannelSecrets(client(), 'no-slash')).toThrow(/SSM path/);
    expect(() => new ChannelSecrets(client(), '/trailing/')).toThrow(/SSM path/);
    expect(() => new ChannelSecrets(client(), '/with space/x')).toThrow(/SSM path/);
    expect(() => new ChannelSecrets(client(), '/a//b')).toThrow(/SSM path/);
    expect(new ChannelSecrets(client(), '/uptime-squirrel/Stack-1/channels').nameOf('ch-abcdefghij')).toBe(
      '/uptime-squirrel/Stack-1/channels/ch-abcdefghij',
    );
  });

  it('puts a SecureString of the JSON secret, never overwriting, and returns its name', async () => {
    // Prepare
    ssm.on(PutParameterCommand).resolves({ Version: 1 });
    const secrets = new ChannelSecrets(client(), PREFIX);

    // Act
    const name = await secrets.put('ch-abcdefghij', WEBHOOK);

    // Assess
    expect(name).toBe(NAME);
    const input = ssm.commandCalls(PutParameterCommand)[0]?.args[0].input;
    expect(input).toMatchObject({ Name: NAME, Type: 'SecureString', Overwrite: false, Tier: 'Standard' });
    expect(JSON.parse(input?.Value ?? '')).toEqual(WEBHOOK);
  });

  it('says when the parameter exists already', async () => {
    // Prepare
    ssm.on(PutParameterCommand).rejects(new ParameterAlreadyExists({ message: 'exists', $metadata: {} }));
    const secrets = new ChannelSecrets(client(), PREFIX);

    // Act
    const putting = secrets.put('ch-abcdefghij', WEBHOOK);

    // Assess
    await expect(putting).rejects.toBeInstanceOf(ChannelSecretExistsError);
    await expect(putting).rejects.toThrow(`parameter ${NAME} already exists`);
  });

  it('refuses to put an invalid secret without repeating what it holds', async () => {
    // Prepare
    const secrets = new ChannelSecrets(client(), PREFIX);
    const bad = { kind: 'slack', url: 'not a url but a s3cret-t0ken' } as unknown as ChannelSecret;

    // Act
    const error = await secrets.put('ch-abcdefghij', bad).catch((caught: Error) => caught);

    // Assess
    expect(error).toBeInstanceOf(InvalidChannelSecretError);
    expect((error as Error).message).toBe(
      'secret for ch-abcdefghij is not a valid channel secret: url: expected a URL',
    );
    expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(0);
  });

  it('reads with decryption, validates, and reuses the secret until the cache time is up', async () => {
    // Prepare
    let nowMs = 0;
    ssm.on(GetParameterCommand).resolves(parameter(JSON.stringify(WEBHOOK)));
    const secrets = new ChannelSecrets(client(), PREFIX, { cacheMs: 60_000, nowMs: () => nowMs });

    // Act
    const first = await secrets.get(NAME);
    nowMs = 59_999;
    const cached = await secrets.get(NAME);
    nowMs = 60_000;
    const refreshed = await secrets.get(NAME);

    // Assess
    expect([first, cached, refreshed]).toEqual([WEBHOOK, WEBHOOK, WEBHOOK]);
    const calls = ssm.commandCalls(GetParameterCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0]?.args[0].input).toEqual({ Name: NAME, WithDecryption: true });
  });

  it('reads every time with the cache off', async () => {
    // Prepare
    ssm.on(GetParameterCommand).resolves(parameter(JSON.stringify(WEBHOOK)));
    const secrets = new ChannelSecrets(client(), PREFIX, { cacheMs: 0 });

    // Act
    await secrets.get(NAME);
    await secrets.get(NAME);

    // Assess
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);
  });

  it('never serves a cached secret after a delete, through any instance in the process', async () => {
    // Prepare
    ssm
      .on(GetParameterCommand)
      .resolvesOnce(parameter(JSON.stringify(WEBHOOK)))
      .rejects(notFound());
    ssm.on(DeleteParameterCommand).resolves({});
    const deliverer = new ChannelSecrets(client(), PREFIX);
    const cli = new ChannelSecrets(client(), PREFIX);
    await deliverer.get(NAME);

    // Act
    await cli.delete(NAME);
    const reading = deliverer.get(NAME);

    // Assess
    await expect(reading).rejects.toBeInstanceOf(ChannelSecretMissingError);
    await expect(reading).rejects.toThrow(`parameter ${NAME} does not exist`);
  });

  it('does not cache a secret whose read was answered while a delete ran', async () => {
    // Prepare: the read is answered only after the delete has gone through.
    let answerRead: (value: ReturnType<typeof parameter>) => void = () => {};
    ssm
      .on(GetParameterCommand)
      .callsFakeOnce(() => new Promise((resolve) => (answerRead = resolve)))
      .rejects(notFound());
    ssm.on(DeleteParameterCommand).resolves({});
    const secrets = new ChannelSecrets(client(), PREFIX);

    // Act
    const slowRead = secrets.get(NAME);
    await new Promise((resolve) => setTimeout(resolve, 10));
    await secrets.delete(NAME);
    answerRead(parameter(JSON.stringify(WEBHOOK)));
    await slowRead;
    const after = secrets.get(NAME);

    // Assess
    await expect(after).rejects.toBeInstanceOf(ChannelSecretMissingError);
  });

  it('deletes a parameter that is already gone without complaint, and passes other errors on', async () => {
    // Prepare
    ssm.on(DeleteParameterCommand).rejectsOnce(notFound()).rejects(new Error('AccessDenied'));
    const secrets = new ChannelSecrets(client(), PREFIX);

    // Act
    const gone = secrets.delete(NAME);
    await gone;
    const denied = secrets.delete(NAME);

    // Assess
    await expect(gone).resolves.toBeUndefined();
    await expect(denied).rejects.toThrow('AccessDenied');
    expect(ssm.commandCalls(DeleteParameterCommand)[0]?.args[0].input).toEqual({ Name: NAME });
  });

  it.each([
    ['not JSON', 'https://hooks.example.com/in/tok3n-very-secret', `parameter ${NAME} does not hold JSON`],
    [
      'the wrong shape',
      JSON.stringify({ kind: 'telegram', botToken: 'tok3n-very-secret' }),
      `parameter ${NAME} is not a valid channel secret: chatId: missing`,
    ],
    [
      'an unknown kind',
      JSON.stringify({ kind: 'fax', url: 'https://hooks.example.com/in/tok3n-very-secret' }),
      `parameter ${NAME} is not a valid channel secret: kind: expected ("webhook" | "slack" | "teams" | "discord" | "telegram" | "pagerduty")`,
    ],
  ])('refuses a parameter holding %s, without repeating what it holds', async (_what, value, message) => {
    // Prepare
    ssm.on(GetParameterCommand).resolves(parameter(value));
    const secrets = new ChannelSecrets(client(), PREFIX);

    // Act
    const error = await secrets.get(NAME).catch((caught: Error) => caught);

    // Assess
    expect(error).toBeInstanceOf(InvalidChannelSecretError);
    expect((error as Error).message).toBe(message);
    expect(JSON.stringify(error)).not.toContain('tok3n');
    expect(String((error as Error).stack)).not.toContain('tok3n');
  });

  it('passes on SSM errors other than a missing parameter', async () => {
    // Prepare
    ssm
      .on(GetParameterCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const secrets = new ChannelSecrets(client(), PREFIX);

    // Act
    const reading = secrets.get(NAME);

    // Assess
    await expect(reading).rejects.toThrow('Rate exceeded');
  });
});
