import { Aws, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { type Alarm, ComparisonOperator, Stats, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { SqsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct, type IConstruct } from 'constructs';
import { ENV } from '../functions/config.ts';
import type { AlertsTopic } from './alerts-topic.ts';
import { MAX_RECEIVE_COUNT, VISIBILITY_TIMEOUT_FACTOR } from './check-queue.ts';
import { ALARM_PERIOD, LASTING_SIGNAL, NOISY_SIGNAL, notifyThroughAlerts } from './monitor-alarms.ts';
import { MonitorFunction } from './monitor-function.ts';

/**
 * Reads one SNS envelope per record, two Queries, one SendMessageBatch: well under a second, 10 s for a hung call.
 * Short on purpose: the dispatch queue's visibility (6x this) is how soon a failed dispatch is tried again, and a
 * quick retry keeps a DOWN from being overtaken by its own UP and stays inside the deliveries queue's 5-minute
 * deduplication window for the first retries.
 */
export const DISPATCHER_TIMEOUT = Duration.seconds(10);
/**
 * Up to 10 deliveries a batch, each POST bounded at 10 s by the delivery adapter (a PagerDuty group sends one per
 * member); those of one channel run in order, so a batch of one slow channel takes the longest.
 */
export const DELIVERER_TIMEOUT = Duration.seconds(60);
// Both handlers wait on the network, not the CPU: the smallest size that starts the SDK quickly.
export const CHANNEL_FUNCTION_MEMORY_MIB = 256;
/** Lambda's largest batch for a FIFO event source. */
export const DELIVERY_BATCH_SIZE = 10;
/**
 * The deliverer parks a delivery itself after 60-70 minutes of retries (functions/domain/channels/retry-policy.ts:
 * ~12 receives); this only catches a message that keeps failing before it gets that far (a deliverer that crashes).
 */
export const DELIVERY_MAX_RECEIVE_COUNT = 50;
/** A visibility timeout over the deliverer's timeout: a batch still running is never handed to a second one. */
export const DELIVERY_VISIBILITY_FACTOR = 2;
// The longest SQS allows: time to read a parked delivery and send it again by hand.
const DEAD_LETTER_RETENTION = Duration.days(14);
// SQS's default, said explicitly: a queued alert is worth delivering for days if the pipeline is down that long.
const QUEUE_RETENTION = Duration.days(4);

/** Where each channel's SecureString parameter lives (`<prefix>/<channelId>`): per stack, so two stacks never share. */
export const channelSecretsPrefixOf = (stackName: string): string => `/uptime-squirrel/${stackName}/channels`;

export interface AlertChannelsProps {
  readonly alerts: AlertsTopic;
}

/**
 * Alert channels (issue 14, CONTRACT-14.md): the channels table, the "alert-dispatch" queue subscribed to the alerts
 * topic, the dispatcher that turns each alert into one delivery per channel on the "channel-deliveries" FIFO queue,
 * the deliverer that POSTs them, and the alarms on what can be lost (dead letters) or broken (deliverer errors).
 * Secrets are not here: the CLI writes them to SSM under `secretsPrefix`; the stack only lets the deliverer read them.
 */
export class AlertChannels extends Construct {
  readonly table: Table;
  readonly dispatchQueue: Queue;
  readonly dispatchDeadLetterQueue: Queue;
  readonly deliveryQueue: Queue;
  readonly deliveryDeadLetterQueue: Queue;
  readonly dispatcher: MonitorFunction;
  readonly deliverer: MonitorFunction;
  readonly secretsPrefix: string;
  readonly alarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: AlertChannelsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.secretsPrefix = channelSecretsPrefixOf(stack.stackName);
    const topic = props.alerts.topic;

    this.table = new Table(this, 'Table', {
      partitionKey: { name: 'owner', type: AttributeType.STRING },
      sortKey: { name: 'channelId', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // The users' channels, like their sites: kept by `cdk destroy` and protected against deletion, as the sites
      // table is (infra/uptime-squirrel-stack.ts says how to delete one on purpose). Their SSM parameters are the
      // CLI's, never the stack's, so they outlive it too.
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      deletionProtection: true,
    });

    this.dispatchDeadLetterQueue = new Queue(this, 'DispatchDeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: DEAD_LETTER_RETENTION,
    });
    // SSE-SQS needs no key policy for SNS to deliver (an SSE-KMS queue would need a customer-managed key).
    this.dispatchQueue = new Queue(this, 'DispatchQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: QUEUE_RETENTION,
      visibilityTimeout: Duration.seconds(DISPATCHER_TIMEOUT.toSeconds() * VISIBILITY_TIMEOUT_FACTOR),
      // A record whose notification attribute is invalid fails alone, 5 times, then waits here.
      deadLetterQueue: { queue: this.dispatchDeadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
    });
    // Every alert, no filter: the dispatcher looks up the owner's channels. Raw delivery off: the dispatcher reads the
    // `notification` message attribute from the SNS envelope, and skips what has none (the stack's own alarms).
    topic.addSubscription(new SqsSubscription(this.dispatchQueue, { rawMessageDelivery: false }));

    this.deliveryDeadLetterQueue = new Queue(this, 'DeliveryDeadLetterQueue', {
      fifo: true,
      // The deliverer parks a delivery with SendMessage; an id of its own wins, content is the fallback so a park
      // without one is not refused.
      contentBasedDeduplication: true,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: DEAD_LETTER_RETENTION,
    });
    this.deliveryQueue = new Queue(this, 'DeliveryQueue', {
      fifo: true,
      // The dispatcher sets MessageDeduplicationId = sha256(deliveryId): a re-dispatched alert is the same delivery.
      contentBasedDeduplication: false,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: QUEUE_RETENTION,
      visibilityTimeout: Duration.seconds(DELIVERER_TIMEOUT.toSeconds() * DELIVERY_VISIBILITY_FACTOR),
      deadLetterQueue: { queue: this.deliveryDeadLetterQueue, maxReceiveCount: DELIVERY_MAX_RECEIVE_COUNT },
    });

    this.dispatcher = new MonitorFunction(this, 'Dispatcher', {
      entry: 'functions/channel-dispatcher.ts',
      description: 'uptime-squirrel channel dispatcher: one delivery per channel of each alert',
      timeout: DISPATCHER_TIMEOUT,
      memorySizeMiB: CHANNEL_FUNCTION_MEMORY_MIB,
      environment: {
        [ENV.channelsTable]: this.table.tableName,
        [ENV.deliveryQueueUrl]: this.deliveryQueue.queueUrl,
      },
    });
    // The owner's channels and ALL_OWNERS' (two Queries); it writes nothing but deliveries.
    this.table.grants.actions(this.dispatcher.role, 'dynamodb:Query');
    this.deliveryQueue.grants.actions(this.dispatcher.role, ['sqs:SendMessage']);
    this.dispatcher.function.addEventSource(
      new SqsEventSource(this.dispatchQueue, { batchSize: 10, reportBatchItemFailures: true }),
    );

    this.deliverer = new MonitorFunction(this, 'Deliverer', {
      entry: 'functions/channel-deliverer.ts',
      description:
        'uptime-squirrel channel deliverer: POSTs each delivery, retries, parks, reports broken channels',
      timeout: DELIVERER_TIMEOUT,
      memorySizeMiB: CHANNEL_FUNCTION_MEMORY_MIB,
      // Deliveries go to the public internet only: no ALLOW_PRIVATE_TARGETS, no DNS_SERVERS (Lambda's resolver).
      environment: {
        [ENV.channelsTable]: this.table.tableName,
        [ENV.deliveryQueueUrl]: this.deliveryQueue.queueUrl,
        [ENV.deliveryDeadLetterQueueUrl]: this.deliveryDeadLetterQueue.queueUrl,
        [ENV.channelSecretsPrefix]: this.secretsPrefix,
        [ENV.topicArn]: topic.topicArn,
      },
    });
    // GetItem: the channel still exists; UpdateItem: markBroken / clearBroken (conditional).
    this.table.grants.actions(this.deliverer.role, 'dynamodb:GetItem', 'dynamodb:UpdateItem');
    this.#grantSecretReads(this.deliverer);
    // The channel-failed notice, once, to the owner's other channels and email/SMS.
    topic.grants.publish(this.deliverer.role);
    // Parks a delivery past its retry window, with the reason.
    this.deliveryDeadLetterQueue.grants.actions(this.deliverer.role, ['sqs:SendMessage']);
    // The event source grants receive, delete and ChangeMessageVisibility (the retry backoff) on the queue.
    this.deliverer.function.addEventSource(
      new SqsEventSource(this.deliveryQueue, {
        batchSize: DELIVERY_BATCH_SIZE,
        reportBatchItemFailures: true,
      }),
    );

    this.alarms = this.#createAlarms();
    notifyThroughAlerts(props.alerts, this.alarms);
  }

  /**
   * ssm:GetParameter on this stack's channel parameters only. No KMS statement: they are SecureStrings under the
   * AWS-managed key aws/ssm, whose key policy lets every principal of the account decrypt through Parameter Store
   * ("The AWS managed key for Parameter Store (aws/ssm) grants Decrypt permission to all IAM principals in the AWS
   * account", https://docs.aws.amazon.com/systems-manager/latest/userguide/ps-restrict-decryption.html). What
   * limits reading a secret is therefore this ARN.
   */
  #grantSecretReads(fn: MonitorFunction): void {
    const parameters = `arn:${Aws.PARTITION}:ssm:${Aws.REGION}:${Aws.ACCOUNT_ID}:parameter${this.secretsPrefix}/*`;
    fn.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['ssm:GetParameter'], resources: [parameters] }),
    );
    Validations.of(fn.role as IConstruct).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter${this.secretsPrefix}/*]`,
      reason:
        'The deliverer reads the SecureString of whichever channel a delivery names; the CLI creates them at run time ' +
        `under ${this.secretsPrefix}/, and the wildcard covers that path of this stack only.`,
    });
  }

  #createAlarms(): Alarm[] {
    const notEmpty = (queue: Queue, id: string, description: string) =>
      queue
        .metricApproximateNumberOfMessagesVisible({ period: ALARM_PERIOD, statistic: Stats.MAXIMUM })
        .createAlarm(this, id, {
          alarmDescription: description,
          threshold: 1,
          ...LASTING_SIGNAL,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        });
    return [
      notEmpty(
        this.dispatchDeadLetterQueue,
        'DispatchDeadLetterQueueNotEmpty',
        `Alerts failed dispatch to channels ${MAX_RECEIVE_COUNT} times and wait in the dispatch dead-letter queue: ` +
          'their channels got nothing (email/SMS did). Clears once it is emptied.',
      ),
      notEmpty(
        this.deliveryDeadLetterQueue,
        'DeliveryDeadLetterQueueNotEmpty',
        'A channel delivery was parked after an hour of retries (or too many receives): the message says which ' +
          'channel and why (DeliveryDeadLetterQueueUrl output). Clears once it is emptied.',
      ),
      this.deliverer.function
        .metricErrors({ period: ALARM_PERIOD, statistic: Stats.SUM })
        .createAlarm(this, 'DelivererErrors', {
          alarmDescription:
            'The channel deliverer failed (crashed or timed out, not a receiver answering badly) in 2 of the last 3 five-minute periods.',
          threshold: 1,
          ...NOISY_SIGNAL,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
    ];
  }
}
