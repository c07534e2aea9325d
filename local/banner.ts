import { resolve } from 'node:path';
import type { RuntimeEndpoints } from './runtime.ts';
import { HOME_LOCATION, HOME_SOURCE_ADDRESS, type RunningVerifierLocation } from './verifier-locations.ts';

// The commands `npm start` prints must work as printed, pasted into another shell: every one of them is run
// by test/local/banner.test.ts against a started runtime.

/** A placeholder the person replaces; the test replaces it with a real loopback URL. */
export const YOUR_URL = 'http://127.0.0.1:8080/';

// Characters a POSIX shell passes through unquoted.
const SHELL_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** `value` as one POSIX shell word: as is when that is safe, otherwise single-quoted. */
export function shellWord(value: string): string {
  if (value !== '' && SHELL_SAFE.test(value)) return value;
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * How to call the squirrel CLI so it finds this runtime: plain `npx squirrel` when the runtime uses the data
 * directory the CLI looks in by default, else with `--data-dir` (an absolute path: the other shell may be
 * anywhere, and may not have this shell's $SQUIRREL_DATA_DIR).
 */
export function squirrelCommand(dataDir: string, cliDefaultDataDir: string): string {
  const absolute = resolve(dataDir);
  return absolute === resolve(cliDefaultDataDir)
    ? 'npx squirrel'
    : `npx squirrel --data-dir ${shellWord(absolute)}`;
}

export interface CliBannerProps {
  /** From squirrelCommand. */
  readonly squirrel: string;
  /** Ids of the example sites added to an empty table (none when it had sites). */
  readonly seededSiteIds: readonly string[];
}

/** The squirrel lines of the banner: add a site, see the status, remove an example. */
export function cliBannerLines({ squirrel, seededSiteIds }: CliBannerProps): string[] {
  const lines: string[] = [];
  const firstExample = seededSiteIds[0];
  if (firstExample !== undefined) {
    lines.push(
      `The table was empty: added ${seededSiteIds.length} example sites (${seededSiteIds.join(', ')}).`,
      'Without internet access they will show DOWN (dns) here, and alert once each: that is the monitor working.',
    );
  }
  lines.push(
    'From another shell in this repository (a local server on 127.0.0.1 is fine here):',
    `  ${squirrel} sites add ${YOUR_URL}`,
    `  ${squirrel} status`,
  );
  if (firstExample !== undefined) lines.push(`  ${squirrel} sites remove ${shellWord(firstExample)}`);
  return lines;
}

/**
 * The AWS CLI lines: they work with AWS CLI v1 and v2. v1 reads AWS_DEFAULT_REGION (not AWS_REGION) and no
 * per-service endpoint variable for SQS, so every command names its endpoint with --endpoint-url.
 */
export function awsCliBannerLines(endpoints: RuntimeEndpoints): string[] {
  const region = shellWord(endpoints.region);
  return [
    'The AWS CLI (v1 or v2) works against it too; the emulators take any credentials, these are fake:',
    `  export AWS_DEFAULT_REGION=${region} AWS_REGION=${region} AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local`,
    `  aws dynamodb scan --endpoint-url ${shellWord(endpoints.dynamodbEndpoint)} --table-name ${shellWord(endpoints.tableName)}`,
    `  aws sqs get-queue-attributes --endpoint-url ${shellWord(endpoints.sqsEndpoint)} --queue-url ${shellWord(endpoints.queueUrl)} --attribute-names All`,
    `  aws sns list-subscriptions-by-topic --endpoint-url ${shellWord(endpoints.snsEndpoint)} --topic-arn ${shellWord(endpoints.topicArn)}`,
    // Without --with-decryption the channels' secrets come back opaque, as on AWS: the line is safe to run.
    `  aws ssm get-parameters-by-path --endpoint-url ${shellWord(endpoints.ssmEndpoint)} --path ${shellWord(endpoints.channelSecretsPrefix)} --recursive`,
  ];
}

/**
 * The verifier lines (issue 15): where home's checks come from and each verifier location's process; none
 * without locations (the banner is then as before).
 */
export function verifierBannerLines(locations: readonly RunningVerifierLocation[]): string[] {
  if (locations.length === 0) return [];
  const width = Math.max(...locations.map(({ location }) => location.length));
  return [
    `  verifiers  home ${HOME_LOCATION} checks from ${HOME_SOURCE_ADDRESS}; before confirming a site DOWN the checker asks each location (Lambda Invoke):`,
    ...locations.map(
      ({ location, sourceAddress, invokeUrl, pid }) =>
        `             ${location.padEnd(width)}  checks from ${sourceAddress.padEnd(15)}  ${invokeUrl}  pid ${pid}`,
    ),
    '             a site failing from a minority of locations is REGIONAL (told once, never pages); from a majority, DOWN',
  ];
}
