import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  signWebhook,
  verifyWebhook,
  WEBHOOK_TOLERANCE_SECONDS,
} from '../../../functions/domain/channels/webhook-signature.ts';

const SECRET = 'whsec_c2lnbmluZy1zZWNyZXQtZm9yLXRlc3RzLW9ubHktMDAwMA';
const BODY = '{"schema":"uptime-squirrel.webhook.v1","type":"alert","alert":{"event":"DOWN"}}';
const NOW_S = 1_795_000_000;

const headersFor = (timestampS: number, body = BODY, secret = SECRET) => ({
  'x-squirrel-timestamp': String(timestampS),
  'x-squirrel-signature': signWebhook(secret, timestampS, body),
});

describe('signWebhook', () => {
  it('is v1= and the hex HMAC-SHA256 of "<timestamp>.<body>"', () => {
    // Act
    const signature = signWebhook(SECRET, NOW_S, BODY);

    // Assess
    const expected = createHmac('sha256', SECRET).update(`${NOW_S}.${BODY}`).digest('hex');
    expect(signature).toBe(`v1=${expected}`);
    expect(signature).toMatch(/^v1=[0-9a-f]{64}$/);
  });
});

describe('verifyWebhook', () => {
  it('accepts what signWebhook signed, whatever the case of the header names', () => {
    // Prepare
    const signature = signWebhook(SECRET, NOW_S, BODY);

    // Act + Assess
    expect(verifyWebhook(SECRET, headersFor(NOW_S), BODY, NOW_S)).toBe(true);
    expect(
      verifyWebhook(
        SECRET,
        { 'X-Squirrel-Timestamp': String(NOW_S), 'X-Squirrel-Signature': signature },
        BODY,
        NOW_S,
      ),
    ).toBe(true);
  });

  it.each([
    { label: 'a changed body', body: BODY.replace('DOWN', 'UP'), headers: headersFor(NOW_S) },
    { label: 'one more space in the body', body: `${BODY} `, headers: headersFor(NOW_S) },
    {
      label: 'a changed timestamp',
      body: BODY,
      headers: { ...headersFor(NOW_S), 'x-squirrel-timestamp': String(NOW_S - 1) },
    },
    { label: 'another secret', body: BODY, headers: headersFor(NOW_S, BODY, `${SECRET}x`) },
    { label: 'no signature', body: BODY, headers: { 'x-squirrel-timestamp': String(NOW_S) } },
    {
      label: 'no timestamp',
      body: BODY,
      headers: { 'x-squirrel-signature': signWebhook(SECRET, NOW_S, BODY) },
    },
    {
      label: 'another scheme',
      body: BODY,
      headers: {
        ...headersFor(NOW_S),
        'x-squirrel-signature': signWebhook(SECRET, NOW_S, BODY).replace('v1=', 'v0='),
      },
    },
    {
      label: 'a truncated signature',
      body: BODY,
      headers: {
        ...headersFor(NOW_S),
        'x-squirrel-signature': signWebhook(SECRET, NOW_S, BODY).slice(0, 40),
      },
    },
    {
      label: 'a timestamp that is not a number',
      body: BODY,
      headers: {
        'x-squirrel-timestamp': `${NOW_S}e0`,
        'x-squirrel-signature': signWebhook(SECRET, NOW_S, BODY),
      },
    },
  ])('refuses $label', ({ body, headers }) => {
    expect(verifyWebhook(SECRET, headers, body, NOW_S)).toBe(false);
  });

  it.each([
    { label: `${WEBHOOK_TOLERANCE_SECONDS} s old`, ageS: WEBHOOK_TOLERANCE_SECONDS, isAccepted: true },
    {
      label: `${WEBHOOK_TOLERANCE_SECONDS + 1} s old (a replay)`,
      ageS: WEBHOOK_TOLERANCE_SECONDS + 1,
      isAccepted: false,
    },
    {
      label: `${WEBHOOK_TOLERANCE_SECONDS} s ahead (clock skew)`,
      ageS: -WEBHOOK_TOLERANCE_SECONDS,
      isAccepted: true,
    },
    {
      label: `${WEBHOOK_TOLERANCE_SECONDS + 1} s ahead`,
      ageS: -WEBHOOK_TOLERANCE_SECONDS - 1,
      isAccepted: false,
    },
  ])('a correctly signed delivery $label: accepted $isAccepted', ({ ageS, isAccepted }) => {
    expect(verifyWebhook(SECRET, headersFor(NOW_S - ageS), BODY, NOW_S)).toBe(isAccepted);
  });

  it('takes a narrower replay window when asked', () => {
    expect(verifyWebhook(SECRET, headersFor(NOW_S - 61), BODY, NOW_S, 60)).toBe(false);
    expect(verifyWebhook(SECRET, headersFor(NOW_S - 60), BODY, NOW_S, 60)).toBe(true);
  });

  it('accepts any one matching signature of several (a secret being rotated)', () => {
    // Prepare
    const headers = {
      'x-squirrel-timestamp': String(NOW_S),
      'x-squirrel-signature': `${signWebhook('whsec_old', NOW_S, BODY)}, ${signWebhook(SECRET, NOW_S, BODY)}`,
    };

    // Act + Assess
    expect(verifyWebhook(SECRET, headers, BODY, NOW_S)).toBe(true);
    expect(verifyWebhook('whsec_other', headers, BODY, NOW_S)).toBe(false);
  });

  it('reads repeated headers as Node gives them (an array)', () => {
    const headers = {
      'x-squirrel-timestamp': String(NOW_S),
      'x-squirrel-signature': ['v1=00', signWebhook(SECRET, NOW_S, BODY)],
    };
    expect(verifyWebhook(SECRET, headers, BODY, NOW_S)).toBe(true);
  });
});
