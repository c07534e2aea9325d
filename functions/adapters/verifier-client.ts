import {
  InvokeCommand,
  type InvokeCommandOutput,
  LambdaClient,
  type LambdaClientConfig,
} from '@aws-sdk/client-lambda';
import * as v from 'valibot';
import type { CheckResult } from '../domain/check-result.ts';
import { truncateText } from '../domain/schema-parts.ts';
import type { SiteConfig } from '../domain/site.ts';
import { unaskedReplies } from '../domain/verification-answer.ts';
import {
  MAX_VERIFY_TARGETS,
  VERIFY_REQUEST_VERSION,
  type VerifyRequest,
  VerifyResponseSchema,
} from '../domain/verify-request.ts';
import { VERIFIER_NO_ANSWER_MESSAGE, type VerifierAnswer, type Verifiers } from '../services/verifiers.ts';
import { AWS_HTTP_TIMEOUTS } from './call-deadline.ts';
import type { Logger } from './logger.ts';

/**
 * How long verify() calls wait for others to join their request. A home-region incident fails many sites within
 * milliseconds of each other in one invocation: they go out as one Invoke per region (accounts may have a
 * concurrency quota of 10 there), not one each. Short beside the cross-region invoke it precedes (~100-300 ms).
 */
export const DEFAULT_COALESCE_MS = 75;

/**
 * Most a batch's deadlines may differ. A verifier replies once every target of the request is done, and the invoke
 * runs to the batch's latest deadline: a caller with a much earlier deadline than a batch-mate's (a 5 s site beside
 * a hanging 30 s one) would stop waiting long before that reply and count every region as no answer. Calls join a
 * batch only with the same site timeout (the verifier's bound on each target) and a deadline this close, so the
 * reply comes by every caller's deadline; others start their own batch.
 */
export const DEADLINE_SPREAD_MS = 1_000;

// Kept in logs and no-answer details: an error text from a far end is not a document.
const MAX_DETAIL_CHARS = 300;

export interface VerifierClientProps {
  readonly home: string;
  /** In configured order: every verify() answers in this order. */
  readonly regions: readonly string[];
  /** The verifier function's name, the same in every region. */
  readonly functionName: string;
  /** Location → endpoint URL (local runtime and tests); a region without one uses its AWS endpoint. */
  readonly endpoints?: Readonly<Record<string, string>>;
  readonly log: Logger;
  /** Merged into every region's LambdaClient configuration (tests: credentials). */
  readonly clientConfig?: LambdaClientConfig;
  /** @default DEFAULT_COALESCE_MS */
  readonly coalesceMs?: number;
  /** A request is sent as soon as it holds this many sites. @default MAX_VERIFY_TARGETS */
  readonly maxTargets?: number;
  readonly nowMs?: () => number;
}

/** One verify() call waiting for its batch's answers. */
interface Waiting {
  readonly site: SiteConfig;
  readonly fullGet: boolean;
  readonly deadlineMs: number;
  readonly resolve: (answers: readonly VerifierAnswer[]) => void;
}

/** Calls waiting for their request to go out: same site timeout, deadlines within DEADLINE_SPREAD_MS. */
interface OpenBatch {
  readonly timeoutMs: number;
  earliestDeadlineMs: number;
  latestDeadlineMs: number;
  readonly calls: Waiting[];
  timer: NodeJS.Timeout | undefined;
}

/** What one region said to one request: a result per target id, or why there is none. */
type InvokeReply =
  | { readonly kind: 'answered'; readonly results: ReadonlyMap<string, CheckResult> }
  | { readonly kind: 'failed'; readonly detail: string };

/**
 * The Verifiers port over Lambda Invoke (RequestResponse): one LambdaClient per region, calls coalesced into one
 * request per region (only calls with the same site timeout and close deadlines: DEADLINE_SPREAD_MS), each invoke
 * aborted at its batch's latest deadline, each verify() answered by its own. The SDK retries a throttled invoke
 * within that time. Anything that is not a valid reply from the expected location (function error, throttling,
 * timeout, malformed or foreign reply, a missing answer) is a no-answer for the sites it concerns, logged once per
 * region per batch; verify() never throws.
 */
export class VerifierClient implements Verifiers {
  readonly home: string;
  readonly regions: readonly string[];
  readonly #props: VerifierClientProps;
  readonly #nowMs: () => number;
  readonly #clients = new Map<string, LambdaClient>();
  #open: OpenBatch[] = [];

  constructor(props: VerifierClientProps) {
    if (props.regions.length === 0) throw new RangeError('VerifierClient needs at least one region');
    this.home = props.home;
    this.regions = [...props.regions];
    this.#props = props;
    this.#nowMs = props.nowMs ?? Date.now;
  }

