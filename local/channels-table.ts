import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

// The channels table as the stack defines it: partition key `owner`, sort key `channelId` (both strings), on
// demand. functions/adapters/channel-store.ts exports the same definition as `channelsTableDefinition`; the
// branches were written side by side, so the lead points local/resources.ts at that one when they merge and
// deletes this file.
export const channelsTableDefinition = (tableName: string): CreateTableCommandInput => ({
  TableName: tableName,
  KeySchema: [
    { AttributeName: 'owner', KeyType: 'HASH' },
    { AttributeName: 'channelId', KeyType: 'RANGE' },
  ],
  AttributeDefinitions: [
    { AttributeName: 'owner', AttributeType: 'S' },
    { AttributeName: 'channelId', AttributeType: 'S' },
  ],
  BillingMode: 'PAY_PER_REQUEST',
});
