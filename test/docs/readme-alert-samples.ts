import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Alert } from '../../functions/domain/alert.ts';
import { formatAlert } from '../../functions/domain/alert-message.ts';
import type { ChannelRequest } from '../../functions/domain/channels/channel-request.ts';
import type { ChannelSecret } from '../../functions/domain/channels/channel-secret.ts';
import type { Notification } from '../../functions/domain/channels/notification.ts';
import { renderDelivery } from '../../functions/domain/channels/render-delivery.ts';
import { buildWebhookPayload } from '../../functions/domain/channels/webhook-payload.ts';
import { downAlert, downLocations, regionalAlert, T0, upAlert } from '../domain/channels/fixtures.ts';

// The README's "What alerts look like" shows the email and SMS of a DOWN and its UP; its "Alerts" section shows
// what each channel receives for the same DOWN (and PagerDuty's resolve for the UP); "Confirm from more than one
// place" shows a REGIONAL and a DOWN confirmed from several locations. Each sample sits in a fenced block right
// after `<!-- sample: NAME -->`; the test regenerates them here and fails when the README differs. Run this file
// with tsx to rewrite them:
//   npx tsx test/docs/readme-alert-samples.ts

export const README_PATH = fileURLToPath(new URL('../../README.md', import.meta.url));

/** The signing secret of the README's example webhook (the receiver snippet is run with it). */
export const SAMPLE_SIGNING_SECRET = 'whsec_Tm90LWEtcmVhbC1zZWNyZXQtanVzdC10aGUtUkVBRE1F';
export const SAMPLE_CHANNEL_ID = 'ch-k3v7q2m4xa';
/** The attempt: one second after the DOWN was confirmed. */
export const SAMPLE_NOW_MS = T0 + 32_000;

const ENDPOINTS = {
  telegramApiUrl: 'https://api.telegram.org',
  pagerDutyEventsUrl: 'https://events.pagerduty.com/v2/enqueue',
};

const SECRETS = {
  webhook: { kind: 'webhook', url: 'https://ops.example.com/squirrel', signingSecret: SAMPLE_SIGNING_SECRET },
  slack: { kind: 'slack', url: 'https://hooks.slack.com/services/T0000/B0000/XXXXXXXX' },
  teams: { kind: 'teams', url: 'https://example.westeurope.logic.azure.com/workflows/…/invoke' },
  discord: { kind: 'discord', url: 'https://discord.com/api/webhooks/1234/XXXXXXXX' },
  telegram: { kind: 'telegram', botToken: '123456:BOT-TOKEN', chatId: '-1001234567890' },
  pagerduty: { kind: 'pagerduty', routingKey: 'R0UTINGKEY0000000000000000000000' },
} as const satisfies Record<string, ChannelSecret>;

const DOWN: Notification = { type: 'alert', alert: downAlert() };
/** Home (us-east-1) and us-west-2 get HTTP 503, eu-west-1 reaches the site: DOWN from 2 of 3 locations. */
const DOWN_FROM_LOCATIONS: Alert = downAlert({
  locations: downLocations('HTTP 503 Service Unavailable from HEAD https://shop.example.com/health'),
});
/** Home times out, us-west-2 and eu-west-1 reach the site: REGIONAL. */
const REGIONAL: Alert = regionalAlert();
const UP: Notification = { type: 'alert', alert: upAlert() };

function requestOf(secret: ChannelSecret, notification: Notification, nowMs = SAMPLE_NOW_MS): ChannelRequest {
  const rendered = renderDelivery({
    secret,
    notification,
    deliveryId: `${notification.type === 'alert' ? notification.alert.alertId : ''}|${SAMPLE_CHANNEL_ID}`,
    nowMs,
    endpoints: ENDPOINTS,
  });
  const [request] = rendered.kind === 'requests' ? rendered.requests : [];
  if (request === undefined) throw new Error(`${secret.kind} sends nothing for ${notification.type}`);
  return request;
}

const pretty = (request: ChannelRequest): string => compactJson(JSON.parse(request.body));

// Short enough to read on a phone-sized README: a value that fits on one line stays on one line.
const LINE_CHARS = 100;

