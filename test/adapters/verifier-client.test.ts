import { InvokeCommand, type InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createJsonLogger } from '../../functions/adapters/logger.ts';
import { VerifierClient, type VerifierClientProps } from '../../functions/adapters/verifier-client.ts';
import type { CheckResult } from '../../functions/domain/check-result.ts';
import type { VerifyRequest } from '../../functions/domain/verify-request.ts';
import { aSite } from '../support/fixtures.ts';

// The Verifiers adapter against a mocked Lambda API: how calls are coalesced into invokes and how every way a
// region can fail to answer becomes a no-answer. The same client against a real endpoint: verifier-client-wire.

const REGIONS = ['us-west-2', 'eu-west-1'] as const;
const DOWN: CheckResult = {
  kind: 'down',
  reason: 'http-5xx',
  status: 503,
  detail: 'HTTP 503',
  latencyMs: 30,
};

let lambda: AwsClientStub<LambdaClient>;
let logLines: Array<Record<string, unknown>>;

beforeAll(() => {
  lambda = mockClient(LambdaClient);
});
beforeEach(() => {
  logLines = [];
});
afterEach(() => {
  lambda.reset();
});
afterAll(() => {
  lambda.restore();
});

const payloadOf = (value: unknown) =>
  new TextEncoder().encode(
    typeof value === 'string' ? value : JSON.stringify(value),
  ) as InvokeCommandOutput['Payload'];

function useClient(overrides: Partial<VerifierClientProps> = {}): VerifierClient {
  return new VerifierClient({
    home: 'us-east-1',
    regions: REGIONS,
    functionName: 'squirrel-verifier',
    log: createJsonLogger((line) => logLines.push(JSON.parse(line))),
    coalesceMs: 20,
    ...overrides,
  });
}

/** The request an invoke carried. */
const requestOf = (input: { Payload?: unknown }): VerifyRequest =>
  JSON.parse(new TextDecoder().decode(input.Payload as Uint8Array));

/** A verifier in every region: the site is down from us-west-2, up from elsewhere. */
function answerAsVerifiers() {
  lambda.on(InvokeCommand).callsFake(async (input, getClient) => {
    const location = await getClient().config.region();
    const request = requestOf(input);
    const answers = request.targets.map(({ id }) => ({
      id,
      result: location === 'us-west-2' ? DOWN : { kind: 'up', status: 200, latencyMs: 20 },
    }));
    return { StatusCode: 200, Payload: payloadOf({ location, answers }) };
  });
}

const soon = (ms = 5_000) => Date.now() + ms;

/** The batch's log lines: written once every caller of the batch has its answers. */
const logged = (count: number) =>
  vi.waitFor(() => {
    if (logLines.length < count) throw new Error(`${logLines.length} of ${count} log lines so far`);
    return logLines;
  });

