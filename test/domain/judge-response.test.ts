import { describe, expect, it } from 'vitest';
import { findChallenge } from '../../functions/domain/judge-response.ts';

describe('findChallenge', () => {
  it.each([
    [{ 'cf-mitigated': 'challenge' }, 'Cloudflare challenge (cf-mitigated: challenge)'],
    [{ 'cf-mitigated': 'Challenge ' }, 'Cloudflare challenge (cf-mitigated: challenge)'],
    [{ 'x-amzn-waf-action': 'captcha' }, 'AWS WAF (x-amzn-waf-action: captcha)'],
    [{ 'x-vercel-mitigated': 'challenge' }, 'Vercel checkpoint (x-vercel-mitigated: challenge)'],
    [{ 'x-vercel-mitigated': 'deny' }, undefined],
    [{ server: 'cloudflare', 'cf-ray': '8f1e2d3c4b5a6978-AMS' }, undefined],
    [{}, undefined],
  ])('finds %j as %s', (headers, expected) => {
    // Prepare: the headers come from the table

    // Act
    const found = findChallenge(headers);

    // Assess
    expect(found).toBe(expected);
  });
});
