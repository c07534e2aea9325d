import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { type InvokeEndpoint, startInvokeEndpoint } from '../../local/lambda-invoke-endpoint.ts';
import { LOCAL_CLIENT } from '../support/silent-server.ts';

// The Lambda Invoke API on loopback, asked by the real SDK client: what the local runtime's verifier processes
// answer behind, and what the checker's VerifierClient talks to in the wire tests.

const endpoints: InvokeEndpoint[] = [];
const clients: LambdaClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await Promise.all(endpoints.splice(0).map((endpoint) => endpoint.close()));
});

async function useEndpoint(handle: (functionName: string, payload: unknown) => Promise<unknown>) {
  const endpoint = await startInvokeEndpoint({ handle });
  endpoints.push(endpoint);
  const client = new LambdaClient({ ...LOCAL_CLIENT, endpoint: endpoint.url, maxAttempts: 1 });
  clients.push(client);
  return { endpoint, client };
}

const invoke = (client: LambdaClient, payload: unknown, FunctionName = 'squirrel-verifier') =>
  client.send(
    new InvokeCommand({ FunctionName, Payload: new TextEncoder().encode(JSON.stringify(payload)) }),
  );
const textOf = (payload: Uint8Array | undefined) => new TextDecoder().decode(payload);

describe('startInvokeEndpoint', () => {
  it('passes the function name and the JSON payload to the handler, and its value back', async () => {
    // Prepare
    const calls: Array<{ functionName: string; payload: unknown }> = [];
    const { endpoint, client } = await useEndpoint(async (functionName, payload) => {
      calls.push({ functionName, payload });
      return { echoed: payload };
    });

    // Act
    const output = await invoke(client, { v: 1, targets: ['a'] });

    // Assess
    expect(endpoint.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(calls).toEqual([{ functionName: 'squirrel-verifier', payload: { v: 1, targets: ['a'] } }]);
    expect(output.StatusCode).toBe(200);
    expect(output.FunctionError).toBeUndefined();
    expect(JSON.parse(textOf(output.Payload))).toEqual({ echoed: { v: 1, targets: ['a'] } });
  });

  it('answers a handler that throws as Lambda does: 200, an Unhandled function error and the error', async () => {
    // Prepare
    const { client } = await useEndpoint(async () => {
      throw Object.assign(new Error('verify request is invalid: v'), { name: 'VerifyRequestError' });
    });

    // Act
    const output = await invoke(client, { v: 2 });

    // Assess
    expect(output.StatusCode).toBe(200);
    expect(output.FunctionError).toBe('Unhandled');
    expect(JSON.parse(textOf(output.Payload))).toEqual({
      errorType: 'VerifyRequestError',
      errorMessage: 'verify request is invalid: v',
    });
  });

  it('answers null for a handler that returns nothing', async () => {
    // Prepare
    const { client } = await useEndpoint(async () => undefined);

    // Act
    const output = await invoke(client, {});

    // Assess
    expect(textOf(output.Payload)).toBe('null');
  });

  it('passes an ARN through as the caller named it', async () => {
    // Prepare
    const names: string[] = [];
    const { client } = await useEndpoint(async (functionName) => {
      names.push(functionName);
      return null;
    });
    const arn = 'arn:aws:lambda:us-west-2:123456789012:function:squirrel-verifier';

    // Act
    await invoke(client, {}, arn);

    // Assess
    expect(names).toEqual([arn]);
  });

  it('refuses anything but the Invoke route as the service does (ResourceNotFoundException)', async () => {
    // Prepare
    const { endpoint } = await useEndpoint(async () => null);

    // Act
    const response = await fetch(`${endpoint.url}/2015-03-31/functions/x/configuration`);

    // Assess
    expect(response.status).toBe(404);
    expect(response.headers.get('x-amzn-errortype')).toBe('ResourceNotFoundException');
  });

  it('refuses asynchronous invocations: only RequestResponse is served', async () => {
    // Prepare
    const { client } = await useEndpoint(async () => null);

    // Act
    const sent = client.send(new InvokeCommand({ FunctionName: 'f', InvocationType: 'Event' }));

    // Assess
    await expect(sent).rejects.toThrow('this endpoint answers RequestResponse invocations only, got Event');
  });

  it('listens on loopback only', async () => {
    // Act
    const start = startInvokeEndpoint({ host: '0.0.0.0', handle: async () => null });

    // Assess
    await expect(start).rejects.toThrow('the invoke endpoint listens on loopback only, got host "0.0.0.0"');
  });
});
