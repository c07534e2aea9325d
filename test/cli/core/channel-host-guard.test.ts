import { describe, expect, it } from 'vitest';
import { assertPublicChannelHost, type LookupAll } from '../../../cli/core/channel-host-guard.ts';
import { CommandError, InputError } from '../../../cli/errors.ts';
import type { ChannelSecret } from '../../../functions/domain/channels/channel-secret.ts';

const REMOTE = { allowPrivateTargets: false };
const slack = (url: string): ChannelSecret => ({ kind: 'slack', url });
// Resolvers that answer without asking any nameserver: nothing in these tests connects anywhere.
const answering =
  (...addresses: string[]): LookupAll =>
  async () =>
    addresses.map((address) => ({ address }));
const unreachable: LookupAll = async () => {
  throw new Error('the resolver must not be asked');
};

describe('assertPublicChannelHost', () => {
  it('refuses a name that resolves to 127.0.0.1 on a non-local target (localhost, by the system resolver)', async () => {
    await expect(
      assertPublicChannelHost(slack('https://localhost:8443/services/T0/B0/x'), REMOTE),
    ).rejects.toThrow(
      /^--slack URL's host localhost resolves to (127\.0\.0\.1|::1) \(loopback\): alerts are never sent to private, loopback, link-local or cloud-metadata addresses \(only the local runtime allows them\)$/,
    );
  });

  it('refuses when any one of the addresses is private, naming it', async () => {
    // Act
    const refused = assertPublicChannelHost(
      { kind: 'webhook', url: 'https://hooks.internal.example/x', signingSecret: 'whsec_x' },
      { ...REMOTE, lookup: answering('93.184.215.14', '10.1.2.3') },
    );

    // Assess
    await expect(refused).rejects.toThrow(InputError);
    await expect(refused).rejects.toThrow(
      "--webhook URL's host hooks.internal.example resolves to 10.1.2.3 (private)",
    );
  });

  it.each([
    ['https://127.0.0.1/hook', '127.0.0.1 (loopback)'],
    ['https://[::1]:8443/hook', '::1 (loopback)'],
    ['https://169.254.169.254/latest/meta-data', '169.254.169.254 (cloud metadata)'],
    ['https://[fd00:ec2::254]/', 'fd00:ec2::254 (cloud metadata)'],
    ['https://192.168.1.10/hook', '192.168.1.10 (private)'],
  ])('judges the IP literal %s directly', async (url, words) => {
    await expect(
      assertPublicChannelHost({ kind: 'discord', url }, { ...REMOTE, lookup: unreachable }),
    ).rejects.toThrow(`--discord URL's host ${words.split(' ')[0]} is ${words}`);
  });

  it('lets a name through when every address is public', async () => {
    await expect(
      assertPublicChannelHost(slack('https://hooks.slack.com/services/T0/B0/x'), {
        ...REMOTE,
        lookup: answering('93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'),
      }),
    ).resolves.toBeUndefined();
  });

  it('refuses nothing, and resolves nothing, on a target that allows private targets (the local runtime)', async () => {
    await expect(
      assertPublicChannelHost(slack('http://127.0.0.1:9/hook'), {
        allowPrivateTargets: true,
        lookup: unreachable,
      }),
    ).resolves.toBeUndefined();
  });

  it('has nothing to judge for Telegram and PagerDuty (fixed service endpoints)', async () => {
    await expect(
      assertPublicChannelHost(
        { kind: 'pagerduty', routingKey: 'k'.repeat(32) },
        { ...REMOTE, lookup: unreachable },
      ),
    ).resolves.toBeUndefined();
  });

  it('says when the host does not resolve (exit 1: the name, not the input shape)', async () => {
    // Prepare
    const nxdomain: LookupAll = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    };

    // Act
    const refused = assertPublicChannelHost(slack('https://nope.invalid/x'), { ...REMOTE, lookup: nxdomain });

    // Assess
    await expect(refused).rejects.toThrow(CommandError);
    await expect(refused).rejects.toThrow(
      "--slack URL's host nope.invalid does not resolve (ENOTFOUND): check the URL",
    );
  });
});
