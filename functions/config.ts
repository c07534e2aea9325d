import { isIP } from 'node:net';
import type { ProbeOptions } from './adapters/http-probe.ts';
import { type ChannelEndpoints, DEFAULT_CHANNEL_ENDPOINTS } from './domain/channels/channel-request.ts';
import { LOCATION_PATTERN, MAX_VERIFIER_REGIONS } from './domain/verification.ts';

/**
 * Environment contract between infra/ (which sets these on each Lambda), local/ (which sets them for the
 * local runtime) and the handlers. Read once at cold start; a missing or bad variable fails by name.
 */
export const ENV = {
  tableName: 'TABLE_NAME',
  queueUrl: 'QUEUE_URL',
  topicArn: 'TOPIC_ARN',
  scanSegments: 'SCAN_SEGMENTS',
  checksPerMessage: 'CHECKS_PER_MESSAGE',
  checkConcurrency: 'CHECK_CONCURRENCY',
  // Only the local runtime and tests set this: production checks never reach private addresses.
  allowPrivateTargets: 'ALLOW_PRIVATE_TARGETS',
  // Nameservers for the checks (`ip` or `ip:port`, comma-separated): the local runtime's `--dns-server` and tests.
  // Unset, checks use the system's resolver settings (resolv.conf), as Lambda provides them.
  dnsServers: 'DNS_SERVERS',
  // History and status page (issue 13). Unset HISTORY_BUCKET: nothing is recorded or published (tests, bench).
  historyBucket: 'HISTORY_BUCKET',
  // Only the local runtime sets this: its S3 emulator is reached by path, not by a bucket host name.
  s3ForcePathStyle: 'S3_FORCE_PATH_STYLE',
  // Owners whose sites are on the public status page unless a site says otherwise (comma-separated).
  publicOwners: 'PUBLIC_OWNERS',
  statusPageTitle: 'STATUS_PAGE_TITLE',
  // Alert channels (issue 14): the channels table, the FIFO deliveries queue and its DLQ (parked deliveries),
  // and the SSM path under which each channel's SecureString parameter lives (`<prefix>/<channelId>`).
  channelsTable: 'CHANNELS_TABLE',
  deliveryQueueUrl: 'DELIVERY_QUEUE_URL',
  deliveryDeadLetterQueueUrl: 'DELIVERY_DLQ_URL',
  channelSecretsPrefix: 'CHANNEL_SECRETS_PREFIX',
  // Only tests and the local runtime set these (loopback receivers); unset, the services' public endpoints.
  telegramApiUrl: 'TELEGRAM_API_URL',
  pagerDutyEventsUrl: 'PAGERDUTY_EVENTS_URL',
  // Multi-region verification (issue 15). Checker: the verifier regions (comma-separated, in order; unset or
  // empty: no verification), the verifier function's name (the same in every region) and its own location's name
  // (default AWS_REGION). Verifier: its location's name (default AWS_REGION).
  verifierRegions: 'VERIFIER_REGIONS',
  verifierFunctionName: 'VERIFIER_FUNCTION_NAME',
  homeLocation: 'HOME_LOCATION',
  verifierLocation: 'VERIFIER_LOCATION',
  // Only the local runtime and tests set these. VERIFIER_ENDPOINTS: `location=http://127.0.0.1:port` pairs
  // (comma-separated), where each location's verifier answers the Lambda Invoke API. PROBE_SOURCE_ADDRESS: the
  // loopback address a location's checks connect from (its own view of the network on one machine).
  verifierEndpoints: 'VERIFIER_ENDPOINTS',
  probeSourceAddress: 'PROBE_SOURCE_ADDRESS',
} as const;

/**
 * Tuned with `npm run bench` (see the README's Performance section): 80 checks a message, 10 messages an
 * invocation; at most 30 checks starting at once (in their first 500 ms), which a 512 MB checker's share of a
 * core (0.29 vCPU) handles without making sites look slow or timed out (the bench's sized phase: HTTPS
 * response times ~0.1 s late at the median and ≤ 0.45 s at p99, against 0.7-1.4 s and 1.1-1.8 s with 100).
 */
export const TUNING = {
  scanSegments: 4,
  checksPerMessage: 80,
  checkConcurrency: 30,
} as const;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

export function requireString(env: Env, name: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === '')
    throw new ConfigError(`environment variable ${name} is required`);
  return value;
}