  verify(site: SiteConfig, fullGet: boolean, deadlineMs: number): Promise<readonly VerifierAnswer[]> {
    return new Promise((resolve) => {
      const open = this.#batchFor(site.timeoutMs, deadlineMs);
      open.calls.push({ site, fullGet, deadlineMs, resolve });
      open.earliestDeadlineMs = Math.min(open.earliestDeadlineMs, deadlineMs);
      open.latestDeadlineMs = Math.max(open.latestDeadlineMs, deadlineMs);
      if (open.calls.length >= (this.#props.maxTargets ?? MAX_VERIFY_TARGETS)) this.#flush(open);
    });
  }

  /** The open batch this call may join (same site timeout, deadlines stay close), or a new one with its window. */
  #batchFor(timeoutMs: number, deadlineMs: number): OpenBatch {
    const fits = (open: OpenBatch) =>
      open.timeoutMs === timeoutMs &&
      Math.max(open.latestDeadlineMs, deadlineMs) - Math.min(open.earliestDeadlineMs, deadlineMs) <=
        DEADLINE_SPREAD_MS;
    const found = this.#open.find(fits);
    if (found !== undefined) return found;
    const open: OpenBatch = {
      timeoutMs,
      earliestDeadlineMs: deadlineMs,
      latestDeadlineMs: deadlineMs,
      calls: [],
      timer: undefined,
    };
    open.timer = setTimeout(() => this.#flush(open), this.#props.coalesceMs ?? DEFAULT_COALESCE_MS);
    this.#open.push(open);
    return open;
  }

  #flush(open: OpenBatch): void {
    clearTimeout(open.timer);
    const at = this.#open.indexOf(open);
    if (at === -1) return;
    this.#open.splice(at, 1);
    const batch = open.calls;
    if (batch.length === 0) return;
    this.#verifyBatch(batch).catch((error: unknown) => {
      // A bug here must not leave a check waiting: every caller still gets an answer (a settled one keeps its own).
      const detail = bounded(
        `verifier client failed: ${error instanceof Error ? error.message : String(error)}`,
      );
      for (const waiting of batch) waiting.resolve(unaskedReplies(this.regions, detail));
      this.#props.log.error('verifier client failed', {
        detail,
        sites: batch.map((waiting) => waiting.site.siteId),
      });
    });
  }

  /** Asks every region about the whole batch; each caller gets its answers by its own deadline. */
  async #verifyBatch(batch: readonly Waiting[]): Promise<void> {
    const askedAtMs = this.#nowMs();
    const request: VerifyRequest = {
      v: VERIFY_REQUEST_VERSION,
      targets: batch.map(({ site, fullGet }, index) => ({
        id: idOf(index),
        site,
        ...(fullGet ? { fullGet: true } : {}),
      })),
    };
    const batchDeadlineMs = Math.max(...batch.map((waiting) => waiting.deadlineMs));
    const replies = this.regions.map((region) => this.#ask(region, request, batchDeadlineMs));
    const answered = await Promise.all(
      batch.map(async (waiting, index) => {
        const late = untilTime(waiting.deadlineMs - this.#nowMs());
        const answers = await Promise.all(
          replies.map(async (reply, regionIndex): Promise<VerifierAnswer> => {
            const location = this.regions[regionIndex] as string;
            const first = await Promise.race([reply, late.reached]);
            if (first === 'late')
              return { location, noAnswer: `no answer within ${waiting.deadlineMs - askedAtMs} ms` };
            if (first.kind === 'failed') return { location, noAnswer: first.detail };
            const result = first.results.get(idOf(index));
            return result === undefined
              ? { location, noAnswer: 'the reply had no answer for this site' }
              : { location, result };
          }),
        );
        late.cancel();
        waiting.resolve(answers);
        return answers;
      }),
    );
    this.#logSilentRegions(batch, answered);
  }

  /** One line per region that did not answer some sites of the batch: the alarm's metric filter counts them. */
  #logSilentRegions(batch: readonly Waiting[], answered: readonly (readonly VerifierAnswer[])[]): void {
    this.regions.forEach((location, regionIndex) => {
      const sites: string[] = [];
      const details = new Set<string>();
      answered.forEach((answers, index) => {
        const answer = answers[regionIndex];
        if (answer === undefined || !('noAnswer' in answer)) return;
        sites.push(batch[index]?.site.siteId ?? '');
        details.add(answer.noAnswer);
      });
      // Site ids only: a site's URL query and headers may carry credentials.
      if (sites.length > 0)
        this.#props.log.warn(VERIFIER_NO_ANSWER_MESSAGE, {
          location,
          detail: [...details].join('; '),
          sites,
        });
    });
  }

  /** Invokes the verifier in `region` with the request, until `deadlineMs`; never throws. */
  async #ask(region: string, request: VerifyRequest, deadlineMs: number): Promise<InvokeReply> {
    const limitMs = deadlineMs - this.#nowMs();
    if (limitMs <= 0) return { kind: 'failed', detail: 'no time left to ask' };
    const controller = new AbortController();
    const late = untilTime(limitMs);
    const stop = () => controller.abort(new Error(`no answer within ${limitMs} ms`));
    void late.reached.then(stop);
    try {
      const invoke = this.#client(region).send(
        new InvokeCommand({
          FunctionName: this.#props.functionName,
          InvocationType: 'RequestResponse',
          Payload: new TextEncoder().encode(JSON.stringify(request)),
        }),
        { abortSignal: controller.signal },
      );
      // The abort ends the request; the race makes sure a retry waiting out its backoff does not hold us either.
      invoke.catch(() => {});
      const output = await Promise.race([invoke, late.reached]);
      if (output === 'late') return { kind: 'failed', detail: `no answer within ${limitMs} ms` };
      return readReply(region, output);
    } catch (error) {
      if (controller.signal.aborted) return { kind: 'failed', detail: `no answer within ${limitMs} ms` };
      return { kind: 'failed', detail: describeInvokeError(error) };
    } finally {
      late.cancel();
    }
  }

  /** The region's client, built on first use (a region never asked costs nothing). */
  #client(region: string): LambdaClient {
    let client = this.#clients.get(region);
    if (client === undefined) {
      const endpoint = this.#props.endpoints?.[region];
      client = new LambdaClient({
        region,
        ...(endpoint === undefined ? {} : { endpoint }),
        // The SDK's own retries cover throttling (TooManyRequestsException) within the invoke's deadline.
        maxAttempts: 3,
        // Only the connect bound of the other AWS clients: the invoke itself runs to its deadline (see #ask).
        requestHandler: { connectionTimeout: AWS_HTTP_TIMEOUTS.connectionTimeout },
        ...this.#props.clientConfig,
      });
      this.#clients.set(region, client);
    }
    return client;
  }
}

