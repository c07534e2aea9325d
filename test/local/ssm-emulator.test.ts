import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DeleteParameterCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { afterEach, describe, expect, it } from 'vitest';
import { PARAMETERS_FILE_NAME, type RunningSsmEmulator, startSsmEmulator } from '../../local/ssm-emulator.ts';
import { makeDataDir } from '../helpers/local-runtime.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function dataDir(): Promise<string> {
  const dir = await makeDataDir();
  cleanups.push(dir.remove);
  return dir.path;
}

async function emulatorOn(dir: string): Promise<{ emulator: RunningSsmEmulator; ssm: SSMClient }> {
  const emulator = await startSsmEmulator({ dataDir: dir, port: 0, region: 'eu-west-1' });
  const ssm = new SSMClient({
    region: 'eu-west-1',
    endpoint: emulator.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  cleanups.push(emulator.close, () => ssm.destroy());
  return { emulator, ssm };
}

const SECRET = '{"kind":"slack","url":"https://hooks.slack.com/services/T01/B02/xyz"}';
const NAME = '/uptime-squirrel/local/channels/ch-abcdefghij';

describe('local SSM emulator, through @aws-sdk/client-ssm', () => {
  it('keeps a SecureString as given, opaque without WithDecryption, across a restart, in a 0600 file', async () => {
    // Prepare
    const dir = await dataDir();
    const first = await emulatorOn(dir);

    // Act
    const put = await first.ssm.send(
      new PutParameterCommand({ Name: NAME, Value: SECRET, Type: 'SecureString' }),
    );
    await first.emulator.close();
    const second = await emulatorOn(dir);
    const decrypted = await second.ssm.send(new GetParameterCommand({ Name: NAME, WithDecryption: true }));
    const encrypted = await second.ssm.send(new GetParameterCommand({ Name: NAME }));

    // Assess
    expect(put).toMatchObject({ Version: 1, Tier: 'Standard' });
    expect(decrypted.Parameter).toMatchObject({
      Name: NAME,
      Type: 'SecureString',
      Value: SECRET,
      Version: 1,
      ARN: `arn:aws:ssm:eu-west-1:000000000000:parameter${NAME}`,
      DataType: 'text',
    });
    expect(decrypted.Parameter?.LastModifiedDate).toBeInstanceOf(Date);
    expect(Math.abs((decrypted.Parameter?.LastModifiedDate?.getTime() ?? 0) - Date.now())).toBeLessThan(
      60_000,
    );
    expect(encrypted.Parameter?.Type).toBe('SecureString');
    expect(encrypted.Parameter?.Value).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(encrypted.Parameter?.Value).not.toContain('hooks.slack.com');
    const file = join(dir, PARAMETERS_FILE_NAME);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('answers the errors the SDK maps to its exceptions', async () => {
    // Prepare
    const { ssm } = await emulatorOn(await dataDir());
    await ssm.send(new PutParameterCommand({ Name: NAME, Value: 'a', Type: 'String' }));

    // Act
    const outcomes = await Promise.allSettled([
      ssm.send(new GetParameterCommand({ Name: `${NAME}x` })),
      ssm.send(new DeleteParameterCommand({ Name: `${NAME}x` })),
      ssm.send(new PutParameterCommand({ Name: NAME, Value: 'b', Type: 'String' })),
      ssm.send(new PutParameterCommand({ Name: '/new', Value: 'b' })),
      ssm.send(new PutParameterCommand({ Name: 'no/leading/slash', Value: 'b', Type: 'String' })),
      ssm.send(new PutParameterCommand({ Name: '/aws/mine', Value: 'b', Type: 'String' })),
      ssm.send(new PutParameterCommand({ Name: '/big', Value: 'x'.repeat(4097), Type: 'String' })),
    ]);

    // Assess
    const names = outcomes.map((outcome) => (outcome.status === 'rejected' ? outcome.reason.name : 'ok'));
    expect(names).toEqual([
      'ParameterNotFound',
      'ParameterNotFound',
      'ParameterAlreadyExists',
      'ValidationException',
      'ValidationException',
      'ValidationException',
      'ValidationException',
    ]);
    const [notFound, , exists] = outcomes.map((outcome) =>
      outcome.status === 'rejected' ? outcome.reason : undefined,
    );
    expect(notFound).toBeInstanceOf(ParameterNotFound);
    expect(exists).toBeInstanceOf(ParameterAlreadyExists);
    expect((notFound as Error).message).toContain(`${NAME}x`);
  });

  it('overwrites only when asked, deletes, and lists by path one level or recursively, page by page', async () => {
    // Prepare
    const dir = await dataDir();
    const { ssm, emulator } = await emulatorOn(dir);
    const prefix = '/uptime-squirrel/local/channels';
    for (let index = 0; index < 12; index++) {
      await ssm.send(
        new PutParameterCommand({
          Name: `${prefix}/ch-${String(index).padStart(2, '0')}`,
          Value: `v${index}`,
          Type: 'SecureString',
        }),
      );
    }
    await ssm.send(new PutParameterCommand({ Name: `${prefix}/deeper/one`, Value: 'd', Type: 'String' }));

    // Act
    const overwritten = await ssm.send(
      new PutParameterCommand({ Name: `${prefix}/ch-00`, Value: 'new', Overwrite: true }),
    );
    await ssm.send(new DeleteParameterCommand({ Name: `${prefix}/ch-11` }));
    const pagesOf = async (input: { Path: string; Recursive?: boolean; MaxResults?: number }) => {
      const pages: string[][] = [];
      let nextToken: string | undefined;
      do {
        const page = await ssm.send(
          new GetParametersByPathCommand({ ...input, WithDecryption: true, NextToken: nextToken }),
        );
        pages.push((page.Parameters ?? []).map((parameter) => `${parameter.Name}=${parameter.Value}`));
        nextToken = page.NextToken;
      } while (nextToken);
      return pages;
    };
    const pages = await pagesOf({ Path: prefix, MaxResults: 5 });
    const recursive = await pagesOf({ Path: `${prefix}/`, Recursive: true });
    const some = await ssm.send(
      new GetParametersCommand({ Names: [`${prefix}/ch-00`, `${prefix}/ch-11`], WithDecryption: true }),
    );
    await emulator.close();
    const reopened = await emulatorOn(dir);
    const afterRestart = await reopened.ssm.send(
      new GetParameterCommand({ Name: `${prefix}/ch-00`, WithDecryption: true }),
    );

    // Assess
    expect(overwritten.Version).toBe(2);
    expect(pages.map((page) => page.length)).toEqual([5, 5, 1]);
    expect(pages.flat()).toEqual(
      [
        `${prefix}/ch-00=new`,
        ...Array.from(
          { length: 10 },
          (_, index) => `${prefix}/ch-${String(index + 1).padStart(2, '0')}=v${index + 1}`,
        ),
      ].filter((entry) => !entry.startsWith(`${prefix}/ch-11`)),
    );
    expect(recursive.map((page) => page.length)).toEqual([10, 2]);
    expect(recursive.flat()).toEqual([...pages.flat(), `${prefix}/deeper/one=d`]);
    expect(some.Parameters?.map((parameter) => [parameter.Name, parameter.Type, parameter.Value])).toEqual([
      [`${prefix}/ch-00`, 'SecureString', 'new'],
    ]);
    expect(some.InvalidParameters).toEqual([`${prefix}/ch-11`]);
    expect(afterRestart.Parameter).toMatchObject({ Value: 'new', Version: 2 });
  });

  it('refuses to start over a parameters.json it cannot read, rather than lose the secrets in it', async () => {
    // Prepare
    const dir = await dataDir();
    await writeFile(join(dir, PARAMETERS_FILE_NAME), '{"version":1,"parameters":[{"name":3}]}', {
      mode: 0o644,
    });

    // Act
    const starting = startSsmEmulator({ dataDir: dir, port: 0, region: 'us-east-1' });

    // Assess
    await expect(starting).rejects.toThrow(/parameters\.json is not a parameters file .*: repair or move it/);
    expect((await stat(join(dir, PARAMETERS_FILE_NAME))).mode & 0o777).toBe(0o600);
  });
});