export function readInteger(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(
      `environment variable ${name} must be a whole number from ${min} to ${max}, got "${raw}"`,
    );
  }
  return value;
}

/** A comma-separated list of nameservers, each `ip` or `ip:port` (IPv6 as `[ip]:port`); empty when unset. */
export function readNameservers(env: Env, name: string): readonly string[] {
  return readList(env, name, NAMESERVER, 'nameservers as ip or ip:port');
}

/**
 * A comma-separated list, each entry trimmed; empty when unset or blank.
 * @throws ConfigError naming the first entry that does not match `entry` (`listing` says what the list holds)
 */
function readList(env: Env, name: string, entry: RegExp, listing: string): string[] {
  const raw = env[name]?.trim() ?? '';
  if (raw === '') return [];
  const entries = raw.split(',').map((part) => part.trim());
  const bad = entries.find((part) => !entry.test(part));
  if (bad !== undefined) {
    throw new ConfigError(`environment variable ${name} must list ${listing}, got "${bad}"`);
  }
  return entries;
}

// 127.0.0.1, 127.0.0.1:5353, ::1, [::1]:5353: what dns.Resolver#setServers accepts.
const NAMESERVER =
  /^(?:\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?|[0-9a-fA-F:]*:[0-9a-fA-F:.]*|\[[0-9a-fA-F:.]+\](?::\d{1,5})?)$/;

export function readBoolean(env: Env, name: string): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  throw new ConfigError(`environment variable ${name} must be "true" or "false", got "${raw}"`);
}

/** Where history goes; absent when HISTORY_BUCKET is unset (nothing recorded or published). */
export interface HistoryConfig {
  readonly bucket: string;
  readonly forcePathStyle: boolean;
}

/** The public status page's settings (the fan-out publishes it). */
export interface StatusPageConfig {
  readonly title: string;
  readonly publicOwners: readonly string[];
}

export const DEFAULT_STATUS_PAGE_TITLE = 'Status';

export interface FanOutConfig {
  readonly tableName: string;
  readonly queueUrl: string;
  readonly scanSegments: number;
  readonly checksPerMessage: number;
  readonly history?: HistoryConfig;
  readonly statusPage: StatusPageConfig;
}

export interface CompactorConfig {
  readonly tableName: string;
  readonly history: HistoryConfig;
  /** Owners whose sites are public unless a site says otherwise: the public summary holds those sites. */
  readonly publicOwners: readonly string[];
}

/** How a function's probe checks sites: the checker's and every verifier's, from the same variables. */
export interface ProbeConfig {
  readonly allowPrivateTargets: boolean;
  /** Empty: the system's nameservers. */
  readonly dnsServers: readonly string[];
  /** PROBE_SOURCE_ADDRESS: the address checks connect from (local runtime and tests only). */
  readonly probeSourceAddress?: string;
}

export interface CheckerConfig extends ProbeConfig {
  readonly tableName: string;
  readonly queueUrl: string;
  readonly topicArn: string;
  readonly checkConcurrency: number;
  readonly history?: HistoryConfig;
  /** Absent when no verifier region is configured: the checker then behaves exactly as without issue 15. */
  readonly verification?: VerificationConfig;
}

/** Who the checker asks to confirm a DOWN (issue 15), and where it answers. */
export interface VerificationConfig {
  /** The checker's own location: HOME_LOCATION, else AWS_REGION, else `local`. */
  readonly home: string;
  /** The verifier regions, in configured order (1 to MAX_VERIFIER_REGIONS, distinct, not home). */
  readonly regions: readonly string[];
  /** The verifier function's name, the same in every region. */
  readonly functionName: string;
  /** Location → Lambda endpoint URL (local runtime and tests); empty: each region's AWS endpoint. */
  readonly endpoints: Readonly<Record<string, string>>;
}

/** What a verifier function needs: where it is and how it probes (as the checker does). */
export interface VerifierConfig extends ProbeConfig {
  /** Its location's name: VERIFIER_LOCATION, else AWS_REGION. */
  readonly location: string;
}

export const readFanOutConfig = (env: Env): FanOutConfig => ({
  tableName: requireString(env, ENV.tableName),
  queueUrl: requireString(env, ENV.queueUrl),
  scanSegments: readInteger(env, ENV.scanSegments, TUNING.scanSegments, 1, 64),
  checksPerMessage: readInteger(env, ENV.checksPerMessage, TUNING.checksPerMessage, 1, 500),
  ...optionalHistory(env),
  statusPage: readStatusPage(env),
});

