import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DeleteFunctionConcurrencyCommand,
  GetAccountSettingsCommand,
  GetFunctionConcurrencyCommand,
  InvalidParameterValueException,
  LambdaClient,
  PutFunctionConcurrencyCommand,
} from '@aws-sdk/client-lambda';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { handler as ReservationHandler } from '../../functions/checker-reservation.ts';

const CHECKER = 'uptime-squirrel-CheckerFunction-AbC123';

/** Plays CloudFormation's pre-signed response URL on loopback: records every PUT, answers `status`. */
class ResponseBucket {
  readonly received: {
    method: string;
    url: string;
    headers: IncomingHttpHeaders;
    body: Record<string, unknown>;
  }[] = [];
  status = 200;
  readonly #server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      this.received.push({
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
      });
      response.writeHead(this.status).end(this.status === 200 ? '' : '<Error>SignatureDoesNotMatch</Error>');
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/cfn-response?X-Amz-Signature=abc`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

describe('checker-reservation handler', () => {
  let handler: typeof ReservationHandler;
  let lambda: AwsClientStub<LambdaClient>;
  const bucket = new ResponseBucket();
  let responseUrl: string;

  const anEvent = (overrides: Record<string, unknown> = {}) => ({
    RequestType: 'Create',
    ResponseURL: responseUrl,
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/uptime-squirrel/1',
    RequestId: 'req-1',
    LogicalResourceId: 'CheckerReservation',
    ResourceType: 'Custom::CheckerReservation',
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:reservation',
    ResourceProperties: { ServiceToken: 'arn:…', FunctionName: CHECKER, ReservedConcurrency: '10' },
    ...overrides,
  });
  const givenAccount = (quota: number, unreserved: number, checkerReserved?: number) => {
    lambda.on(GetAccountSettingsCommand).resolves({
      AccountLimit: { ConcurrentExecutions: quota, UnreservedConcurrentExecutions: unreserved },
    });
    lambda
      .on(GetFunctionConcurrencyCommand, { FunctionName: CHECKER })
      .resolves(checkerReserved === undefined ? {} : { ReservedConcurrentExecutions: checkerReserved });
  };
  const lastResponse = () => bucket.received.at(-1)?.body;

  beforeAll(async () => {
    lambda = mockClient(LambdaClient);
    responseUrl = await bucket.start();
    process.env.AWS_REGION = 'us-east-1';
    ({ handler } = await import('../../functions/checker-reservation.ts'));
  });
  afterEach(() => {
    lambda.reset();
    bucket.received.length = 0;
    bucket.status = 200;
  });
  afterAll(async () => {
    lambda.restore();
    await bucket.stop();
  });

  it('reserves the concurrency on an account that can give it and tells CloudFormation so', async () => {
    // Prepare
    givenAccount(1000, 1000);
    lambda.on(PutFunctionConcurrencyCommand).resolves({ ReservedConcurrentExecutions: 10 });

    // Act
    await handler(anEvent());

    // Assess
    expect(lambda.commandCalls(PutFunctionConcurrencyCommand).map((call) => call.args[0].input)).toEqual([
      {
        FunctionName: CHECKER,
        ReservedConcurrentExecutions: 10,
      },
    ]);
    expect(lambda.commandCalls(DeleteFunctionConcurrencyCommand)).toHaveLength(0);
    expect(bucket.received).toHaveLength(1);
    expect(bucket.received[0]).toMatchObject({ method: 'PUT', url: '/cfn-response?X-Amz-Signature=abc' });
    // The pre-signed URL is signed without a content type.
    expect(bucket.received[0]?.headers['content-type']).toBe('');
    expect(lastResponse()).toEqual({
      Status: 'SUCCESS',
      Reason: 'SUCCESS',
      PhysicalResourceId: 'CheckerReservation-req-1',
      StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/uptime-squirrel/1',
      RequestId: 'req-1',
      LogicalResourceId: 'CheckerReservation',
      NoEcho: false,
      Data: {
        ReservedConcurrency: '10',
        Summary: '10: account quota 1000; Lambda keeps 100 unreserved, 890 spare after this',
      },
    });
  });

  it('deploys without a reservation on a new account of 10, saying why', async () => {
    // Prepare
    givenAccount(10, 10);

    // Act
    await handler(anEvent());

    // Assess
    expect(lambda.commandCalls(PutFunctionConcurrencyCommand)).toHaveLength(0);
    expect(lambda.commandCalls(DeleteFunctionConcurrencyCommand)).toHaveLength(0);
    expect(lastResponse()).toMatchObject({
      Status: 'SUCCESS',
      Data: {
        ReservedConcurrency: 'none',
        Summary: 'none: account quota 10 leaves no room; Lambda keeps 10 unreserved',
      },
    });
  });

  it("re-decides on update and removes an earlier deploy's reservation the account can no longer give", async () => {
    // Prepare: other functions took 895 since; the checker's 10 count back, 5 spare is too few.
    givenAccount(1000, 95, 10);
    lambda.on(DeleteFunctionConcurrencyCommand).resolves({});

    // Act
    await handler(anEvent({ RequestType: 'Update', PhysicalResourceId: 'CheckerReservation-req-0' }));

    // Assess
    expect(lambda.commandCalls(PutFunctionConcurrencyCommand)).toHaveLength(0);
    expect(lambda.commandCalls(DeleteFunctionConcurrencyCommand).map((call) => call.args[0].input)).toEqual([
      { FunctionName: CHECKER },
    ]);
    expect(lastResponse()).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: 'CheckerReservation-req-0',
      Data: { ReservedConcurrency: 'none' },
    });
  });

  it('keeps the checker without a reservation when Lambda refuses one (the account changed meanwhile)', async () => {
    // Prepare
    givenAccount(1000, 1000, 10);
    const refusal =
      "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].";
    lambda
      .on(PutFunctionConcurrencyCommand)
      .rejects(new InvalidParameterValueException({ message: refusal, $metadata: {} }));
    lambda.on(DeleteFunctionConcurrencyCommand).resolves({});

    // Act
    await handler(anEvent({ ResourceProperties: { FunctionName: CHECKER, ReservedConcurrency: '20' } }));

    // Assess
    expect(lambda.commandCalls(DeleteFunctionConcurrencyCommand).map((call) => call.args[0].input)).toEqual([
      { FunctionName: CHECKER },
    ]);
    expect(lastResponse()).toMatchObject({
      Status: 'SUCCESS',
      Data: { ReservedConcurrency: 'none', Summary: `none: Lambda refused 20 (${refusal})` },
    });
  });

  it('does nothing on delete, so deleting the stack or switching the reservation off never fails', async () => {
    // Act
    await handler(anEvent({ RequestType: 'Delete', PhysicalResourceId: 'CheckerReservation-req-0' }));

    // Assess
    expect(lambda.calls()).toHaveLength(0);
    expect(lastResponse()).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: 'CheckerReservation-req-0',
    });
  });

  it('fails the resource, naming the error and the way out, when the settings cannot be read', async () => {
    // Prepare
    lambda.on(GetAccountSettingsCommand).rejects(
      Object.assign(new Error('not authorized to perform lambda:GetAccountSettings'), {
        name: 'AccessDeniedException',
      }),
    );
    lambda.on(GetFunctionConcurrencyCommand).resolves({});

    // Act
    await handler(anEvent());

    // Assess
    expect(lambda.commandCalls(PutFunctionConcurrencyCommand)).toHaveLength(0);
    expect(lastResponse()).toMatchObject({
      Status: 'FAILED',
      Reason:
        'AccessDeniedException: not authorized to perform lambda:GetAccountSettings (set "checkerReservation": "off" in squirrel.config.json to deploy without a reservation)',
    });
  });

  it('fails the resource on properties it cannot use, naming the property', async () => {
    // Act
    await handler(anEvent({ ResourceProperties: { FunctionName: CHECKER, ReservedConcurrency: 'ten' } }));

    // Assess
    expect(lambda.calls()).toHaveLength(0);
    expect(lastResponse()?.Status).toBe('FAILED');
    expect(lastResponse()?.Reason).toMatch(
      /^ReservationPropertiesError: ReservedConcurrency: Invalid integer: Received NaN/,
    );
  });

  it('rejects when the response URL does not take the answer, so Lambda retries the invocation', async () => {
    // Prepare
    givenAccount(10, 10);
    bucket.status = 403;

    // Act + Assess
    await expect(handler(anEvent())).rejects.toThrow(
      "CloudFormation's response URL answered 403: <Error>SignatureDoesNotMatch</Error>",
    );
  });

  it('rejects an event that is not a CloudFormation request: there is no one to answer', async () => {
    // Act + Assess
    await expect(handler({ RequestType: 'Create' })).rejects.toThrow(
      /^not a CloudFormation custom resource request: ResponseURL: /,
    );
    expect(bucket.received).toHaveLength(0);
  });
});