describe('VerifierClient: coalescing', () => {
  it('sends calls arriving together as one invoke per region, and gives each caller its answers', async () => {
    // Prepare
    answerAsVerifiers();
    const client = useClient();

    // Act
    const answers = await Promise.all(
      ['a', 'b', 'c'].map((siteId) => client.verify(aSite({ siteId }), siteId === 'b', soon())),
    );

    // Assess
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(2);
    const request = requestOf(lambda.commandCalls(InvokeCommand)[0]?.args[0].input ?? {});
    expect(request).toMatchObject({
      v: 1,
      targets: [{ id: 't0' }, { id: 't1', fullGet: true }, { id: 't2' }],
    });
    expect(request.targets.map((target) => target.site.siteId)).toEqual(['a', 'b', 'c']);
    expect(lambda.commandCalls(InvokeCommand)[0]?.args[0].input).toMatchObject({
      FunctionName: 'squirrel-verifier',
      InvocationType: 'RequestResponse',
    });
    for (const siteAnswers of answers) {
      expect(siteAnswers).toEqual([
        { location: 'us-west-2', result: DOWN },
        { location: 'eu-west-1', result: { kind: 'up', status: 200, latencyMs: 20 } },
      ]);
    }
    expect(logLines).toEqual([]);
  });

  it('sends a full request at once, without waiting for the window', async () => {
    // Prepare: a window far longer than the test
    answerAsVerifiers();
    const client = useClient({ coalesceMs: 60_000, maxTargets: 2 });

    // Act
    const answers = await Promise.all([
      client.verify(aSite({ siteId: 'a' }), false, soon()),
      client.verify(aSite({ siteId: 'b' }), false, soon()),
    ]);

    // Assess
    expect(answers).toHaveLength(2);
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(2);
  });

  it("keeps a short site out of a hanging long site's batch: its answers come by its own deadline", async () => {
    // Prepare: verifiers that answer a request at once, unless it holds the hanging site (then after 1.5 s)
    lambda.on(InvokeCommand).callsFake(async (input, getClient) => {
      const location = await getClient().config.region();
      const request = requestOf(input);
      if (request.targets.some(({ site }) => site.siteId === 'hanging'))
        await new Promise((resolve) => setTimeout(resolve, 1_500));
      const answers = request.targets.map(({ id }) => ({ id, result: DOWN }));
      return { StatusCode: 200, Payload: payloadOf({ location, answers }) };
    });
    const client = useClient();
    const startedMs = Date.now();

    // Act: verified in the same window, a 5 s site that must be answered within 400 ms, a 30 s site within 5 s
    const short = client
      .verify(aSite({ siteId: 'short', timeoutMs: 5_000 }), false, startedMs + 400)
      .then((answers) => ({ answers, atMs: Date.now() }));
    const hanging = client.verify(aSite({ siteId: 'hanging', timeoutMs: 30_000 }), false, startedMs + 5_000);
    const [shortAnswered, hangingAnswers] = await Promise.all([short, hanging]);

    // Assess: two requests per region, the short site's answered before its deadline
    const requests = lambda.commandCalls(InvokeCommand).map((call) => requestOf(call.args[0].input));
    expect(requests.map((request) => request.targets.map((target) => target.site.siteId)).sort()).toEqual([
      ['hanging'],
      ['hanging'],
      ['short'],
      ['short'],
    ]);
    expect(shortAnswered.answers).toEqual(REGIONS.map((location) => ({ location, result: DOWN })));
    expect(shortAnswered.atMs).toBeLessThan(startedMs + 400);
    expect(hangingAnswers).toEqual(REGIONS.map((location) => ({ location, result: DOWN })));
    expect(logLines).toEqual([]);
  });

  it('coalesces calls with the same site timeout and close deadlines, not those with far ones', async () => {
    // Prepare
    answerAsVerifiers();
    const client = useClient();
    const startedMs = Date.now();
    const site = (siteId: string) => aSite({ siteId, timeoutMs: 5_000 });

    // Act: a and b half a second apart; c (a last attempt's short deadline) 3 s before them
    await Promise.all([
      client.verify(site('a'), false, startedMs + 8_000),
      client.verify(site('b'), false, startedMs + 8_500),
      client.verify(site('c'), false, startedMs + 5_000),
    ]);

    // Assess: a and b in one request per region, c in its own
    const requests = lambda.commandCalls(InvokeCommand).map((call) => requestOf(call.args[0].input));
    expect(requests.map((request) => request.targets.map((target) => target.site.siteId)).sort()).toEqual([
      ['a', 'b'],
      ['a', 'b'],
      ['c'],
      ['c'],
    ]);
  });

  it('starts a new request for calls after a batch went out', async () => {
    // Prepare
    answerAsVerifiers();
    const client = useClient();

    // Act
    await client.verify(aSite({ siteId: 'a' }), false, soon());
    await client.verify(aSite({ siteId: 'b' }), false, soon());

    // Assess: two batches, two invokes per region
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(4);
  });
});

