import type { CallFailure, CallFailureKind } from './check-line.ts';

// Error names the AWS services use for a missing permission (SNS says AuthorizationError, the JSON services
// AccessDeniedException, the query services AccessDenied).
const DENIED_NAMES = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'AuthorizationError',
  'AuthorizationErrorException',
  'UnauthorizedOperation',
]);
const THROTTLED_NAMES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
]);
// The abort signal's TimeoutError, the HTTP handler's own timeouts, and sockets that never answered.
const TIMEOUT_NAMES = new Set(['TimeoutError', 'AbortError', 'RequestTimeout', 'RequestTimeoutException']);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ECONNRESET', 'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);
const BAD_CREDENTIAL_NAMES = new Set([
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'InvalidSignatureException',
  'IncompleteSignature',
]);

/**
 * Sorts an error thrown by an AWS SDK call into what the user can do about it. Matches on the error's `name`
 * and `code`, never on its message; works on any thrown value.
 */
export function classifyCallError(error: unknown, action: string): CallFailure {
  const { name, message, code, status } = describeError(error);
  const detail = name === message || message === '' ? name : `${name}: ${message}`;
  return { kind: kindOf(name, code, status), action, detail };
}

function kindOf(name: string, code: string | undefined, status: number | undefined): CallFailureKind {
  // Expired or wrong keys also answer 403: name them before treating a 403 as a missing permission.
  if (name === 'CredentialsProviderError') return 'no-credentials';
  if (BAD_CREDENTIAL_NAMES.has(name)) return 'bad-credentials';
  if (DENIED_NAMES.has(name) || status === 403) return 'denied';
  if (THROTTLED_NAMES.has(name) || status === 429) return 'throttled';
  if (TIMEOUT_NAMES.has(name) || (code !== undefined && TIMEOUT_CODES.has(code))) return 'timeout';
  return 'error';
}

function describeError(error: unknown): {
  name: string;
  message: string;
  code: string | undefined;
  status: number | undefined;
} {
  if (typeof error !== 'object' || error === null) {
    return { name: 'Error', message: String(error), code: undefined, status: undefined };
  }
  const { name, message, code, $metadata } = error as {
    name?: unknown;
    message?: unknown;
    code?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  return {
    name: typeof name === 'string' ? name : 'Error',
    message: typeof message === 'string' ? message : '',
    code: typeof code === 'string' ? code : undefined,
    status: typeof $metadata?.httpStatusCode === 'number' ? $metadata.httpStatusCode : undefined,
  };
}
