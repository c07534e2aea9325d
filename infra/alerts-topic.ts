import { Stack } from 'aws-cdk-lib';
import type { IAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, SmsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface AlertsTopicProps {
  /** Receives every alert and alarm; no filter policy. @default - no email subscription */
  readonly alertEmail?: string;
  /** E.164 number that receives every alert and alarm by SMS. @default - no SMS subscription */
  readonly alertPhone?: string;
}

/** The "alerts" topic: site transitions from the checker and the stack's own alarms. */
export class AlertsTopic extends Construct {
  readonly topic: Topic;

  constructor(scope: Construct, id: string, props: AlertsTopicProps) {
    super(scope, id);

    // Not KMS-encrypted on purpose: CloudWatch alarm actions cannot publish to a topic encrypted with the
    // AWS-managed key (alias/aws/sns), and a customer-managed key costs $1/month for messages that hold
    // site URLs and up/down states, no secrets. TLS is enforced for every publisher.
    this.topic = new Topic(this, 'Topic', { displayName: 'Uptime Squirrel alerts', enforceSSL: true });

    // No filter policy: the deploy-time subscribers are the operators, they get everything.
    if (props.alertEmail !== undefined) this.topic.addSubscription(new EmailSubscription(props.alertEmail));
    if (props.alertPhone !== undefined) this.topic.addSubscription(new SmsSubscription(props.alertPhone));
  }

  /**
   * Lets CloudWatch publish these alarms' notifications. The topic policy that enforceSSL creates replaces
   * SNS's default policy, which is what lets alarms publish to a topic without one.
   */
  allowAlarms(alarms: readonly IAlarm[]): void {
    const stack = Stack.of(this);
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowStackAlarmsToPublish',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnEquals: { 'aws:SourceArn': alarms.map((alarm) => alarm.alarmArn) },
        },
      }),
    );
  }
}