describe('VerifierClient: a region that does not answer', () => {
  it('turns a function error into a no-answer saying why, and logs it once for the batch', async () => {
    // Prepare
    lambda.on(InvokeCommand).callsFake(async (input, getClient) => {
      const location = await getClient().config.region();
      if (location === 'eu-west-1') {
        return {
          StatusCode: 200,
          FunctionError: 'Unhandled',
          Payload: payloadOf({
            errorType: 'VerifyRequestError',
            errorMessage: 'verify request is invalid: v',
          }),
        };
      }
      const answers = requestOf(input).targets.map(({ id }) => ({ id, result: DOWN }));
      return { StatusCode: 200, Payload: payloadOf({ location, answers }) };
    });
    const client = useClient();

    // Act
    const [a, b] = await Promise.all([
      client.verify(aSite({ siteId: 'a' }), false, soon()),
      client.verify(aSite({ siteId: 'b' }), false, soon()),
    ]);

    // Assess
    const noAnswer = {
      location: 'eu-west-1',
      noAnswer: 'verifier failed (Unhandled): VerifyRequestError: verify request is invalid: v',
    };
    expect(a).toEqual([{ location: 'us-west-2', result: DOWN }, noAnswer]);
    expect(b).toEqual([{ location: 'us-west-2', result: DOWN }, noAnswer]);
    expect(await logged(1)).toEqual([
      {
        level: 'WARN',
        message: 'verifier did not answer',
        location: 'eu-west-1',
        detail: noAnswer.noAnswer,
        sites: ['a', 'b'],
      },
    ]);
  });

  it('turns a throttled invoke (after the SDK retries) into a no-answer', async () => {
    // Prepare
    const throttled = Object.assign(new Error('Rate Exceeded.'), {
      name: 'TooManyRequestsException',
      $metadata: { attempts: 3 },
    });
    lambda.on(InvokeCommand).rejects(throttled);
    const client = useClient();

    // Act
    const answers = await client.verify(aSite({ siteId: 'a' }), false, soon());

    // Assess
    expect(answers).toEqual(
      REGIONS.map((location) => ({
        location,
        noAnswer: 'TooManyRequestsException: Rate Exceeded. (3 attempts)',
      })),
    );
    expect((await logged(2)).map((line) => line.location)).toEqual([...REGIONS]);
  });

  it.each([
    ['not JSON', 'Task timed out', 'malformed reply: not JSON (Task timed out)'],
    ['without answers', { location: 'us-west-2' }, 'malformed reply at answers: '],
    [
      'with a result that is not one',
      { location: 'us-west-2', answers: [{ id: 't0', result: { kind: 'fine' } }] },
      'malformed reply at answers.0.result.kind: ',
    ],
    [
      'from another location',
      { location: 'eu-west-1', answers: [{ id: 't0', result: DOWN }] },
      'reply came from "eu-west-1", not "us-west-2"',
    ],
    [
      'without an answer for the site',
      { location: 'us-west-2', answers: [{ id: 't7', result: DOWN }] },
      'the reply had no answer for this site',
    ],
  ])('turns a reply %s into a no-answer', async (_name, reply, detail) => {
    // Prepare
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payloadOf(reply) });
    const client = useClient({ regions: ['us-west-2'] });

    // Act
    const [answer] = await client.verify(aSite({ siteId: 'a' }), false, soon());

    // Assess
    expect(answer).toEqual({ location: 'us-west-2', noAnswer: expect.stringContaining(detail) });
  });

  it('aborts the invoke at the deadline and answers then', async () => {
    // Prepare: a verifier that never answers
    lambda.on(InvokeCommand).callsFake(() => new Promise(() => {}));
    const client = useClient({ regions: ['us-west-2'] });

    // Act
    const [answer] = await client.verify(aSite({ siteId: 'a' }), false, soon(300));

    // Assess
    expect(answer).toEqual({
      location: 'us-west-2',
      noAnswer: expect.stringMatching(/^no answer within \d+ ms$/),
    });
    // The invoke's own timer ends it at the same deadline as the caller's, in whichever order the loop runs them.
    const options = (lambda.call(0).args as unknown[])[1] as { abortSignal?: AbortSignal } | undefined;
    await vi.waitFor(() => expect(options?.abortSignal?.aborted).toBe(true), { timeout: 1_000 });
  });

  it('never logs what a site sends or where it points beyond its id', async () => {
    // Prepare
    lambda.on(InvokeCommand).rejects(new Error('connect ECONNREFUSED'));
    const client = useClient({ regions: ['us-west-2'] });
    const site = aSite({
      siteId: 'secret-shop',
      url: 'https://shop.example/health?token=abc123',
      headers: { Authorization: 'Bearer s3cret' },
    });

    // Act
    await client.verify(site, false, soon());

    // Assess
    const text = JSON.stringify(await logged(1));
    expect(text).toContain('secret-shop');
    expect(text).not.toContain('s3cret');
    expect(text).not.toContain('abc123');
  });
});
