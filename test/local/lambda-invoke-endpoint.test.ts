import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { type InvokeEndpoint, startInvokeEndpoint } from '../../local/lambda-invoke-endpoint.ts';
import { LOCAL_CLIENT } from '../support/silent-server.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function endpointFor(handle: (name: string, payload: unknown) => Promise<unknown>) {
  const endpoint: InvokeEndpoint = await startInvokeEndpoint({ handle });
  cleanups.push(endpoint.close);
  const lambda = new LambdaClient({ ...LOCAL_CLIENT, endpoint: endpoint.url, maxAttempts: 1 });
  cleanups.push(() => lambda.destroy());
  return { endpoint, lambda };
}

const invoke = (lambda: LambdaClient, functionName: string, payload: unknown) =>
  lambda.send(
    new InvokeCommand({
      FunctionName: functionName,
      Payload: new TextEncoder().encode(JSON.stringify(payload)),
    }),
  );

const decoded = (payload: Uint8Array | undefined): unknown => JSON.parse(new TextDecoder().decode(payload));

describe('startInvokeEndpoint (the Lambda Invoke API on loopback, through the real SDK client)', () => {
  it('hands the function name and payload to handle() and returns what it resolved with', async () => {
    // Prepare
    const calls: Array<[string, unknown]> = [];
    const { endpoint, lambda } = await endpointFor(async (name, payload) => {
      calls.push([name, payload]);
      return { location: 'local-west', answers: [] };
    });

    // Act
    const output = await invoke(lambda, 'uptime-squirrel-verifier', { v: 1, targets: [] });

    // Assess
    expect(endpoint.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(calls).toEqual([['uptime-squirrel-verifier', { v: 1, targets: [] }]]);
    expect(output.StatusCode).toBe(200);
    expect(output.FunctionError).toBeUndefined();
    expect(decoded(output.Payload)).toEqual({ location: 'local-west', answers: [] });
  });

  it("reports the function's error as Lambda does: FunctionError Unhandled with its type and message", async () => {
    // Prepare
    const { lambda } = await endpointFor(async () => {
      throw new RangeError('targets must not be empty');
    });

    // Act
    const output = await invoke(lambda, 'uptime-squirrel-verifier', {});

    // Assess
    expect(output.FunctionError).toBe('Unhandled');
    expect(decoded(output.Payload)).toEqual({
      errorType: 'RangeError',
      errorMessage: 'targets must not be empty',
    });
  });

  it('refuses a body that is not JSON and an asynchronous invocation, naming what is wrong', async () => {
    // Prepare
    const { endpoint } = await endpointFor(async () => 'never called');
    const url = `${endpoint.url}/2015-03-31/functions/f/invocations`;

    // Act
    const notJson = await fetch(url, { method: 'POST', body: '{nope' });
    const asEvent = await fetch(url, {
      method: 'POST',
      body: '{}',
      headers: { 'x-amz-invocation-type': 'Event' },
    });

    // Assess
    expect([notJson.status, notJson.headers.get('x-amzn-errortype')]).toEqual([
      400,
      'InvalidRequestContentException',
    ]);
    expect([asEvent.status, asEvent.headers.get('x-amzn-errortype')]).toEqual([
      400,
      'InvalidParameterValueException',
    ]);
    expect(((await asEvent.json()) as { message: string }).message).toContain('got Event');
  });
});
