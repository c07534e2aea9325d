import { CfnOutput, Duration, Stack, type StackProps, Token } from 'aws-cdk-lib';
import { type Alarm, ComparisonOperator, Stats, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, SmsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { ENV } from '../functions/config.ts';
import { alarmPublishStatement } from './alerts-topic.ts';
import { ALARM_PERIOD, addAlarmActions, LASTING_SIGNAL } from './monitor-alarms.ts';
import { MonitorFunction } from './monitor-function.ts';
import { verifierFunctionNameOf } from './verifier-names.ts';

/**
 * A site's timeout reaches 30 s (SITE_LIMITS.timeoutMs) and a HEAD refused with 405 is retried with GET inside
 * that budget; 15 s more covers a cold start (the verifier is invoked rarely, so usually cold) and DNS.
 */
export const VERIFIER_TIMEOUT = Duration.seconds(45);
// One probe per target, few targets: the smallest size that starts the SDK-free bundle quickly.
export const VERIFIER_MEMORY_MIB = 256;

export interface VerifierStackProps extends StackProps {
  /** The home stack's name: the verifier's function name comes from it (verifierFunctionNameOf). */
  readonly homeStackName: string;
  /** Receives this region's verifier alarms by email. @default - see alertPhone */
  readonly alertEmail?: string;
  /** Receives them by SMS only when there is no alertEmail (see the class comment). @default - nobody */
  readonly alertPhone?: string;
}

/**
 * The verifier of one region (issue 15): a function with the same name in every region that probes the sites the
 * home checker names and answers what it saw there, with alarms on its errors and throttles in its own region.
 *
 * CloudWatch alarm actions reach only SNS topics of their own region, so the alarms have a topic here. It is
 * subscribed by email, and by SMS only when the deploy has no email: the SMS sandbox, spend limit and origination
 * numbers are per region, so a phone verified for the home region would silently get nothing from here. A phone is
 * still told: every failed verifier invoke (an error, a throttle, a timeout) is also a "verifier did not answer"
 * line in the home checker's log, whose alarm goes to the home alerts topic (VerifierAccess).
 */
export class VerifierStack extends Stack {
  readonly verifier: MonitorFunction;
  readonly alarmTopic: Topic;
  readonly alarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: VerifierStackProps) {
    super(scope, id, props);
    if (Token.isUnresolved(this.region)) {
      throw new Error(`the verifier stack ${id} needs a concrete region (env.region)`);
    }
    const functionName = verifierFunctionNameOf(props.homeStackName);

    this.verifier = new MonitorFunction(this, 'Verifier', {
      entry: 'functions/verifier.ts',
      description: `uptime-squirrel verifier (${this.region}): checks sites the ${props.homeStackName} checker would confirm down`,
      functionName,
      timeout: VERIFIER_TIMEOUT,
      memorySizeMiB: VERIFIER_MEMORY_MIB,
      // Nearly every invoke is a cold start (it runs only when a site fails at home): no map to load at start.
      sourceMaps: false,
      environment: { [ENV.verifierLocation]: this.region },
    });

    // Not KMS-encrypted, like the home alerts topic (alerts-topic.ts): alarm actions cannot publish to a topic
    // under the AWS-managed key, and these notifications hold alarm names, no secrets.
    this.alarmTopic = new Topic(this, 'AlarmTopic', {
      displayName: `Uptime Squirrel verifier alarms (${this.region})`,
      enforceSSL: true,
    });
    if (props.alertEmail !== undefined) {
      this.alarmTopic.addSubscription(new EmailSubscription(props.alertEmail));
    } else if (props.alertPhone !== undefined) {
      this.alarmTopic.addSubscription(new SmsSubscription(props.alertPhone));
    }

    const fn = this.verifier.function;
    // Invoked only while sites fail: one bad period is already a verification that counted for nothing.
    const failing = (metric: 'Errors' | 'Throttles', id: string, description: string) =>
      fn.metric(metric, { period: ALARM_PERIOD, statistic: Stats.SUM }).createAlarm(this, id, {
        alarmDescription: description,
        threshold: 1,
        ...LASTING_SIGNAL,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    this.alarms = [
      failing(
        'Errors',
        'VerifierErrors',
        `The ${this.region} verifier failed (crashed or timed out) in the last five minutes: its answers counted neither way. Its log group says why.`,
      ),
      failing(
        'Throttles',
        'VerifierThrottles',
        `Lambda throttled the ${this.region} verifier in the last five minutes (the region's concurrency is used up): its answers counted neither way. squirrel doctor shows the region's quota.`,
      ),
    ];
    addAlarmActions(this.alarmTopic, this.alarms);
    this.alarmTopic.addToResourcePolicy(
      alarmPublishStatement(
        this.alarmTopic,
        this.alarms.map((alarm) => alarm.alarmArn),
      ),
    );

    new CfnOutput(this, 'VerifierFunctionName', { value: functionName });
    new CfnOutput(this, 'VerifierLocation', { value: this.region });
  }
}
