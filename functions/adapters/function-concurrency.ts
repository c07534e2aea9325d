import {
  DeleteFunctionConcurrencyCommand,
  GetAccountSettingsCommand,
  GetFunctionConcurrencyCommand,
  type LambdaClient,
  PutFunctionConcurrencyCommand,
} from '@aws-sdk/client-lambda';
import type { AccountConcurrency } from '../domain/checker-reservation.ts';

/** A reservation Lambda refused, with its words (e.g. "…below its minimum value of [10]"). */
export type ReserveOutcome =
  | { readonly kind: 'reserved' }
  | { readonly kind: 'refused'; readonly message: string };

/** Reads the account's Lambda concurrency settings and sets or removes one function's reservation. */
export class FunctionConcurrency {
  readonly #lambda: LambdaClient;

  constructor(lambda: LambdaClient) {
    this.#lambda = lambda;
  }

  /** The region's quota, what is left unreserved, and the function's own reservation. */
  async readAccount(functionName: string): Promise<AccountConcurrency> {
    const [settings, current] = await Promise.all([
      this.#lambda.send(new GetAccountSettingsCommand({})),
      this.#lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: functionName })),
    ]);
    const quota = settings.AccountLimit?.ConcurrentExecutions;
    const unreserved = settings.AccountLimit?.UnreservedConcurrentExecutions;
    if (quota === undefined || unreserved === undefined) {
      throw new Error(
        `GetAccountSettings returned no concurrency limits: ${JSON.stringify(settings.AccountLimit ?? null)}`,
      );
    }
    return { quota, unreserved, checkerReserved: current.ReservedConcurrentExecutions };
  }

  /**
   * Reserves `concurrency` for the function. Lambda's refusal (the account changed since it was read, or its rule
   * is stricter than documented) is an outcome, not an error: the deploy goes on without a reservation.
   */
  async reserve(functionName: string, concurrency: number): Promise<ReserveOutcome> {
    try {
      await this.#lambda.send(
        new PutFunctionConcurrencyCommand({
          FunctionName: functionName,
          ReservedConcurrentExecutions: concurrency,
        }),
      );
      return { kind: 'reserved' };
    } catch (error) {
      if ((error as Error).name === 'InvalidParameterValueException') {
        return { kind: 'refused', message: (error as Error).message };
      }
      throw error;
    }
  }

  /** Removes the function's reservation. */
  async release(functionName: string): Promise<void> {
    await this.#lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: functionName }));
  }
}
