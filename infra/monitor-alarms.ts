import { Duration } from 'aws-cdk-lib';
import {
  type Alarm,
  ComparisonOperator,
  MathExpression,
  Metric,
  Stats,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRIC_NAMESPACE } from '../functions/adapters/logger.ts';
import { CHECKS_ENQUEUED_METRIC } from '../functions/services/sweep.ts';
import type { AlertsTopic } from './alerts-topic.ts';

/** The checker's Embedded Metric Format metric, dimensionless: one count per finished check. */
export const CHECKS_COMPLETED_METRIC = {
  namespace: METRIC_NAMESPACE,
  metricName: 'ChecksCompleted',
} as const;

/** The fan-out's EMF metric, dimensionless: the checks each sweep enqueued (0 when none was due). */
export const CHECKS_ENQUEUED = {
  namespace: METRIC_NAMESPACE,
  metricName: CHECKS_ENQUEUED_METRIC,
} as const;

/**
 * "Stalled": in a period where sweeps enqueued checks, not one check completed. Both metrics are filled with 0
 * where missing, so an empty table or an all-paused fleet (the fan-out reports 0 enqueued, the checker reports
 * nothing) evaluates to 0, and a period with neither metric has no datapoint at all (missing: not breaching).
 */
export const STALLED_EXPRESSION = 'IF(FILL(enqueued, 0) > 0 AND FILL(completed, 0) == 0, 1, 0)';

/**
 * The compactor runs once an hour and each run catches up on every hour missed: errors in each of the last 3 hours
 * (every run, or its first attempt, failing or timing out) are worth a page, one failed hour is not.
 */
export const COMPACTOR_FAILING_HOURS = 3;

/** SNS stops sending SMS within minutes of the account's limit: warn while there is time to raise it. */
export const SMS_SPEND_ALARM_SHARE = 0.8;

export const ALARM_PERIOD = Duration.minutes(5);
// A failure must last 2 of 3 periods (10 of 15 minutes): Lambda retries a fan-out sweep and SQS redelivers a
// check message, so one bad 5-minute period is usually healed before anyone could act on it.
export const NOISY_SIGNAL = { evaluationPeriods: 3, datapointsToAlarm: 2 } as const;
// A message in the dead-letter queue or SMS spend only grows until someone acts: one datapoint is the truth.
export const LASTING_SIGNAL = { evaluationPeriods: 1, datapointsToAlarm: 1 } as const;

export interface MonitorAlarmsProps {
  readonly alerts: AlertsTopic;
  readonly deadLetterQueue: IQueue;
  readonly fanOut: IFunction;
  readonly checker: IFunction;
  /** The history compactor (hourly). */
  readonly compactor: IFunction;
  /** The account's SMS spend limit in USD a month; the spend alarm fires at SMS_SPEND_ALARM_SHARE of it. */
  readonly smsMonthlySpendLimitUsd: number;
}

/**
 * Alarms on the monitor itself, notified through the alerts topic when they fire and when they clear. None fires
 * on a fresh deploy or an idle fleet: every alarm watches a failure that leaves a trace (errors, dropped events,
 * dead letters, checks enqueued and never completed), never the mere absence of data.
 */
