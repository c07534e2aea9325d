import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { signWebhook } from '../../functions/domain/channels/webhook-signature.ts';
import {
  README_PATH,
  readmeAlertSamples,
  SAMPLE_NOW_MS,
  SAMPLE_SIGNING_SECRET,
  samplesInReadme,
  webhookSampleRequest,
} from './readme-alert-samples.ts';

// The README's alert samples are what formatAlert and renderDelivery produce, and its receiver snippet accepts
// what we sign.

const readme = readFileSync(README_PATH, 'utf8');
const inReadme = samplesInReadme(readme);

type Verify = (secret: string, headers: Record<string, string>, rawBody: string, nowS?: number) => boolean;

const scratch = mkdtempSync(join(tmpdir(), 'readme-receiver-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The README's receiver snippet, as a module of its own (it imports only node:crypto). */
async function readmeReceiver(): Promise<Verify> {
  const file = join(scratch, 'receiver.mjs');
  writeFileSync(file, inReadme.receiver ?? '');
  const module = (await import(/* @vite-ignore */ pathToFileURL(file).href)) as { isFromSquirrel: Verify };
  return module.isFromSquirrel;
}

describe('README alert samples (What alerts look like, Alerts, Confirm from more than one place)', () => {
  it.each(Object.entries(readmeAlertSamples()))(
    'shows the %s sample as the code renders it',
    (name, sample) => {
      // A difference here: run `npx tsx test/docs/readme-alert-samples.ts` and review the README diff.
      expect(inReadme[name]).toBe(sample);
    },
  );

  it('has a receiver snippet that imports nothing but node:crypto', () => {
    const imports = [...(inReadme.receiver ?? '').matchAll(/from '([^']+)'/g)].map((match) => match[1]);
    expect(imports).toEqual(['node:crypto']);
  });

  it('has a receiver snippet that accepts a delivery signed by signWebhook', async () => {
    // Prepare
    const isFromSquirrel = await readmeReceiver();
    const request = webhookSampleRequest();
    const headers = Object.fromEntries(
      Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value]),
    );
    const nowS = Math.floor(SAMPLE_NOW_MS / 1_000);

    // Act + Assess
    expect(isFromSquirrel(SAMPLE_SIGNING_SECRET, headers, request.body, nowS)).toBe(true);
    expect(isFromSquirrel(SAMPLE_SIGNING_SECRET, headers, request.body, nowS + 300)).toBe(true);
  });

  it.each([
    {
      label: 'a changed body',
      change: (body: string, headers: Record<string, string>) => ({
        body: body.replace('DOWN', 'UP'),
        headers,
      }),
    },
    {
      label: 'another secret',
      change: (body: string, headers: Record<string, string>) => ({
        body,
        headers: {
          ...headers,
          'x-squirrel-signature': signWebhook('whsec_other', Number(headers['x-squirrel-timestamp']), body),
        },
      }),
    },
    {
      label: 'a replay 301 s later',
      change: (body: string, headers: Record<string, string>) => ({ body, headers, lateS: 301 }),
    },
    {
      label: 'no signature',
      change: (body: string, headers: Record<string, string>) => ({
        body,
        headers: { 'x-squirrel-timestamp': headers['x-squirrel-timestamp'] ?? '' },
      }),
    },
  ])('has a receiver snippet that refuses $label', async ({ change }) => {
    // Prepare
    const isFromSquirrel = await readmeReceiver();
    const request = webhookSampleRequest();
    const headers = Object.fromEntries(
      Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value]),
    );
    const changed: { body: string; headers: Record<string, string>; lateS?: number } = change(
      request.body,
      headers,
    );

    // Act + Assess
    const nowS = Math.floor(SAMPLE_NOW_MS / 1_000) + (changed.lateS ?? 0);
    expect(isFromSquirrel(SAMPLE_SIGNING_SECRET, changed.headers, changed.body, nowS)).toBe(false);
  });
});
