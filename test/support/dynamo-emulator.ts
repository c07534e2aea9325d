import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { sitesTableDefinition } from '../../functions/adapters/site-item.ts';

export interface DynamoEmulator {
  readonly client: DynamoDBClient;
  readonly endpoint: string;
  createSitesTable(name: string): Promise<void>;
  stop(): Promise<void>;
}

/** An in-memory DynamoDB (dynalite) on a free loopback port, with a client pointed at it. */
export async function startDynamoEmulator(): Promise<DynamoEmulator> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  return {
    client,
    endpoint,
    async createSitesTable(name) {
      await client.send(new CreateTableCommand(sitesTableDefinition(name)));
      await waitUntilTableExists({ client, maxWaitTime: 10, minDelay: 1, maxDelay: 1 }, { TableName: name });
    },
    async stop() {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
