/**
 * What counts as an email address and a phone number for an alert subscription: one rule for the CLI's
 * `subscribe`, the deploy settings (`alertEmail`, `alertPhone`) and the preflight's `--phone`.
 */

// Deliberately simple: one @, no spaces or quoting characters, a dot in the domain. SNS and the mail server
// judge the rest.
const EMAIL_ADDRESS_PATTERN = /^[^\s@"<>(),;:]+@[^\s@"<>(),;:]+\.[^\s@"<>(),;:.]+$/;
// RFC 5321's limit on a whole address.
const MAX_EMAIL_LENGTH = 254;
// E.164: a plus, a country code that does not start with 0, at most 15 digits in all (7 at least).
const E164_PATTERN = /^\+[1-9]\d{6,14}$/;

export const EMAIL_EXPECTED = 'an email address like ops@example.com';
export const E164_EXPECTED = 'an E.164 phone number like +15555550100 (+ then 7-15 digits, no spaces)';

export const isEmailAddress = (text: string): boolean =>
  text.length <= MAX_EMAIL_LENGTH && EMAIL_ADDRESS_PATTERN.test(text) && !text.includes('..');

export const isE164PhoneNumber = (text: string): boolean => E164_PATTERN.test(text);

/** "a***@example.com": enough to recognise an address in output without printing it. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

/** "+1*******123": the country code's first digit and the last three digits only. */
export function maskPhone(phone: string): string {
  if (phone.length < 6) return '***';
  return `${phone.slice(0, 2)}${'*'.repeat(phone.length - 5)}${phone.slice(-3)}`;
}

/** Masks email addresses and phone numbers; other endpoints (queue ARNs, URLs) are shown as they are. */
export function maskEndpoint(protocol: string, endpoint: string): string {
  if (protocol === 'email' || protocol === 'email-json') return maskEmail(endpoint);
  if (protocol === 'sms') return maskPhone(endpoint);
  return endpoint;
}
