import {
  type DynamoDBDocumentClient,
  ScanCommand,
  type ScanCommandInput,
  type ScanCommandOutput,
} from '@aws-sdk/lib-dynamodb';

/**
 * The pages of a scan, each call with its own abort signal from `call` (a paginator would share one signal, so one
 * deadline, across every page).
 */
export async function* scanPages(
  doc: DynamoDBDocumentClient,
  input: ScanCommandInput,
  call: () => { readonly abortSignal: AbortSignal },
): AsyncGenerator<ScanCommandOutput> {
  let startKey = input.ExclusiveStartKey;
  do {
    const page = await doc.send(new ScanCommand({ ...input, ExclusiveStartKey: startKey }), call());
    yield page;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
}
