import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError, Option } from 'commander';
import { formatDuration } from '../functions/domain/duration.ts';
import { awsCliBannerLines, cliBannerLines, squirrelCommand, verifierBannerLines } from './banner.ts';
import { ConsoleView } from './console-view.ts';
import { type LocalRuntime, type SweepSchedule, startLocalRuntime } from './runtime.ts';
import { EXAMPLE_SITES } from './seed.ts';
import { PARAMETERS_FILE_NAME } from './ssm-emulator.ts';
import { describeRestoredSubscriptions } from './subscription-keeper.ts';
import { EveryError, parseEvery } from './sweep-clock.ts';
import {
  checkVerifierLocations,
  parseVerifierLocation,
  type VerifierLocation,
  VerifierLocationError,
} from './verifier-locations.ts';

// The SDK warns on Node 20 that 2027 releases need Node 22: known and documented (TOOLCHAIN.md), and the
// deployed functions run on Node 22+. An explicit setting is respected.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// Fixed ports make the AWS CLI commands below reusable across restarts; a taken one falls back to any.
const DEFAULT_PORTS = { dynamodb: 8000, sqs: 4566, ssm: 4583, page: 8787 } as const;
// Same default as the squirrel CLI, so both find each other wherever they are run from.
const REPO_DATA_DIR = fileURLToPath(new URL('../.squirrel', import.meta.url));
const DEFAULT_DATA_DIR = process.env.SQUIRREL_DATA_DIR ?? REPO_DATA_DIR;
const STOP_GRACE_MS = 20_000;
const DUPLICATE_SIGNAL_MS = 1_500;

interface StartOptions {
  readonly dataDir: string;
  readonly dynamodbPort?: number;
  readonly sqsPort?: number;
  readonly ssmPort?: number;
  readonly every?: number;
  readonly checkers: number;
  readonly seed: boolean;
  readonly dnsServer?: readonly string[];
  readonly verifier?: readonly VerifierLocation[];
  /** false: --no-page. */
  readonly page: boolean;
  readonly pagePort?: number;
}

const parsePort = (raw: string): number => {
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new InvalidArgumentError(
      `a port is a whole number from 0 to 65535 (0 = any free port), got "${raw}"`,
    );
  }
  return port;
};

const parseCheckers = (raw: string): number => {
  const count = Number(raw);
  if (!Number.isInteger(count) || count < 1 || count > 20) {
    throw new InvalidArgumentError(`--checkers must be a whole number from 1 to 20, got "${raw}"`);
  }
  return count;
};

const parseEveryOption = (raw: string): number => {
  try {
    return parseEvery(raw);
  } catch (error) {
    if (error instanceof EveryError) throw new InvalidArgumentError(error.message);
    throw error;
  }
};

/** One more `--verifier name=address`, checked with the ones before it. */
const addVerifierLocation = (raw: string, previous: readonly VerifierLocation[] = []) => {
  try {
    return checkVerifierLocations([...previous, parseVerifierLocation(raw)]);
  } catch (error) {
    if (error instanceof VerifierLocationError) throw new InvalidArgumentError(error.message);
    throw error;
  }
};

