import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Construct } from 'constructs';
import { DEFAULT_STATUS_PAGE_TITLE, ENV, TUNING } from '../functions/config.ts';
import { AlertChannels } from './alert-channels.ts';
import { AlertsTopic } from './alerts-topic.ts';
import { CheckQueue } from './check-queue.ts';
import { AutoCheckerReservation, describeFixedReservation } from './checker-reservation.ts';
import { COMPACTOR_MEMORY_MIB, COMPACTOR_TIMEOUT_SECONDS } from './compactor-size.ts';
import {
  type CheckerReservation,
  DEFAULT_CHECKER_CONCURRENCY,
  DEFAULT_SMS_SPEND_LIMIT_USD,
  type StatusPageSettings,
} from './deploy-config.ts';
import { HistoryBucket } from './history-bucket.ts';
import { MonitorAlarms } from './monitor-alarms.ts';
import { MonitorFunction } from './monitor-function.ts';
import { StatusPageCdn } from './status-page-cdn.ts';
import { VerifierAccess } from './verifier-access.ts';

// Site timeouts reach 30 s (SITE_LIMITS.timeoutMs); a HEAD refused with 405 is retried with GET.
export const CHECKER_TIMEOUT = Duration.seconds(60);
// Below the 1-minute schedule, so one sweep ends before the next begins.
export const FAN_OUT_TIMEOUT = Duration.seconds(50);
// With CHECK_CONCURRENCY (functions/config.ts TUNING): the cheapest size the bench measured to judge every
// site right with response times at most 0.5 s late at p99 (README, Performance). Raise both together.
export const CHECKER_MEMORY_MIB = 512;
export const COMPACTOR_TIMEOUT = Duration.seconds(COMPACTOR_TIMEOUT_SECONDS);
// Hourly, 20 minutes past: the last raw batches of the hour before (written by invocations that straddle the hour)
// are in by then.
export const COMPACTOR_MINUTE = 20;

export interface UptimeSquirrelStackProps extends StackProps {
  /** Subscribed to every alert and alarm by email. @default - no email subscription */
  readonly alertEmail?: string;
  /** Subscribed to every alert and alarm by SMS (E.164). @default - no SMS subscription */
  readonly alertPhone?: string;
  /** Most checker Lambdas running at once: the event source's maximum, always. @default 10 */
  readonly checkerConcurrency?: number;
  /**
   * `auto`: a custom resource reserves checkerConcurrency at deploy time when the account can give it; `off`: no
   * reservation (and no custom resource); a number: that reservation, pinned. @default 'auto'
   */
  readonly checkerReservation?: CheckerReservation;
  /** false disables the every-minute schedule: nothing is checked, nothing is deleted. @default true */
  readonly sweepEnabled?: boolean;
  /**
   * The account's SMS spend limit (SNS text messaging preferences), in USD a month: an alarm warns near it.
   * @default DEFAULT_SMS_SPEND_LIMIT_USD (SNS's default for a new account)
   */
  readonly smsMonthlySpendLimitUsd?: number;
  /** The public status page: title, owners whose sites are public, CloudFront on or off. @default - title "Status", no owner, CDN on */
  readonly statusPage?: Partial<StatusPageSettings>;
  /**
   * Regions whose verifier (VerifierStack, deployed beside this stack) confirms a DOWN before it pages. Needs the
   * stack in a concrete region (env.region), not one of these. @default - none: no verification, as before
   */
  readonly verifierRegions?: readonly string[];
}

