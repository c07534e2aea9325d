import { Duration } from 'aws-cdk-lib';
import { type Alarm, ComparisonOperator, Metric, Stats, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { AlertsTopic } from './alerts-topic.ts';

/** The checker's Embedded Metric Format metric, dimensionless: one count per finished check. */
export const CHECKS_COMPLETED_METRIC = {
  namespace: 'UptimeSquirrel',
  metricName: 'ChecksCompleted',
} as const;

const ALARM_PERIOD = Duration.minutes(5);

export interface MonitorAlarmsProps {
  readonly alerts: AlertsTopic;
  readonly deadLetterQueue: IQueue;
  readonly fanOut: IFunction;
  readonly checker: IFunction;
}

/** Alarms on the monitor itself, notified through the alerts topic. */
export class MonitorAlarms extends Construct {
  readonly alarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: MonitorAlarmsProps) {
    super(scope, id);

    const deadLetters = props.deadLetterQueue
      .metricApproximateNumberOfMessagesVisible({ period: ALARM_PERIOD, statistic: Stats.MAXIMUM })
      .createAlarm(this, 'DeadLetterQueueNotEmpty', {
        alarmDescription: 'Check messages failed 5 times and landed in the dead-letter queue.',
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });

    const errorsOf = (fn: IFunction, alarmId: string, name: string) =>
      fn.metricErrors({ period: ALARM_PERIOD, statistic: Stats.SUM }).createAlarm(this, alarmId, {
        alarmDescription: `The ${name} Lambda failed at least once in 5 minutes.`,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });

    const stalled = new Metric({
      ...CHECKS_COMPLETED_METRIC,
      period: ALARM_PERIOD,
      statistic: Stats.SUM,
    }).createAlarm(this, 'MonitorStalled', {
      alarmDescription:
        'No site check completed in 5 minutes: the monitor itself is down or has no enabled sites.',
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      // No data is exactly what a stalled monitor looks like.
      treatMissingData: TreatMissingData.BREACHING,
    });

    this.alarms = [
      deadLetters,
      errorsOf(props.fanOut, 'FanOutErrors', 'fan-out'),
      errorsOf(props.checker, 'CheckerErrors', 'checker'),
      stalled,
    ];
    const action = new SnsAction(props.alerts.topic);
    for (const alarm of this.alarms) alarm.addAlarmAction(action);
    props.alerts.allowAlarms(this.alarms);
  }
}