const program = new Command('npm start --')
  .description(
    'Runs uptime-squirrel on this machine: embedded DynamoDB, SQS, SNS and SSM Parameter Store, the real handlers.',
  )
  .addOption(
    new Option('--data-dir <dir>', 'sites, states, channel secrets and logs ($SQUIRREL_DATA_DIR)').default(
      DEFAULT_DATA_DIR,
    ),
  )
  .option(
    '--dynamodb-port <port>',
    `DynamoDB port, 0 = any (default: ${DEFAULT_PORTS.dynamodb} if free)`,
    parsePort,
  )
  .option('--sqs-port <port>', `SQS and SNS port, 0 = any (default: ${DEFAULT_PORTS.sqs} if free)`, parsePort)
  .option(
    '--ssm-port <port>',
    `SSM Parameter Store port (channel secrets), 0 = any (default: ${DEFAULT_PORTS.ssm} if free)`,
    parsePort,
  )
  .option(
    '--every <duration>',
    'sweep every 10s, 5s, 1m… instead of on the minute (each sweep counts as a new minute)',
    parseEveryOption,
  )
  .addOption(
    new Option('--checkers <n>', 'concurrent SQS pollers invoking the checker')
      .default(2)
      .argParser(parseCheckers),
  )
  .option('--no-seed', 'do not add example sites to an empty table')
  .option(
    '--page-port <port>',
    `port of the private status page on 127.0.0.1, 0 = any (default: ${DEFAULT_PORTS.page} if free)`,
    parsePort,
  )
  .option('--no-page', 'do not serve the private status page')
  .option(
    '--dns-server <ip[:port]>',
    "nameserver the checks ask (repeatable; default: the system's resolver settings)",
    (value: string, previous: string[] = []) => [...previous, value],
  )
  .option(
    '--verifier <name=address>',
    'run a verifier location (e.g. local-west=127.0.0.2) as its own process whose checks connect from that loopback address; the checker asks it before confirming DOWN (repeatable, 2 recommended)',
    addVerifierLocation,
  )
  .showHelpAfterError();

// `npm start --every 10s` hands `--every` to npm (as $npm_config_every) and only "10s" to us: say how to pass it.
const swallowed = program.options.filter((option) => {
  const npmName = option.attributeName().replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
  return process.env[`npm_config_${npmName}`] !== undefined;
});
if (swallowed.length > 0) {
  const flags = swallowed.map((option) => option.long).join(', ');
  process.stderr.write(
    `error: npm took ${flags} as its own setting. Put the runtime's options after \`--\`: npm start -- --every 10s\n`,
  );
  process.exit(2);
}
program.parse();
const options = program.opts<StartOptions>();
const schedule: SweepSchedule =
  options.every === undefined ? { kind: 'on-the-minute' } : { kind: 'every', everyMs: options.every };

const out = (line = '') => process.stdout.write(`${line}\n`);
out(`uptime-squirrel: starting the local runtime in ${options.dataDir} …`);

let runtime: LocalRuntime;
try {
  runtime = await startLocalRuntime({
    dataDir: options.dataDir,
    // An explicitly requested port must be that port; the defaults may move.
    dynamodbPort: options.dynamodbPort ?? { preferred: DEFAULT_PORTS.dynamodb },
    sqsPort: options.sqsPort ?? { preferred: DEFAULT_PORTS.sqs },
    ssmPort: options.ssmPort ?? { preferred: DEFAULT_PORTS.ssm },
    schedule,
    checkers: options.checkers,
    seed: options.seed,
    ...(options.dnsServer === undefined ? {} : { dnsServers: options.dnsServer }),
    ...(options.verifier === undefined ? {} : { verifierLocations: options.verifier }),
    ...(options.page ? { statusPagePort: options.pagePort ?? { preferred: DEFAULT_PORTS.page } } : {}),
  });
} catch (error) {
  process.stderr.write(`error: ${(error as Error).message}\n`);
  process.exit(1);
}