export const readCompactorConfig = (env: Env): CompactorConfig => ({
  tableName: requireString(env, ENV.tableName),
  history: {
    bucket: requireString(env, ENV.historyBucket),
    forcePathStyle: readBoolean(env, ENV.s3ForcePathStyle),
  },
  publicOwners: readPublicOwners(env),
});

function optionalHistory(env: Env): { history?: HistoryConfig } {
  const bucket = env[ENV.historyBucket];
  if (bucket === undefined || bucket.trim() === '') return {};
  return { history: { bucket, forcePathStyle: readBoolean(env, ENV.s3ForcePathStyle) } };
}

// The owner pattern of functions/domain/site.ts (owners are compared as stored).
const OWNER_LIST_ENTRY = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$/;

function readStatusPage(env: Env): StatusPageConfig {
  const rawTitle = env[ENV.statusPageTitle]?.trim();
  const title = rawTitle === undefined || rawTitle === '' ? DEFAULT_STATUS_PAGE_TITLE : rawTitle;
  if (title.length > 100) {
    throw new ConfigError(
      `environment variable ${ENV.statusPageTitle} must be at most 100 characters, got ${title.length}`,
    );
  }
  return { title, publicOwners: readPublicOwners(env) };
}

/** PUBLIC_OWNERS: the same list for the fan-out (which publishes the page) and the compactor (its public summary). */
function readPublicOwners(env: Env): readonly string[] {
  return readList(env, ENV.publicOwners, OWNER_LIST_ENTRY, 'owners (letters, digits, . _ @ + -)');
}

export const readCheckerConfig = (env: Env): CheckerConfig => ({
  tableName: requireString(env, ENV.tableName),
  queueUrl: requireString(env, ENV.queueUrl),
  topicArn: requireString(env, ENV.topicArn),
  checkConcurrency: readInteger(env, ENV.checkConcurrency, TUNING.checkConcurrency, 1, 4096),
  ...readProbeConfig(env),
  ...optionalHistory(env),
  ...optionalVerification(env),
});

export function readVerifierConfig(env: Env): VerifierConfig {
  const location = readLocation(env, ENV.verifierLocation) ?? readLocation(env, 'AWS_REGION');
  if (location === undefined) {
    throw new ConfigError(`environment variable ${ENV.verifierLocation} (or AWS_REGION) is required`);
  }
  return { location, ...readProbeConfig(env) };
}

function readProbeConfig(env: Env): ProbeConfig {
  return {
    allowPrivateTargets: readBoolean(env, ENV.allowPrivateTargets),
    dnsServers: readNameservers(env, ENV.dnsServers),
    ...optionalSourceAddress(env),
  };
}

/** The probe's options for a function's ProbeConfig. */
export const probeOptionsOf = (config: ProbeConfig): ProbeOptions => ({
  allowPrivateTargets: config.allowPrivateTargets,
  dnsServers: config.dnsServers,
  ...(config.probeSourceAddress === undefined ? {} : { sourceAddress: config.probeSourceAddress }),
});

function optionalSourceAddress(env: Env): { probeSourceAddress?: string } {
  const raw = env[ENV.probeSourceAddress]?.trim();
  if (raw === undefined || raw === '') return {};
  if (isIP(raw) === 0) {
    throw new ConfigError(
      `environment variable ${ENV.probeSourceAddress} must be an IP address, got "${raw}"`,
    );
  }
  return { probeSourceAddress: raw };
}

/** A location's name (LOCATION_PATTERN) from variable `name`; undefined when it is unset or empty. */
function readLocation(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return undefined;
  if (!LOCATION_PATTERN.test(raw)) {
    throw new ConfigError(
      `environment variable ${name} must be a location like us-west-2 (lower case letters, digits, dashes), got "${raw}"`,
    );
  }
  return raw;
}