const idOf = (index: number) => `t${index}`;

/** The reply as results by id, or why it is none. */
function readReply(region: string, output: InvokeCommandOutput): InvokeReply {
  const text = output.Payload === undefined ? '' : new TextDecoder().decode(output.Payload);
  if (output.FunctionError !== undefined) {
    return { kind: 'failed', detail: bounded(`verifier failed (${output.FunctionError}): ${errorOf(text)}`) };
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { kind: 'failed', detail: bounded(`malformed reply: not JSON (${text.slice(0, 80)})`) };
  }
  const parsed = v.safeParse(VerifyResponseSchema, body);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const where = issue === undefined ? 'the root' : (v.getDotPath(issue) ?? 'the root');
    return { kind: 'failed', detail: bounded(`malformed reply at ${where}: ${issue?.message ?? 'invalid'}`) };
  }
  // A reply from elsewhere (endpoints crossed, a function deployed with another location) is not this region's.
  if (parsed.output.location !== region) {
    return { kind: 'failed', detail: `reply came from "${parsed.output.location}", not "${region}"` };
  }
  return {
    kind: 'answered',
    results: new Map(parsed.output.answers.map((answer) => [answer.id, answer.result])),
  };
}

/** Lambda's body for a function error: `{ errorType, errorMessage }`. */
function errorOf(text: string): string {
  try {
    const { errorType, errorMessage } = JSON.parse(text) as { errorType?: unknown; errorMessage?: unknown };
    if (typeof errorMessage === 'string')
      return typeof errorType === 'string' ? `${errorType}: ${errorMessage}` : errorMessage;
  } catch {
    // Not JSON: the text itself says what happened.
  }
  return text.slice(0, 200) || 'no details';
}

/** "TooManyRequestsException: Rate exceeded (3 attempts)": what the SDK said after its retries. */
function describeInvokeError(error: unknown): string {
  if (!(error instanceof Error)) return bounded(`invoke failed: ${String(error)}`);
  const attempts = (error as { $metadata?: { attempts?: number } }).$metadata?.attempts;
  return bounded(`${error.name}: ${error.message}${attempts === undefined ? '' : ` (${attempts} attempts)`}`);
}

const bounded = (text: string) => truncateText(text, MAX_DETAIL_CHARS);

/** Resolves 'late' after `ms` (at once when ms ≤ 0), unless cancelled first; its timer never holds the process. */
function untilTime(ms: number): { reached: Promise<'late'>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const reached = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), Math.max(0, ms));
    timer.unref();
  });
  return { reached, cancel: () => clearTimeout(timer) };
}
