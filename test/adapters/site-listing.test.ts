import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SiteListing } from '../../functions/adapters/site-listing.ts';
import { SiteStore } from '../../functions/adapters/site-store.ts';
import { type DynamoEmulator, startDynamoEmulator } from '../support/dynamo-emulator.ts';
import { aSite } from '../support/fixtures.ts';

describe('SiteListing against the DynamoDB emulator', () => {
  let emulator: DynamoEmulator;

  beforeAll(async () => {
    emulator = await startDynamoEmulator();
  });
  afterAll(() => emulator.stop());

  it('lists every site with its owner, public setting and name, and nothing else (sweep lease items left out)', async () => {
    // Prepare
    await emulator.createSitesTable('sites-listed');
    const store = new SiteStore(emulator.client, 'sites-listed');
    await store.putSiteConfig(
      aSite({ siteId: 'shop', url: 'https://shop.example.com/', public: true, name: 'Shop' }),
    );
    await store.putSiteConfig(
      aSite({ siteId: 'blog', url: 'https://blog.example.com/', owner: 'team-a', name: 'Blog' }),
    );
    await store.putSiteConfig(
      aSite({ siteId: 'intranet', url: 'https://intranet.example.com/', public: false, name: 'Intranet' }),
    );
    await store.acquireSweep(29_000_001, 0, 1_000);
    // An item written without a name (by hand, or before names were stored) is named after its URL, as everywhere.
    await emulator.client.send(
      new PutItemCommand({
        TableName: 'sites-listed',
        Item: marshall({ siteId: 'docs', url: 'https://docs.example.com/guide', owner: 'team-a' }),
      }),
    );
    const listing = new SiteListing(emulator.client, 'sites-listed');

    // Act
    const sites = await listing.listSites();

    // Assess
    expect([...sites].sort((a, b) => a.siteId.localeCompare(b.siteId))).toEqual([
      { siteId: 'blog', owner: 'team-a', name: 'Blog' },
      { siteId: 'docs', owner: 'team-a', name: 'docs.example.com/guide' },
      { siteId: 'intranet', owner: 'default', public: false, name: 'Intranet' },
      { siteId: 'shop', owner: 'default', public: true, name: 'Shop' },
    ]);
  });

  it('keeps a site whose visibility does not validate, as private (its history kept, never on the public page)', async () => {
    // Prepare
    await emulator.createSitesTable('sites-odd');
    await emulator.client.send(
      new PutItemCommand({
        TableName: 'sites-odd',
        Item: marshall({ siteId: 'odd', url: 'https://odd.example.com/', owner: 'team a', public: 'yes' }),
      }),
    );

    // Act
    const sites = await new SiteListing(emulator.client, 'sites-odd').listSites();

    // Assess
    expect(sites).toEqual([{ siteId: 'odd', owner: 'team a', public: false, name: 'odd' }]);
  });
});