/** The whole monitor: schedule → fan-out → queue → checker → alerts, plus alarms on itself. */
export class UptimeSquirrelStack extends Stack {
  constructor(scope: Construct, id: string, props: UptimeSquirrelStackProps = {}) {
    super(scope, id, props);
    const checkerConcurrency = props.checkerConcurrency ?? DEFAULT_CHECKER_CONCURRENCY;
    const checkerReservation = props.checkerReservation ?? 'auto';

    const sites = new Table(this, 'Sites', {
      partitionKey: { name: 'siteId', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Users' sites and their history outlive the stack: `cdk destroy` (or a replacement) leaves the table behind.
      // Only the rollback of a failed first create deletes it, since it can hold nothing yet (should DynamoDB refuse
      // that delete for the deletion protection below, the rollback says so and the table is deleted as below).
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      // Nobody deletes it by accident either, not even by hand. To delete it on purpose, after `cdk destroy`:
      //   aws dynamodb update-table --table-name <TableName output> --no-deletion-protection-enabled
      //   aws dynamodb delete-table --table-name <TableName output>
      deletionProtection: true,
    });

    const history = new HistoryBucket(this, 'History');
    const historyBucketName = history.bucket.bucketName;
    const statusPage = props.statusPage ?? {};

    const checks = new CheckQueue(this, 'Checks', { consumerTimeout: CHECKER_TIMEOUT });
    const alerts = new AlertsTopic(this, 'Alerts', {
      alertEmail: props.alertEmail,
      alertPhone: props.alertPhone,
    });

    const publicOwnersList = (statusPage.publicOwners ?? []).join(',');
    const fanOut = new MonitorFunction(this, 'FanOut', {
      entry: 'functions/fan-out.ts',
      description: 'uptime-squirrel fan-out: enqueues the checks due this minute',
      timeout: FAN_OUT_TIMEOUT,
      memorySizeMiB: 512,
      environment: {
        [ENV.tableName]: sites.tableName,
        [ENV.queueUrl]: checks.queue.queueUrl,
        [ENV.scanSegments]: String(TUNING.scanSegments),
        [ENV.checksPerMessage]: String(TUNING.checksPerMessage),
        [ENV.historyBucket]: historyBucketName,
        [ENV.publicOwners]: publicOwnersList,
        [ENV.statusPageTitle]: statusPage.title ?? DEFAULT_STATUS_PAGE_TITLE,
      },
      // Lambda's own async retries: a sweep for a minute long gone is useless.
      maxEventAge: Duration.minutes(2),
      retryAttempts: 1,
    });
    // UpdateItem takes and completes a minute's sweep lease; DeleteItem removes the leases of minutes long past.
    sites.grants.actions(fanOut.role, 'dynamodb:Scan', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem');
    checks.queue.grants.actions(fanOut.role, ['sqs:SendMessage']);
    history.grantPagePublishing(fanOut.role);

    const checker = new MonitorFunction(this, 'Checker', {
      entry: 'functions/checker.ts',
      description: 'uptime-squirrel checker: checks sites, commits transitions, publishes alerts',
      timeout: CHECKER_TIMEOUT,
      // TLS handshakes are CPU: 1 GiB buys enough of it for a full batch of checks (npm run bench, npm run cost).
      memorySizeMiB: CHECKER_MEMORY_MIB,
      // Source maps cost ~25 MB and ~20 % CPU per check in the checker (measured); its errors are logged, not thrown.
      sourceMaps: false,
      // Only a pinned reservation is part of the function; `auto` is decided at deploy time (below).
      reservedConcurrentExecutions: typeof checkerReservation === 'number' ? checkerReservation : undefined,
      environment: {
        [ENV.tableName]: sites.tableName,
        [ENV.queueUrl]: checks.queue.queueUrl,
        [ENV.topicArn]: alerts.topic.topicArn,
        [ENV.checkConcurrency]: String(TUNING.checkConcurrency),
        [ENV.historyBucket]: historyBucketName,
      },
    });
    sites.grants.actions(checker.role, 'dynamodb:GetItem', 'dynamodb:UpdateItem');
    // Confirmation re-checks go back on the queue with a delay.
    checks.queue.grants.actions(checker.role, ['sqs:SendMessage']);
    alerts.topic.grants.publish(checker.role);
    history.grantRawBatchWrites(checker.role);
    checker.function.addEventSource(
      new SqsEventSource(checks.queue, {
        batchSize: 10,
        reportBatchItemFailures: true,
        // Caps the checkers with or without a reservation; never above one (a pinned one is ≥ this, by the config).
        maxConcurrency: checkerConcurrency,
      }),
    );

    const reservationSummary =
      checkerReservation === 'auto'
        ? new AutoCheckerReservation(this, 'CheckerReservation', {
            checker: checker.function,
            concurrency: checkerConcurrency,
          }).summary
        : describeFixedReservation(checkerReservation);

    new Rule(this, 'Schedule', {
      description: 'Runs the fan-out every minute',
      // sweepEnabled: false pauses all checks without touching the sites.
      enabled: props.sweepEnabled ?? true,
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(fanOut.function, { retryAttempts: 2, maxEventAge: Duration.minutes(2) })],
    });

    const compactor = new MonitorFunction(this, 'Compactor', {
      entry: 'functions/history-compactor.ts',
      description: 'uptime-squirrel history compactor: raw check batches into hourly and daily rollups',
      timeout: COMPACTOR_TIMEOUT,
      memorySizeMiB: COMPACTOR_MEMORY_MIB,
      environment: {
        [ENV.tableName]: sites.tableName,
        [ENV.historyBucket]: historyBucketName,
        // The same list as the fan-out's: the public summary must hold exactly the sites the public page shows.
        [ENV.publicOwners]: publicOwnersList,
      },
      // A late run is still useful (the next one catches up anyway); one retry of a failed one, like the fan-out.
      maxEventAge: Duration.minutes(30),
      retryAttempts: 1,
    });
    // Which sites exist (their ids): read only.
    sites.grants.actions(compactor.role, 'dynamodb:Scan');
    history.grantCompaction(compactor.role);
    new Rule(this, 'CompactorSchedule', {
      description: `Runs the history compactor every hour at minute ${COMPACTOR_MINUTE}`,
      schedule: Schedule.cron({ minute: String(COMPACTOR_MINUTE) }),
      targets: [
        new LambdaFunction(compactor.function, { retryAttempts: 2, maxEventAge: Duration.minutes(30) }),
      ],
    });

    const verifierRegions = props.verifierRegions ?? [];
    if (verifierRegions.length > 0) {
      new VerifierAccess(this, 'Verifiers', { checker, alerts, regions: verifierRegions });
    }

    // Webhook, Slack, Teams, Discord, Telegram and PagerDuty deliveries of the same alerts (issue 14).
    const channels = new AlertChannels(this, 'AlertChannels', { alerts });

    new MonitorAlarms(this, 'Alarms', {
      alerts,
      deadLetterQueue: checks.deadLetterQueue,
      fanOut: fanOut.function,
      checker: checker.function,
      compactor: compactor.function,
      smsMonthlySpendLimitUsd: props.smsMonthlySpendLimitUsd ?? DEFAULT_SMS_SPEND_LIMIT_USD,
    });

    // The CLI finds these by key: renaming one breaks it.
    new CfnOutput(this, 'TableName', { value: sites.tableName });
    new CfnOutput(this, 'QueueUrl', { value: checks.queue.queueUrl });
    new CfnOutput(this, 'TopicArn', { value: alerts.topic.topicArn });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: checks.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'CheckerReservedConcurrency', {
      description: "The checker's reserved concurrency (or none) and why: docs/deploy-settings.md",
      value: reservationSummary,
    });
    new CfnOutput(this, 'HistoryBucketName', { value: historyBucketName });
    new CfnOutput(this, 'ChannelsTableName', { value: channels.table.tableName });
    new CfnOutput(this, 'ChannelSecretsPrefix', {
      description:
        "SSM path of the channels' SecureString parameters (<prefix>/<channelId>); the CLI writes them",
      value: channels.secretsPrefix,
    });
    // The CLI tells the stack's own subscription to the topic apart (and refuses to unsubscribe it).
    new CfnOutput(this, 'DispatchQueueArn', {
      description: 'The queue the stack subscribes to the alerts topic for the channel dispatcher',
      value: channels.dispatchQueue.queueArn,
    });
    new CfnOutput(this, 'DeliveryDeadLetterQueueUrl', {
      description: 'Channel deliveries parked after an hour of retries, each with the reason',
      value: channels.deliveryDeadLetterQueue.queueUrl,
    });
    if (statusPage.cdn ?? true) {
      const cdn = new StatusPageCdn(this, 'StatusPage', { bucket: history.bucket });
      new CfnOutput(this, 'StatusPageUrl', {
        description: 'The public status page (sites of statusPage.publicOwners, or marked public)',
        value: `https://${cdn.distribution.distributionDomainName}/`,
      });
    }
  }
}
