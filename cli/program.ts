import { Command, CommanderError, Option } from 'commander';
import { SITE_LIMITS } from '../functions/domain/site.ts';
import { DEFAULT_EXPECT_STATUS } from '../functions/domain/status-range.ts';
import { EXIT } from './errors.ts';
import type { Io } from './io.ts';
import type { TargetOptions } from './target.ts';

// Commands import their modules when they run, so `--help` and `check` never load the AWS SDK.
const sites = () => import('./commands/sites.ts');
const subscriptions = () => import('./commands/subscriptions.ts');

/** The options every command accepts, wherever they are placed on the command line. */
const targetOf = (command: Command): TargetOptions => {
  const { stack, region, dataDir } = command.optsWithGlobals<TargetOptions>();
  return { stack, region, dataDir };
};

const { intervalMinutes, timeoutMs, maxResponseMs, reminderMinutes, fullGetMinutes } = SITE_LIMITS;

/** Collects a repeatable option (`--header A --header B`) into a list. */
const collect = (value: string, previous: readonly string[] | undefined): string[] => [
  ...(previous ?? []),
  value,
];

/**
 * Builds the `squirrel` command. Each action resolves to its exit code, which `run` records; a rejected
 * action rejects `parseAsync`, so the caller owns error printing.
 */
export function createProgram(io: Io, run: (action: Promise<number>) => Promise<void>): Command {
  const program = new Command('squirrel')
    .description(
      'Manage uptime-squirrel: sites, status, one-off checks and alert subscriptions.\n' +
        'Works on the local runtime (`npm start`) by default, or on a deployed stack with --stack.',
    )
    .option('--stack <name>', 'work on the deployed CloudFormation stack NAME')
    .option('--region <region>', 'AWS region of --stack (default: your AWS configuration)')
    .option(
      '--data-dir <dir>',
      `the local runtime's data directory (default: $SQUIRREL_DATA_DIR, else .squirrel/ in the repo)`,
    )
    .configureOutput({
      writeOut: (text) => io.out(text.trimEnd()),
      writeErr: (text) => io.err(text.trimEnd()),
    })
    .exitOverride()
    .showSuggestionAfterError();
  program.addHelpText(
    'after',
    `\nExit codes: 0 ok; 1 a failure (a site not up, a rejected import line, no such site, AWS or runtime error); 2 bad input, nothing written.\n--json prints one JSON object per line.`,
  );

  const sitesCommand = program
    .command('sites')
    .description('add, list, pause, resume, remove and import sites');
  sitesCommand
    .command('add')
    .description('monitor URL; adding it again changes only the settings given (a paused site stays paused)')
    .argument('<url>', 'http(s) URL to check')
    .option('--id <id>', 'site id (default: derived from the URL, e.g. example-com-3f9a2c)')
    .option('--name <name>', 'display name (default: the host)')
    .option('--owner <owner>', 'owner, for per-owner alert subscriptions (default: "default")')
    .option(
      '--interval <minutes>',
      `minutes between checks, ${intervalMinutes.min}-${intervalMinutes.max} (default ${intervalMinutes.default})`,
    )
    .option(
      '--timeout-ms <ms>',
      `check timeout, ${timeoutMs.min}-${timeoutMs.max} (default ${timeoutMs.default})`,
    )
    .option(
      '--method <method>',
      'HEAD or GET (default HEAD; a HEAD refused with 405/501 is retried with GET)',
    )
    .option('--expect <ranges>', `statuses that count as up (default ${DEFAULT_EXPECT_STATUS})`)
    .option('--failure-threshold <n>', 'failed checks in a row before DOWN (default 2)')
    .option('--recovery-threshold <n>', 'successful checks in a row before UP again (default 1)')
    .option('--confirm-delay-seconds <s>', 'delay of the confirming re-check after a failure (default 30)')
    .option(
      '--max-response-ms <ms>',
      `up but slower than MS, ${maxResponseMs.min}-${maxResponseMs.max}, is DEGRADED: alerted apart from DOWN (default off)`,
    )
    .option('--no-max-response-ms', 'remove the response-time limit')
    .option('--keyword <text>', 'the body must contain TEXT (checks with GET; reads only the first bytes)')
    .option('--keyword-absent <text>', 'the body must not contain TEXT (e.g. "maintenance mode")')
    .option('--no-keyword', 'remove the keyword check')
    .option(
      '--header <"name: value">',
      'send this request header; repeat for more (up to 10; replaces the stored ones)',
      collect,
    )
    .option('--no-header', 'remove every custom request header')
    .option('--treat-blocked-as-down', 'page on 401/403/429 and bot challenges as DOWN instead of BLOCKED')
    .option(
      '--no-treat-blocked-as-down',
      'report 401/403/429 and bot challenges as BLOCKED again (the default)',
    )
    .option(
      '--reminder-minutes <n>',
      `while DOWN, a reminder every N minutes: 0 (off, the default) or ${5}-${reminderMinutes.max}`,
    )
    .option(
      '--tls-warn-days <days>',
      'certificate expiry warnings, days before (default 14,7,1; "off" for none)',
    )
    .option(
      '--full-get-minutes <minutes>',
      `every N minutes a check is a full GET reading the whole body, up to ${fullGetMinutes.max} ` +
        `(default ${fullGetMinutes.default}; "off" or 0: HEAD only)`,
    )
    .option(
      '--public',
      "show the site on the public status page (default: as its owner's sites, the deploy setting statusPage.publicOwners)",
    )
    .option('--no-public', 'never show the site on the public status page, whatever its owner')
    .option('--json', 'print the stored site as JSON')
    .addHelpText('after', '\nMaintenance windows: see `squirrel sites maintenance --help`.')
    .action((url: string, options, command: Command) =>
      run(sites().then((m) => m.addSite(url, options, targetOf(command), io))),
    );
  sitesCommand
    .command('list')
    .description('list every site and its settings')
    .option('--json', 'one JSON object per site')
    .action((options, command: Command) =>
      run(sites().then((m) => m.listSites(options, targetOf(command), io))),
    );
  sitesCommand
    .command('remove')
    .description('stop monitoring a site and delete its state')
    .argument('<id>', 'site id (see `sites list`)')
    .action((id: string, _options, command: Command) =>
      run(sites().then((m) => m.removeSite(id, targetOf(command), io))),
    );
  sitesCommand
    .command('pause')
    .description('stop checking a site, keeping its settings and state')
    .argument('<id>', 'site id')
    .action((id: string, _options, command: Command) =>
      run(sites().then((m) => m.setSiteEnabled(id, false, targetOf(command), io))),
    );
  sitesCommand
    .command('resume')
    .description('check a paused site again')
    .argument('<id>', 'site id')
    .action((id: string, _options, command: Command) =>
      run(sites().then((m) => m.setSiteEnabled(id, true, targetOf(command), io))),
    );
  sitesCommand
    .command('import')
    .description(
      'add sites from FILE: one URL a line, CSV with a header row of site fields (url,name,owner,interval,…), ' +
        'or a JSON array of URLs or site objects. Rejected lines are reported with their numbers, the rest ' +
        'imported; exit 1 if any line was rejected. Besides the settings of `sites add`: keyword, keywordAbsent, ' +
        'headers (a JSON object, or one "Name: value"), maxResponseMs, treatBlockedAsDown, reminderMinutes, ' +
        'tlsWarnDays ("14 7 1"), fullGetMinutes (minutes or "off"), maintenance ("weekly sat,sun 02:00 120 Europe/Berlin; once START END").',
    )
    .argument('<file>', 'file to import')
    .option('--json', 'one JSON object per line of outcome (added, updated, rejected)')
    .action((file: string, options, command: Command) =>
      run(sites().then((m) => m.importSites(file, options, targetOf(command), io))),
    );

  const maintenance = sitesCommand
    .command('maintenance')
    .description(
      'maintenance windows of a site: checks run and state is kept, but no alert is sent; leaving a window ' +
        'alerts once, and only if the status differs from when it began',
    );
  maintenance
    .command('add')
    .description('add a window: --once START END, or --weekly DAYS HH:MM DURATION_MIN ZONE')
    .argument('<id>', 'site id')
    .addOption(
      new Option(
        '--once <start-end...>',
        'a one-off window: START END as ISO 8601 instants with a zone (2026-03-28T22:00Z, …+01:00); ' +
          'START may be "now", END "+90m", "+2h" or "+1d" (after START)',
      ).conflicts('weekly'),
    )
    .addOption(
      new Option(
        '--weekly <days-time-duration-zone...>',
        'a weekly window: DAYS (sat,sun / mon-fri / daily) HH:MM (local, 24 h) DURATION_MIN ZONE (IANA, e.g. ' +
          'Europe/Berlin); follows daylight-saving changes',
      ),
    )
    .option('--json', 'print the windows as JSON')
    .action((id: string, options, command: Command) =>
      run(sites().then((m) => m.addMaintenance(id, options, targetOf(command), io))),
    );
  maintenance
    .command('list')
    .description("a site's windows, numbered, and whether one is active now")
    .argument('<id>', 'site id')
    .option('--json', 'one JSON object per window')
    .action((id: string, options, command: Command) =>
      run(sites().then((m) => m.listMaintenance(id, options, targetOf(command), io))),
    );
  maintenance
    .command('remove')
    .description('remove window N (as numbered by `sites maintenance list`)')
    .argument('<id>', 'site id')
    .argument('<n>', 'window number')
    .action((id: string, n: string, _options, command: Command) =>
      run(sites().then((m) => m.removeMaintenance(id, n, targetOf(command), io))),
    );
  maintenance
    .command('clear')
    .description('remove every window of a site')
    .argument('<id>', 'site id')
    .action((id: string, _options, command: Command) =>
      run(sites().then((m) => m.clearMaintenance(id, targetOf(command), io))),
    );

  program
    .command('status')
    .description(
      "every site's state, its uptime over 24 h and 30 d, since when, and its last change (the checker writes only on changes)",
    )
    .option('--json', 'one JSON object per site, with uptime over 24h, 7d, 30d, 90d and 365d')
    .action((options, command: Command) =>
      run(import('./commands/status.ts').then((m) => m.showStatus(options, targetOf(command), io))),
    );

  program
    .command('history')
    .description(
      "a site's checks, failures, uptime and response times (p50/p95/max) per hour (up to 14 days) or per day " +
        '(beyond), a p50 sparkline, and the uptime of the whole window',
    )
    .argument('<id>', 'site id')
    .option('--since <duration>', 'how far back: 24h, 7d, 2w … up to 400d (default 7d)')
    .option('--json', 'one JSON object per period with data, then one for the window')
    .action((id: string, options, command: Command) =>
      run(import('./commands/history.ts').then((m) => m.showHistory(id, options, targetOf(command), io))),
    );

  program
    .command('incidents')
    .description(
      'confirmed outages (start, confirmed, end, duration, reason, detail), newest first, of one site or all',
    )
    .argument('[id]', 'site id (default: every site)')
    .option(
      '--since <duration>',
      'outages still going at or after this long ago: 24h, 30d … up to 400d (default 30d)',
    )
    .option('--json', 'one JSON object per incident')
    .action((id: string | undefined, options, command: Command) =>
      run(import('./commands/incidents.ts').then((m) => m.showIncidents(id, options, targetOf(command), io))),
    );

  program
    .command('page')
    .description(
      'serve the private status page (every site, with URLs and failure details) on http://127.0.0.1:PORT/ ' +
        'until Ctrl-C, built from the target with your credentials; never on the internet',
    )
    .option('--port <port>', 'port on 127.0.0.1, 0 = any free one (default 8787 if free)')
    .action((options, command: Command) =>
      run(import('./commands/page.ts').then((m) => m.servePage(options, targetOf(command), io))),
    );

  program
    .command('check')
    .description(
      'check URLs once, now, from this machine (no target needed), judged as the checker judges them: the ' +
        "probe's verdict read by the site's settings (treat-blocked-as-down, max-response-ms, tls-warn-days). " +
        'Flags set every URL; a --file column or key sets its line (the columns of `sites import`; settings ' +
        'that need a history, such as thresholds, are listed on stderr and not used). Exit 0 all UP, 1 any ' +
        'not UP (DEGRADED, BLOCKED, DOWN, or not checked: a blocked private address or a checker fault), ' +
        '2 bad input.',
    )
    .argument('[urls...]', 'URLs to check')
    .option('--file <file>', 'read the URLs and their settings from FILE (same formats as `sites import`)')
    .option(
      '--json',
      'one JSON object per URL: url, up, kind, verdict, status, reason, detail, latencyMs, tls',
    )
    .option('--concurrency <n>', 'checks in flight at once, 1-256 (default 16)')
    .option(
      '--timeout-ms <ms>',
      `per-check timeout, ${timeoutMs.min}-${timeoutMs.max} (default ${timeoutMs.default})`,
    )
    .option(
      '--method <method>',
      'HEAD or GET (default HEAD; a HEAD refused with 405/501 is retried with GET)',
    )
    .option('--expect <ranges>', `statuses that count as up (default ${DEFAULT_EXPECT_STATUS})`)
    .option('--header <"name: value">', 'send this request header; repeat for more (up to 10)', collect)
    .option('--keyword <text>', 'the body must contain TEXT, else DOWN keyword (checks with GET)')
    .option('--keyword-absent <text>', 'the body must not contain TEXT, else DOWN keyword')
    .option(
      '--max-response-ms <ms>',
      `up but slower than MS, ${maxResponseMs.min}-${maxResponseMs.max}, is DEGRADED (exit 1)`,
    )
    .option(
      '--tls-warn-days <days>',
      'mark a certificate that expires within the widest of these days (default 14,7,1; "off" for none)',
    )
    .option('--treat-blocked-as-down', '401/403/429 and bot challenges are DOWN http-4xx instead of BLOCKED')
    .option(
      '--full-get-minutes <minutes>',
      'any value but "off"/0 (default 10) makes this check the full GET that reads the whole body, as the ' +
        "checker's periodic one does; off: the HEAD heartbeat",
    )
    .option('--allow-private', 'also check private, loopback and link-local addresses (blocked by default)')
    .option(
      '--dns-server <ip[:port]>',
      "nameserver to ask (repeatable; default: the system's resolver settings)",
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .action((urls: string[], options) =>
      run(import('./commands/check.ts').then((m) => m.checkUrls(urls, options, io))),
    );

  program
    .command('doctor')
    .description(
      'preflight for `cdk deploy`, with your AWS credentials: region, credentials, CDK bootstrap, Lambda ' +
        'concurrency, arm64 + Node runtime, alert contacts, SMS sandbox/spend limit/origination. One line per ' +
        'check with the fix; exit 0 when nothing fails, 1 otherwise (also `npm run preflight`; docs/preflight.md)',
    )
    .option('--config <file>', 'deploy settings to check against (default: squirrel.config.json in the repo)')
    .option('--phone <number>', "check SMS for this E.164 number instead of the config's alertPhone")
    .option('--json', 'one JSON object per check: check, status, found, fix')
    .action((options, command: Command) =>
      run(import('./commands/doctor.ts').then((m) => m.runDoctor(options, targetOf(command), io))),
    );

  const channelFlags = (command: Command, verb: 'send' | 'remove'): Command =>
    command
      .option(
        '--webhook <url>',
        `${verb === 'send' ? 'POST signed JSON to' : 'the webhook channel of'} URL (https://)`,
      )
      .option(
        '--slack <url>',
        `${verb === 'send' ? 'post to' : 'the channel of'} this Slack incoming-webhook URL`,
      )
      .option(
        '--teams <url>',
        `${verb === 'send' ? 'post to' : 'the channel of'} this Teams incoming-webhook / workflow URL`,
      )
      .option('--discord <url>', `${verb === 'send' ? 'post to' : 'the channel of'} this Discord webhook URL`)
      .option(
        '--telegram <token:chat>',
        `${verb === 'send' ? 'send with' : 'the channel of'} this bot (BOT_TOKEN:CHAT_ID, chat id or @channelname)`,
      )
      .option(
        '--pagerduty <routing-key>',
        `${verb === 'send' ? 'open and resolve incidents with' : 'the channel of'} this Events API v2 routing key`,
      );

  channelFlags(
    program
      .command('subscribe')
      .description(
        "send alerts to an email address, a phone, a webhook, Slack, Teams, Discord, Telegram or PagerDuty; --owner limits them to that owner's sites",
      )
      .option('--email <address>', 'email address to alert')
      .option('--sms <number>', 'phone number to alert, E.164 (+14155550123)'),
    'send',
  )
    .option(
      '--owner <owner>',
      "only this owner's alerts (email/SMS: an SNS filter policy on the owner attribute; channels: stored under the owner; default: every owner's)",
    )
    .option('--json', 'print the subscription as JSON')
    .addHelpText(
      'after',
      '\nGive exactly one destination. URLs must be https:// (http:// only on the local runtime), and a name that ' +
        "resolves to a private, loopback, link-local or metadata address is refused. A channel's URL, token or key " +
        'is kept in SSM Parameter Store (SecureString) and shown only masked. A webhook gets a signing secret ' +
        '(X-Squirrel-Signature), printed once, now. Try a channel with `squirrel notify-test`.',
    )
    .action((options, command: Command) =>
      run(subscriptions().then((m) => m.subscribe(options, targetOf(command), io))),
    );
  channelFlags(
    program
      .command('unsubscribe')
      .description(
        'remove a subscription: by ARN or channel id (see `subscriptions list`), or by its email address, phone, URL, bot or key',
      )
      .argument('[id]', 'subscription ARN, or channel id (ch-…)')
      .option('--email <address>', 'remove the subscription of this email address')
      .option('--sms <number>', 'remove the subscription of this phone number'),
    'remove',
  ).action((id: string | undefined, options, command: Command) =>
    run(subscriptions().then((m) => m.unsubscribe(id, options, targetOf(command), io))),
  );
  program
    .command('subscriptions')
    .description('list alert subscriptions')
    .command('list')
    .description(
      'every subscription to the alerts topic and every alert channel (masked), which alerts each receives, and since when a channel is broken',
    )
    .option('--json', 'one JSON object per subscription or channel')
    .action((options, command: Command) =>
      run(subscriptions().then((m) => m.listSubscriptions(options, targetOf(command), io))),
    );

  program
    .command('notify-test')
    .description(
      "send a test notification to every channel that would receive the owner's alerts (theirs and every-owner " +
        'ones; without --owner, all channels) and report each outcome; email/SMS subscriptions get one test ' +
        'message through SNS. Exit 1 if any channel failed.',
    )
    .option('--owner <owner>', "only the channels and subscriptions that receive this owner's alerts")
    .option('--json', 'one JSON object per channel: target, kind, label, outcome, status, ms, detail')
    .addHelpText(
      'after',
      "\nChannel deliveries are made from this machine, now, with the deployed code's rules (the same message " +
        'format, the same private-address guard; on the local runtime private addresses are allowed), with your ' +
        'credentials to read the secrets: a channel that works here works from the deliverer. One try each: ' +
        '"retry" is what the deliverer would retry, "rejected" what it would park (and, for 401/403/404/410, mark ' +
        'broken). The email/SMS test message goes through the topic; the dispatcher leaves it to this command, so ' +
        'channels get the test once. A delivered test does not clear a broken mark: the next delivered alert does.',
    )
    .action((options, command: Command) =>
      run(import('./commands/notify-test.ts').then((m) => m.notifyTest(options, targetOf(command), io))),
    );

  return program;
}

/** Commander's own outcomes: help and version are success, every parse error is bad input. */
export const exitCodeOfCommanderError = (error: CommanderError): number =>
  error.exitCode === 0 ? EXIT.ok : EXIT.badInput;

export { CommanderError };
