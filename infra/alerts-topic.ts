import { Aws, CfnOutput, Fn, Lazy, Stack, Token, Validations } from 'aws-cdk-lib';
import type { IAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, SmsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

/** The stack output with the command that turns on SMS delivery-status logging (an account-wide setting). */
export const SMS_DELIVERY_LOGGING_OUTPUT = 'SmsDeliveryStatusLoggingCommand';

// The log groups SNS writes SMS deliveries to (sns/<region>/<account>/…), successes and failures.
const SMS_DELIVERY_LOG_GROUPS = ['DirectPublishToPhoneNumber', 'DirectPublishToPhoneNumber/Failure'] as const;

// Alerts are few: every delivery, not a sample, is worth its log line.
const SMS_SUCCESS_SAMPLING_PERCENT = 100;

export interface AlertsTopicProps {
  /** Receives every alert and alarm; no filter policy. @default - no email subscription */
  readonly alertEmail?: string;
  /** E.164 number that receives every alert and alarm by SMS. @default - no SMS subscription */
  readonly alertPhone?: string;
}

/** The "alerts" topic: site transitions from the checker and the stack's own alarms. */
export class AlertsTopic extends Construct {
  readonly topic: Topic;
  /** What SNS assumes to write SMS delivery logs, once the account's SMS settings name it (docs/sms.md). */
  readonly smsDeliveryStatusRole: Role;

  constructor(scope: Construct, id: string, props: AlertsTopicProps) {
    super(scope, id);

    // Not KMS-encrypted on purpose: CloudWatch alarm actions cannot publish to a topic encrypted with the
    // AWS-managed key (alias/aws/sns), and a customer-managed key costs $1/month for messages that hold
    // site URLs and up/down states, no secrets. TLS is enforced for every publisher.
    this.topic = new Topic(this, 'Topic', { displayName: 'Uptime Squirrel alerts', enforceSSL: true });

    // No filter policy: the deploy-time subscribers are the operators, they get everything.
    if (props.alertEmail !== undefined) this.topic.addSubscription(new EmailSubscription(props.alertEmail));
    if (props.alertPhone !== undefined) this.topic.addSubscription(new SmsSubscription(props.alertPhone));

    this.smsDeliveryStatusRole = this.#createSmsDeliveryStatusRole();
  }

  /**
   * SMS delivery logs are an account setting (SetSMSAttributes DeliveryStatusIAMRole), shared by every app in the
   * account and region, that no CloudFormation resource owns. The stack does not change it behind the user's back
   * (it could replace another app's role, and deleting the stack would leave the setting naming a deleted role):
   * it creates the role, and outputs the one command that turns logging on, for the user to run knowingly.
   */
  #createSmsDeliveryStatusRole(): Role {
    const stack = Stack.of(this);
    const role = new Role(this, 'SmsDeliveryStatusRole', {
      description: 'Lets Amazon SNS write SMS delivery-status logs (uptime-squirrel alerts)',
      assumedBy: new ServicePrincipal('sns.amazonaws.com', {
        // Only SNS acting for this account may assume it (confused-deputy protection).
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    });
    // Those two log groups and nothing else.
    const logGroups = SMS_DELIVERY_LOG_GROUPS.map(
      (name) =>
        `arn:${Aws.PARTITION}:logs:${stack.region}:${stack.account}:log-group:sns/${stack.region}/${stack.account}/${name}`,
    );
    role.addToPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
        // The group itself (CreateLogGroup) and its streams (`:*`).
        resources: logGroups.flatMap((arn) => [arn, `${arn}:*`]),
      }),
    );
    // `:*` names the log streams of exactly those two groups (SNS picks the stream names), no other resource.
    // cdk-nag shows the region and account as written: a token's name, or the value of a stack pinned to one.
    const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
    const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
    for (const name of SMS_DELIVERY_LOG_GROUPS) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:${region}:${account}:log-group:sns/${region}/${account}/${name}:*]`,
        reason: `SNS writes SMS delivery logs to streams it names inside the log group sns/<region>/<account>/${name}; the wildcard covers only that group's streams.`,
      });
    }
    const output = new CfnOutput(this, 'SmsDeliveryStatusLogging', {
      description:
        'Turns on SMS delivery-status logging for the whole account in this region (docs/sms.md: check what is set first)',
      value: Fn.join('', [
        `aws sns set-sms-attributes --region ${stack.region} --attributes DeliveryStatusIAMRole=`,
        role.roleArn,
        `,DeliveryStatusSuccessSamplingRate=${SMS_SUCCESS_SAMPLING_PERCENT}`,
      ]),
    });
    output.overrideLogicalId(SMS_DELIVERY_LOGGING_OUTPUT);
    return role;
  }

  // Every alarm allowed so far: one policy statement names them all, whichever construct made them.
  readonly #alarmArns: string[] = [];

  /**
   * Lets CloudWatch publish these alarms' notifications (callable more than once: the one statement grows). The
   * topic policy that enforceSSL creates replaces SNS's default policy, which is what lets alarms publish to a
   * topic without one.
   */
  allowAlarms(alarms: readonly IAlarm[]): void {
    const isFirst = this.#alarmArns.length === 0;
    this.#alarmArns.push(...alarms.map((alarm) => alarm.alarmArn));
    if (!isFirst) return;
    this.topic.addToResourcePolicy(
      alarmPublishStatement(this.topic, Lazy.list({ produce: () => this.#alarmArns })),
    );
  }
}

/**
 * Lets CloudWatch publish the notifications of exactly these alarms (of this account) to `topic`: needed once a
 * topic has a policy of its own (enforceSSL makes one), which replaces SNS's default.
 */
export function alarmPublishStatement(topic: ITopic, alarmArns: string[]): PolicyStatement {
  return new PolicyStatement({
    sid: 'AllowStackAlarmsToPublish',
    principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
    actions: ['sns:Publish'],
    resources: [topic.topicArn],
    conditions: {
      StringEquals: { 'aws:SourceAccount': Stack.of(topic).account },
      ArnEquals: { 'aws:SourceArn': alarmArns },
    },
  });
}