/** VERIFIER_REGIONS and what goes with it; absent when it is unset or empty. */
function optionalVerification(env: Env): { verification?: VerificationConfig } {
  const regions = readList(env, ENV.verifierRegions, LOCATION_PATTERN, 'regions like us-west-2,eu-west-1');
  if (regions.length === 0) return {};
  const repeated = regions.find((region, index) => regions.indexOf(region) !== index);
  if (repeated !== undefined) {
    throw new ConfigError(`environment variable ${ENV.verifierRegions} names "${repeated}" twice`);
  }
  if (regions.length > MAX_VERIFIER_REGIONS) {
    throw new ConfigError(
      `environment variable ${ENV.verifierRegions} may name at most ${MAX_VERIFIER_REGIONS} regions, got ${regions.length}`,
    );
  }
  const home = readLocation(env, ENV.homeLocation) ?? readLocation(env, 'AWS_REGION') ?? 'local';
  if (regions.includes(home)) {
    throw new ConfigError(
      `environment variable ${ENV.verifierRegions} names the home location "${home}": verifiers run elsewhere`,
    );
  }
  return {
    verification: {
      home,
      regions,
      functionName: requireString(env, ENV.verifierFunctionName),
      endpoints: readVerifierEndpoints(env, regions),
    },
  };
}

/** VERIFIER_ENDPOINTS `location=http://127.0.0.1:port,...`: when set, one for every region and no other. */
function readVerifierEndpoints(env: Env, regions: readonly string[]): Readonly<Record<string, string>> {
  const name = ENV.verifierEndpoints;
  const raw = env[name]?.trim() ?? '';
  if (raw === '') return {};
  const endpoints: Record<string, string> = {};
  for (const entry of raw.split(',').map((part) => part.trim())) {
    const separator = entry.indexOf('=');
    const location = entry.slice(0, separator).trim();
    const url = entry.slice(separator + 1).trim();
    if (separator < 1 || !regions.includes(location)) {
      throw new ConfigError(
        `environment variable ${name} must pair each of ${regions.join(', ')} with a URL (location=http://host:port), got "${entry}"`,
      );
    }
    endpoints[location] = readHttpUrl({ [name]: url }, name, '');
    if (endpoints[location] === '')
      throw new ConfigError(`environment variable ${name} has no URL in "${entry}"`);
  }
  const missing = regions.find((region) => endpoints[region] === undefined);
  if (missing !== undefined) {
    throw new ConfigError(`environment variable ${name} has no endpoint for "${missing}"`);
  }
  return endpoints;
}

/** The channel deliverer's settings (issue 14). */
export interface DelivererConfig {
  readonly channelsTable: string;
  readonly deliveryQueueUrl: string;
  /** Where deliveries still failing after the retry window are parked (FIFO). */
  readonly deliveryDeadLetterQueueUrl: string;
  readonly channelSecretsPrefix: string;
  /** The alerts topic: channel-failed notices are published there. */
  readonly topicArn: string;
  readonly allowPrivateTargets: boolean;
  /** Empty: the system's nameservers. */
  readonly dnsServers: readonly string[];
  readonly endpoints: ChannelEndpoints;
}

export const readDelivererConfig = (env: Env): DelivererConfig => ({
  channelsTable: requireString(env, ENV.channelsTable),
  deliveryQueueUrl: requireString(env, ENV.deliveryQueueUrl),
  deliveryDeadLetterQueueUrl: requireString(env, ENV.deliveryDeadLetterQueueUrl),
  channelSecretsPrefix: requireString(env, ENV.channelSecretsPrefix),
  topicArn: requireString(env, ENV.topicArn),
  allowPrivateTargets: readBoolean(env, ENV.allowPrivateTargets),
  dnsServers: readNameservers(env, ENV.dnsServers),
  endpoints: {
    telegramApiUrl: readHttpUrl(env, ENV.telegramApiUrl, DEFAULT_CHANNEL_ENDPOINTS.telegramApiUrl),
    pagerDutyEventsUrl: readHttpUrl(
      env,
      ENV.pagerDutyEventsUrl,
      DEFAULT_CHANNEL_ENDPOINTS.pagerDutyEventsUrl,
    ),
  },
});

/** An http(s) URL without a trailing slash (paths are appended to it), or `fallback` when unset. */
export function readHttpUrl(env: Env, name: string, fallback: string): string {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`environment variable ${name} must be an http(s) URL, got "${raw}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`environment variable ${name} must be an http(s) URL, got "${raw}"`);
  }
  return raw.replace(/\/+$/, '');
}
/** The channel dispatcher: where channels are listed and deliveries queued. */
export interface DispatcherConfig {
  readonly channelsTable: string;
  readonly deliveryQueueUrl: string;
}

export const readDispatcherConfig = (env: Env): DispatcherConfig => ({
  channelsTable: requireString(env, ENV.channelsTable),
  deliveryQueueUrl: requireString(env, ENV.deliveryQueueUrl),
});
