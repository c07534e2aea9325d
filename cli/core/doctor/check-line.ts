/** The preflight's answer for one check: `squirrel doctor` prints one of these a line. */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'unknown' | 'skip';

export const CHECK_IDS = [
  'region',
  'credentials',
  'cdk-bootstrap',
  'lambda-concurrency',
  'lambda-runtime',
  'alert-contacts',
  'sms-region',
  'sms-sandbox',
  'sms-spend-limit',
  'sms-origination',
  'verifier-region',
  'verifier-bootstrap',
  'verifier-concurrency',
] as const;
export type CheckId = (typeof CHECK_IDS)[number];

export interface CheckLine {
  readonly check: CheckId;
  readonly status: CheckStatus;
  /** What the check found, in a sentence a first-time AWS user understands. */
  readonly found: string;
  /** For anything not passing: the exact command to paste or the console page to open. */
  readonly fix?: string;
}

/** Why an AWS call gave no answer; the line then says "unknown" and what to do about it. */
export type CallFailureKind =
  | 'denied'
  | 'throttled'
  | 'timeout'
  | 'no-credentials'
  | 'bad-credentials'
  | 'not-run'
  | 'error';

export interface CallFailure {
  readonly kind: CallFailureKind;
  /** The IAM action of the call, e.g. `lambda:GetAccountSettings`. */
  readonly action: string;
  /** The error's name and message, or why the call was not made. */
  readonly detail: string;
}

/** The outcome of one gathered fact: its value, or why AWS did not give it. */
export type Probe<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly failure: CallFailure };

export const answered = <T>(value: T): Probe<T> => ({ ok: true, value });
export const failed = <T>(failure: CallFailure): Probe<T> => ({ ok: false, failure });

/** A call not made because an earlier one (region, credentials) already failed. */
export const notRun = <T>(action: string, reason: string): Probe<T> =>
  failed({ kind: 'not-run', action, detail: reason });

/**
 * The line of a check whose facts AWS did not give: "unknown", never a crash of the other checks. A missing
 * permission names the IAM action to grant.
 */
export function unknownLine(check: CheckId, failure: CallFailure): CheckLine {
  const { action, detail } = failure;
  switch (failure.kind) {
    case 'denied':
      return {
        check,
        status: 'unknown',
        found: `no permission for ${action} (${detail})`,
        fix: `allow ${action} for your IAM identity: docs/preflight.md has the read-only policy the preflight needs`,
      };
    case 'throttled':
      return {
        check,
        status: 'unknown',
        found: `AWS throttled ${action} after retries (${detail})`,
        fix: 'run `squirrel doctor` again in a minute',
      };
    case 'timeout':
      return {
        check,
        status: 'unknown',
        found: `${action} did not answer in time (${detail})`,
        fix: 'check your network or proxy (HTTPS_PROXY) and run `squirrel doctor` again',
      };
    case 'not-run':
      return { check, status: 'unknown', found: `not checked: ${detail}` };
    case 'no-credentials':
    case 'bad-credentials':
    case 'error':
      return {
        check,
        status: 'unknown',
        found: `${action} failed: ${detail}`,
        fix: 'run `squirrel doctor` again; if it persists, run the AWS CLI equivalent with --debug',
      };
  }
}
