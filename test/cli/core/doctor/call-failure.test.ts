import { describe, expect, it } from 'vitest';
import { classifyCallError } from '../../../../cli/core/doctor/call-failure.ts';

const awsError = (name: string, message: string, httpStatusCode: number) =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode } });

describe('classifyCallError', () => {
  it.each([
    ['AccessDeniedException', 403, 'denied'],
    ['AuthorizationError', 403, 'denied'],
    ['AccessDenied', 403, 'denied'],
    ['SomethingNew', 403, 'denied'],
    ['ThrottlingException', 400, 'throttled'],
    ['Throttling', 400, 'throttled'],
    ['TooManyRequestsException', 429, 'throttled'],
    ['ExpiredToken', 403, 'bad-credentials'],
    ['InvalidClientTokenId', 403, 'bad-credentials'],
    ['UnrecognizedClientException', 403, 'bad-credentials'],
    ['ValidationException', 400, 'error'],
    ['InternalError', 500, 'error'],
  ])('%s (HTTP %i) is %s', (name, status, kind) => {
    // Act
    const failure = classifyCallError(awsError(name, 'message', status), 'lambda:GetAccountSettings');

    // Assess
    expect(failure).toEqual({ kind, action: 'lambda:GetAccountSettings', detail: `${name}: message` });
  });

  it('sorts network failures and the abort deadline as timeouts, by name or code', () => {
    // Prepare
    const deadline = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });

    // Act
    const kinds = [deadline, refused].map((error) => classifyCallError(error, 'sts:GetCallerIdentity').kind);

    // Assess
    expect(kinds).toEqual(['timeout', 'timeout']);
  });

  it('says no credentials when the provider chain found none, and survives thrown non-errors', () => {
    // Prepare
    const missing = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });

    // Act
    const noCredentials = classifyCallError(missing, 'sts:GetCallerIdentity');
    const thrownString = classifyCallError('boom', 'sts:GetCallerIdentity');

    // Assess
    expect(noCredentials.kind).toBe('no-credentials');
    expect(thrownString).toEqual({ kind: 'error', action: 'sts:GetCallerIdentity', detail: 'Error: boom' });
  });
});