export class MonitorAlarms extends Construct {
  readonly alarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: MonitorAlarmsProps) {
    super(scope, id);
    const limitUsd = props.smsMonthlySpendLimitUsd;
    if (!Number.isFinite(limitUsd) || limitUsd < 0) {
      throw new Error(`smsMonthlySpendLimitUsd must be a number of USD ≥ 0, got ${limitUsd}`);
    }

    const deadLetters = props.deadLetterQueue
      .metricApproximateNumberOfMessagesVisible({ period: ALARM_PERIOD, statistic: Stats.MAXIMUM })
      .createAlarm(this, 'DeadLetterQueueNotEmpty', {
        alarmDescription:
          'Check messages failed 5 times and landed in the dead-letter queue (clears once it is emptied).',
        threshold: 1,
        ...LASTING_SIGNAL,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });

    const errorsOf = (fn: IFunction, alarmId: string, name: string) =>
      fn.metricErrors({ period: ALARM_PERIOD, statistic: Stats.SUM }).createAlarm(this, alarmId, {
        alarmDescription: `The ${name} Lambda failed in 2 of the last 3 five-minute periods.`,
        threshold: 1,
        ...NOISY_SIGNAL,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });

    // The fan-out not running at all while sites exist: its scheduled events are throttled or fail until Lambda
    // drops them (after maxEventAge and the retries). A schedule turned off on purpose drops nothing.
    const sweepsDropped = props.fanOut
      .metric('AsyncEventsDropped', { period: ALARM_PERIOD, statistic: Stats.SUM })
      .createAlarm(this, 'SweepsDropped', {
        alarmDescription:
          'Lambda dropped scheduled sweeps (throttled or failing) in 2 of the last 3 five-minute periods: sites are not being checked.',
        threshold: 1,
        ...NOISY_SIGNAL,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });

    const stalled = new MathExpression({
      expression: STALLED_EXPRESSION,
      usingMetrics: {
        enqueued: new Metric({ ...CHECKS_ENQUEUED, statistic: Stats.SUM }),
        completed: new Metric({ ...CHECKS_COMPLETED_METRIC, statistic: Stats.SUM }),
      },
      period: ALARM_PERIOD,
      label: 'checks enqueued, none completed',
    }).createAlarm(this, 'MonitorStalled', {
      alarmDescription:
        'Sweeps enqueued checks but none completed in 2 of the last 3 five-minute periods: the checker is not running or not finishing checks.',
      threshold: 1,
      ...NOISY_SIGNAL,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // No datapoint: no sweep enqueued and no check completed, an idle stack (or one not yet swept), not a stall.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    // Account-wide, like the limit itself: SMS other apps send count too. Greater-than, so a limit of 0 (SMS off)
    // alarms on any spend at all instead of always.
    const smsSpend = new Metric({
      namespace: 'AWS/SNS',
      metricName: 'SMSMonthToDateSpentUSD',
      statistic: Stats.MAXIMUM,
      period: ALARM_PERIOD,
    }).createAlarm(this, 'SmsSpendNearLimit', {
      alarmDescription: `SMS spend this month passed ${Math.round(SMS_SPEND_ALARM_SHARE * 100)} % of the $${limitUsd} limit: SNS stops sending SMS (alerts too) at the limit. Raise it (docs/sms.md).`,
      threshold: SMS_SPEND_ALARM_SHARE * limitUsd,
      ...LASTING_SIGNAL,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      // SNS may publish the metric only when SMS are sent: a gap keeps the alarm where it is, so an alarm once raised
      // is not "cleared" by silence while the spend is still near the limit; the next datapoint (the new month's
      // reset) brings the OK notification. Before any SMS the alarm waits in INSUFFICIENT_DATA, notifying nobody.
      treatMissingData: TreatMissingData.IGNORE,
    });

    // Lambda's own Errors metric, one alarm metric ($0.10 a month). A compactor that never runs at all (the schedule
    // deleted by hand, or throttled for 30 minutes: then SweepsDropped fires for the fan-out too) has no errors and
    // is not caught here: catching it needs a clock such as the fan-out's invocations in a math expression, two more
    // alarm metrics ($0.20 a month) the history's cost target (docs/cost.md) has no room for.
    const compactorFailing = props.compactor
      .metricErrors({ period: Duration.hours(1), statistic: Stats.SUM })
      .createAlarm(this, 'CompactorErrors', {
        alarmDescription: `The history compactor failed (errors or timeouts) in each of the last ${COMPACTOR_FAILING_HOURS} hours: history, uptime and the status page stop advancing. Its log group says why.`,
        threshold: 1,
        evaluationPeriods: COMPACTOR_FAILING_HOURS,
        datapointsToAlarm: COMPACTOR_FAILING_HOURS,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });

    this.alarms = [
      deadLetters,
      errorsOf(props.fanOut, 'FanOutErrors', 'fan-out'),
      errorsOf(props.checker, 'CheckerErrors', 'checker'),
      sweepsDropped,
      stalled,
      compactorFailing,
      smsSpend,
    ];
    notifyThroughAlerts(props.alerts, this.alarms);
  }
}

/** Sends `alarms` to the alerts topic when they fire and when they clear, and lets CloudWatch publish them there. */
export function notifyThroughAlerts(alerts: AlertsTopic, alarms: readonly Alarm[]): void {
  addAlarmActions(alerts.topic, alarms);
  alerts.allowAlarms(alarms);
}

/**
 * Sends `alarms` to `topic` when they fire and when they clear. The topic's policy must still let CloudWatch
 * publish them (notifyThroughAlerts does both for the alerts topic).
 */
export function addAlarmActions(topic: ITopic, alarms: readonly Alarm[]): void {
  const action = new SnsAction(topic);
  for (const alarm of alarms) {
    alarm.addAlarmAction(action);
    // Recovery is news too: whoever was told of the alarm hears that it cleared.
    alarm.addOkAction(action);
  }
}