/** JSON indented by two, with every object or array that fits on its line written on that line. */
export function compactJson(value: unknown, indent = '', prefixChars = 0): string {
  const inline = inlineJson(value);
  if (
    value === null ||
    typeof value !== 'object' ||
    indent.length + prefixChars + inline.length <= LINE_CHARS
  ) {
    return inline;
  }
  const inner = `${indent}  `;
  const lines = Array.isArray(value)
    ? value.map((item) => `${inner}${compactJson(item, inner)}`)
    : Object.entries(value).map(([key, item]) => {
        const prefix = `${JSON.stringify(key)}: `;
        return `${inner}${prefix}${compactJson(item, inner, prefix.length)}`;
      });
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  return `${open}\n${lines.join(',\n')}\n${indent}${close}`;
}

function inlineJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(inlineJson).join(', ')}]`;
  const entries = Object.entries(value).map(([key, item]) => `${JSON.stringify(key)}: ${inlineJson(item)}`);
  return `{ ${entries.join(', ')} }`;
}

/** The webhook request as it goes on the wire (the body pretty-printed in its own sample). */
export function webhookSampleRequest(): ChannelRequest {
  return requestOf(SECRETS.webhook, DOWN);
}

/** An email as a mail client shows it: the subject, then the body. */
const emailOf = (alert: Alert): string => {
  const { subject, email } = formatAlert(alert);
  return `Subject: ${subject}\n\n${email}`;
};

/** Every sample, by name, exactly as the README shows it. */
export function readmeAlertSamples(): Record<string, string> {
  const webhook = webhookSampleRequest();
  const path = new URL(webhook.url).pathname;
  const regionalWebhook = buildWebhookPayload({ type: 'alert', alert: REGIONAL }, 'unused', SAMPLE_NOW_MS);
  return {
    'email-down': emailOf(downAlert()),
    'email-up': emailOf(upAlert()),
    'sms-down-up': [formatAlert(downAlert()).sms, formatAlert(upAlert()).sms].join('\n'),
    'email-regional': emailOf(REGIONAL),
    'sms-regional': formatAlert(REGIONAL).sms,
    'email-down-locations': emailOf(DOWN_FROM_LOCATIONS),
    'sms-down-locations': formatAlert(DOWN_FROM_LOCATIONS).sms,
    'webhook-regional-alert': compactJson(regionalWebhook.type === 'alert' ? regionalWebhook.alert : {}),
    'webhook-headers': [
      `POST ${path} HTTP/1.1`,
      `Host: ${new URL(webhook.url).host}`,
      ...Object.entries(webhook.headers).map(([name, value]) => `${name}: ${value}`),
    ].join('\n'),
    'webhook-body': pretty(webhook),
    slack: pretty(requestOf(SECRETS.slack, DOWN)),
    teams: pretty(requestOf(SECRETS.teams, DOWN)),
    discord: pretty(requestOf(SECRETS.discord, DOWN)),
    telegram: pretty(requestOf(SECRETS.telegram, DOWN)),
    'pagerduty-trigger': pretty(requestOf(SECRETS.pagerduty, DOWN)),
    'pagerduty-resolve': pretty(requestOf(SECRETS.pagerduty, UP)),
  };
}

// The block's lines up to the first line that closes the fence (an empty block matches nothing).
const SAMPLE_BLOCK = /(<!-- sample: ([\w-]+) -->\n```\w*\n)(.+(?:\n(?!```).*)*)\n```/g;

/** The README's samples, by name. */
export function samplesInReadme(readme: string): Record<string, string> {
  return Object.fromEntries([...readme.matchAll(SAMPLE_BLOCK)].map((match) => [match[2], match[3]]));
}

/** The README with every generated sample replaced by its current rendering (other blocks untouched). */
export function withCurrentSamples(readme: string): string {
  const samples = readmeAlertSamples();
  return readme.replace(SAMPLE_BLOCK, (whole, head: string, name: string) =>
    samples[name] === undefined ? whole : `${head}${samples[name]}\n\`\`\``,
  );
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(README_PATH, withCurrentSamples(readFileSync(README_PATH, 'utf8')));
}
