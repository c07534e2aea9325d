import * as v from 'valibot';
import { boundedText, wholeNumber } from './schema-parts.ts';

/** Why a site was judged down. Stable machine values: alerts, filters and dashboards match on them. */
export const DOWN_REASONS = [
  'timeout',
  'dns',
  'refused',
  'unreachable',
  'reset',
  'tls',
  'http-5xx',
  'http-4xx',
  'unexpected-status',
  'redirect-loop',
  'too-many-redirects',
  'protocol',
  'keyword',
  'body-truncated',
  'body-timeout',
] as const;
export type DownReason = (typeof DOWN_REASONS)[number];

/**
 * Why a check produced no verdict about the site. `checker-fault`: the checker, not the site, is at fault.
 * `blocked-address`: the site's name resolves only to addresses checks may not reach (private, metadata).
 */
export const FAULT_REASONS = ['checker-fault', 'blocked-address'] as const;
export type FaultReason = (typeof FAULT_REASONS)[number];

/** The leaf certificate seen in the check's own TLS handshake. */
const TlsCertificateSchema = v.object({
  validToMs: v.number(),
  /** SHA-256 fingerprint: a renewed certificate starts its expiry warnings afresh. */
  fingerprint: v.pipe(v.string(), v.maxLength(200)),
});
export type TlsCertificate = Readonly<v.InferOutput<typeof TlsCertificateSchema>>;

// Wider than HTTP's 100-599 on purpose: one odd value stored must never make the whole item unreadable.
export const StatusCodeSchema = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(999));

/**
 * A check result is a value, never an exception: a down site is an expected outcome.
 * `blocked` means the site answered but refused us (401/403/429, a bot challenge): not an outage.
 * `fault` means "we could not check", which must never be reported as the site being down.
 */
export const CheckResultSchema = v.variant('kind', [
  v.object({
    kind: v.literal('up'),
    status: StatusCodeSchema,
    latencyMs: wholeNumber,
    tls: v.optional(TlsCertificateSchema),
    /** What led there when it took more than one answer: "HEAD timed out, GET 200 in 80 ms". */
    detail: v.optional(boundedText),
  }),
  v.object({
    kind: v.literal('blocked'),
    status: StatusCodeSchema,
    detail: boundedText,
    latencyMs: wholeNumber,
    tls: v.optional(TlsCertificateSchema),
  }),
  v.object({
    kind: v.literal('down'),
    reason: v.picklist(DOWN_REASONS),
    detail: boundedText,
    status: v.optional(StatusCodeSchema),
    latencyMs: wholeNumber,
  }),
  v.object({
    kind: v.literal('fault'),
    reason: v.picklist(FAULT_REASONS),
    detail: boundedText,
    latencyMs: wholeNumber,
  }),
]);
export type CheckResult = Readonly<v.InferOutput<typeof CheckResultSchema>>;

/** True when the result says something about the site (up or down), false for checker faults. */
export const isVerdict = (result: CheckResult): result is Exclude<CheckResult, { kind: 'fault' }> =>
  result.kind !== 'fault';
