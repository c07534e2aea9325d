/** Exit codes, the CLI's contract with scripts. */
export const EXIT = {
  ok: 0,
  /** Something is down, rejected, missing or failed at the target (AWS, the local runtime). */
  failure: 1,
  /** The command line or an input file is wrong by itself; nothing was written. */
  badInput: 2,
} as const;

/** Bad input, found before anything was written: exit 2. The message names the field and the bad value. */
export class InputError extends Error {
  override name = 'InputError';
  readonly exitCode = EXIT.badInput;
}

/** An operational failure: no target, no such site, a conflict, an AWS error. Exit 1. */
export class CommandError extends Error {
  override name = 'CommandError';
  readonly exitCode = EXIT.failure;
}
