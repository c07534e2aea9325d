import { createHash } from 'node:crypto';

/**
 * The names the verifiers are found by (issue 15), computed from the home stack's name alone: the home checker
 * builds each verifier's ARN from them without a cross-region reference, and every region uses the same function
 * name.
 */

// Lambda function names: at most 64 characters.
const FUNCTION_NAME_MAX_LENGTH = 64;
// CloudFormation stack names: at most 128 characters.
const STACK_NAME_MAX_LENGTH = 128;
const FUNCTION_SUFFIX = '-verifier';
const HASH_LENGTH = 8;

/** `text` itself when it fits in `max` characters, else its head and a hash of the whole (distinct names stay distinct). */
function fitted(text: string, suffix: string, max: number): string {
  if (text.length + suffix.length <= max) return `${text}${suffix}`;
  const hash = createHash('sha256').update(text).digest('hex').slice(0, HASH_LENGTH);
  const head = text.slice(0, max - suffix.length - HASH_LENGTH - 1).replace(/-+$/, '');
  return `${head}-${hash}${suffix}`;
}

/** The verifier function's name in every region: `<stackName>-verifier` (shortened with a hash past 64). */
export const verifierFunctionNameOf = (homeStackName: string): string =>
  fitted(homeStackName, FUNCTION_SUFFIX, FUNCTION_NAME_MAX_LENGTH);

/** The verifier stack of one region: `<stackName>-verifier-<region>` (shortened with a hash past 128). */
export const verifierStackNameOf = (homeStackName: string, region: string): string =>
  fitted(homeStackName, `${FUNCTION_SUFFIX}-${region}`, STACK_NAME_MAX_LENGTH);