const { endpoints } = runtime;
const logsDir = join(runtime.dataDir, 'logs');
out(
  `ready in ${((Date.now() - performance.timeOrigin) / 1000).toFixed(1)} s (pid ${process.pid}, data in ${runtime.dataDir})`,
);
out();
out(`  DynamoDB   ${endpoints.dynamodbEndpoint}   table ${endpoints.tableName}`);
out(`  SQS        ${endpoints.sqsEndpoint}   queue ${endpoints.queueUrl}`);
out(`                                    DLQ   ${endpoints.dlqUrl}`);
out(`  SNS        ${endpoints.snsEndpoint}   topic ${endpoints.topicArn}`);
out(
  `  schedule   ${schedule.kind === 'every' ? `every ${formatDuration(schedule.everyMs)} (demo mode: each sweep is scheduled for the next minute)` : 'on the minute, as EventBridge rate(1 minute); the first sweep runs now'}`,
);
out(
  `  checkers   ${options.checkers} SQS poller(s) invoking functions/checker.ts; fan-out: functions/fan-out.ts`,
);
out(
  `  history    bucket ${endpoints.historyBucket} on ${endpoints.s3Endpoint} (S3, path-style), compacted every minute`,
);
out(
  '             kept in memory by the emulator: history is lost when the runtime stops (sites and states are kept)',
);
out(`  SSM        ${endpoints.ssmEndpoint}   channel secrets under ${endpoints.channelSecretsPrefix}`);
out(`             kept in ${join(runtime.dataDir, PARAMETERS_FILE_NAME)} (mode 0600: readable by you only)`);
out(
  `  channels   alerts → queue alert-dispatch → functions/channel-dispatcher.ts → FIFO queue channel-deliveries → functions/channel-deliverer.ts`,
);
out(
  `             delivered for real to the Slack/Teams/Discord/Telegram/PagerDuty/webhook channels you subscribe; table ${endpoints.channelsTable}`,
);
for (const line of verifierBannerLines(runtime.verifierLocations)) out(line);
if (runtime.statusPageUrl !== undefined) {
  out(`  page       ${runtime.statusPageUrl}   the private status page (all sites; this machine only)`);
}
const verifierLogs = runtime.verifierLocations.map(({ logFile }) => `, ${basename(logFile)}`).join('');
out(
  `  logs       ${logsDir}/fan-out.log, checker.log, history-compactor.log, channel-dispatcher.log, channel-deliverer.log${verifierLogs}`,
);
const squirrel = squirrelCommand(runtime.dataDir, REPO_DATA_DIR);
const seededSiteIds = runtime.seededSites > 0 ? EXAMPLE_SITES.map((site) => site.siteId) : [];
out();
for (const line of awsCliBannerLines(endpoints)) out(line);
out();
for (const line of describeRestoredSubscriptions(runtime.restoredSubscriptions)) out(line);
for (const line of cliBannerLines({ squirrel, seededSiteIds })) out(line);
out();

const view = new ConsoleView({
  runtime,
  output: process.stdout,
  refreshMs: 2_000,
  summaryEveryMs: 30_000,
  logsDir,
  squirrel,
});
const offFirstSweep = runtime.on('sweep', (sweep) => {
  if (!sweep.report) return;
  offFirstSweep();
  const afterMs = sweep.startedAtMs + sweep.durationMs - performance.timeOrigin;
  view.print(
    `first sweep done ${(afterMs / 1000).toFixed(1)} s after start: minute ${sweep.report.minute}, ${sweep.report.due} of ${sweep.report.scanned} site(s) due${sweep.report.duplicate ? ' (already swept before the restart)' : ''}`,
  );
});
view.start();

let stoppingSinceMs: number | undefined;
const stop = async (signal: string) => {
  if (stoppingSinceMs !== undefined) {
    // Ctrl-C reaches this process twice (from the terminal and relayed by npm/tsx): only a later one forces.
    if (Date.now() - stoppingSinceMs < DUPLICATE_SIGNAL_MS) return;
    process.stderr.write(`\n${signal} again: exiting without waiting\n`);
    process.exit(1);
  }
  stoppingSinceMs = Date.now();
  view.print(
    `\n${signal}: stopping (waiting for running checks, then closing the emulators; ${signal} again to force) …`,
  );
  const force = setTimeout(() => {
    process.stderr.write(`did not stop within ${STOP_GRACE_MS} ms: exiting\n`);
    process.exit(1);
  }, STOP_GRACE_MS);
  force.unref();
  // The status view stops refreshing (the emulators are about to close); alerts still print.
  view.stop();
  try {
    await runtime.stop();
    // Delivery outcomes still waiting for their alert are printed before the last line.
    view.detach();
    out(`stopped; sites, states and channel secrets are kept in ${runtime.dataDir}`);
    process.exit(0);
  } catch (error) {
    process.stderr.write(`error while stopping: ${(error as Error).message}\n`);
    process.exit(1);
  }
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
// Whoever read the output went away (a closed pipe): stop cleanly rather than die mid-write.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  if (stoppingSinceMs !== undefined) return;
  stoppingSinceMs = Date.now();
  view.detach();
  void runtime.stop().finally(() => process.exit(0));
});
