import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/config.ts';
import { CHECKS_ENQUEUED_METRIC } from '../../functions/services/sweep.ts';
import { DEFAULT_SMS_SPEND_LIMIT_USD } from '../../infra/deploy-config.ts';
import { COMPACTOR_FAILING_HOURS, STALLED_EXPRESSION } from '../../infra/monitor-alarms.ts';
import { type AlarmRule, alarmState, evaluate, type FillReading, type Period } from './metric-math.ts';
import { OutdirPool, onlyResource, SYNTH_TIMEOUT_MS, synthStack } from './synth-stack.ts';

const outdirs = new OutdirPool();
afterAll(() => outdirs.removeAll());

const ref = (logicalId: string) => ({ Ref: logicalId });

type AlarmProperties = Record<string, unknown> & {
  AlarmActions: unknown[];
  OKActions?: unknown[];
  Metrics?: {
    Id: string;
    Expression?: string;
    ReturnData?: boolean;
    MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions?: unknown }; Stat: string };
  }[];
};

const alarmsOf = (template: Template) =>
  Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
    (alarm) => alarm.Properties as AlarmProperties,
  );
const findTopic = (template: Template) => onlyResource(template, 'AWS::SNS::Topic');
const findFunction = (template: Template, variable: string) =>
  onlyResource(template, 'AWS::Lambda::Function', {
    Environment: { Variables: Match.objectLike({ [variable]: Match.anyValue() }) },
  });
const alarmWithMetric = (template: Template, namespace: string, metricName: string) => {
  const found = alarmsOf(template).filter((a) => a.Namespace === namespace && a.MetricName === metricName);
  expect(found).toHaveLength(1);
  return found[0] as AlarmProperties;
};
const ruleOf = (alarm: AlarmProperties): AlarmRule => ({
  threshold: alarm.Threshold as number,
  comparison: alarm.ComparisonOperator as AlarmRule['comparison'],
  evaluationPeriods: alarm.EvaluationPeriods as number,
  datapointsToAlarm: alarm.DatapointsToAlarm as number,
  treatMissingData: alarm.TreatMissingData as AlarmRule['treatMissingData'],
});

describe('MonitorAlarms', () => {
  let template: Template;

  beforeAll(() => {
    template = synthStack(outdirs).template;
  }, SYNTH_TIMEOUT_MS);

  it('has ten alarms (seven here, three of the alert channels), each telling the alerts topic when it fires and when it clears', () => {
    // Prepare
    const topic = ref(findTopic(template).logicalId);

    // Assess
    const alarms = alarmsOf(template);
    expect(alarms).toHaveLength(10);
    for (const alarm of alarms) {
      expect(alarm.AlarmActions).toEqual([topic]);
      expect(alarm.OKActions).toEqual([topic]);
    }
  });

  it('never treats missing data as breaching, so a fresh or idle stack raises nothing', () => {
    // Assess
    // The SMS spend alarm ignores gaps (its metric may be sparse): an alarm raised stays raised until a datapoint
    // says otherwise; every other alarm counts a gap as fine.
    for (const alarm of alarmsOf(template)) {
      expect(alarm.TreatMissingData).toBe(
        alarm.MetricName === 'SMSMonthToDateSpentUSD' ? 'ignore' : 'notBreaching',
      );
    }
  });

  it.each([
    ['fan-out', ENV.scanSegments],
    ['checker', ENV.checkConcurrency],
  ])(
    'fires when the %s fails in 2 of 3 five-minute periods (one failure is retried away)',
    (_name, variable) => {
      // Assess
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: ref(findFunction(template, variable).logicalId) }],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
      });
    },
  );

  it('fires when Lambda drops the scheduled sweeps in 2 of 3 periods (the fan-out not running)', () => {
    // Assess
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'AsyncEventsDropped',
      Dimensions: [{ Name: 'FunctionName', Value: ref(findFunction(template, ENV.scanSegments).logicalId) }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
    });
  });

  it('fires at the first message in the dead-letter queue, and clears once it is emptied', () => {
    // Prepare
    // The checks' dead-letter queue: the alert channels' two have alarms of their own (alert-channels.test.ts).
    const alarm = onlyResource(template, 'AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      AlarmDescription: Match.stringLikeRegexp('^Check messages'),
    }).properties as AlarmProperties;

    // Assess
    expect(alarm).toMatchObject({
      Statistic: 'Maximum',
      Threshold: 1,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
    });
    expect(alarmState(ruleOf(alarm), [0, 1])).toBe('ALARM');
    expect(alarmState(ruleOf(alarm), [1, 0])).toBe('OK');
  });

  describe('SMS spend', () => {
    it('fires past 80 % of the default $1 limit, on the account-wide SNS metric', () => {
      // Prepare
      const alarm = alarmWithMetric(template, 'AWS/SNS', 'SMSMonthToDateSpentUSD');

      // Assess
      expect(DEFAULT_SMS_SPEND_LIMIT_USD).toBe(1);
      expect(alarm).toMatchObject({ Statistic: 'Maximum', Threshold: 0.8 });
      expect(alarm.Dimensions).toBeUndefined();
      expect(alarmState(ruleOf(alarm), [0.79])).toBe('OK');
      expect(alarmState(ruleOf(alarm), [0.81])).toBe('ALARM');
      // No SMS sent this month: no datapoint.
      expect(alarmState(ruleOf(alarm), [undefined])).toBe('OK');
    });

    it.each([
      [20, 16],
      [0, 0],
    ])('follows a $%i limit given to the stack (threshold %i)', (limitUsd, threshold) => {
      // Prepare
      const { template: subject } = synthStack(outdirs, { props: { smsMonthlySpendLimitUsd: limitUsd } });
      const alarm = alarmWithMetric(subject, 'AWS/SNS', 'SMSMonthToDateSpentUSD');

      // Assess: with a $0 limit (SMS off), any spend at all is news, no spend is not
      expect(alarm.Threshold).toBe(threshold);
      expect(alarmState(ruleOf(alarm), [0])).toBe('OK');
      expect(alarmState(ruleOf(alarm), [threshold + 0.01])).toBe('ALARM');
    });

    it.each([-1, Number.NaN])('refuses a spend limit of %s', (limitUsd) => {
      // Act + Assess
      expect(() => synthStack(outdirs, { props: { smsMonthlySpendLimitUsd: limitUsd } })).toThrow(
        `smsMonthlySpendLimitUsd must be a number of USD ≥ 0, got ${limitUsd}`,
      );
    });
  });

  describe('monitor stalled', () => {
    let stalled: AlarmProperties;
    beforeAll(() => {
      const found = alarmsOf(template).filter((alarm) =>
        alarm.Metrics?.some((metric) => metric.Expression === STALLED_EXPRESSION),
      );
      expect(found).toHaveLength(1);
      stalled = found[0] as AlarmProperties;
    });

    it('compares the checks sweeps enqueued with the checks the checker completed, over 5 minutes', () => {
      // Assess
      const metrics = stalled.Metrics ?? [];
      const expression = metrics.find((metric) => metric.ReturnData !== false);
      expect(expression?.Expression).toBe(STALLED_EXPRESSION);
      const metricOf = (id: string) => metrics.find((metric) => metric.Id === id)?.MetricStat;
      expect(metricOf('enqueued')).toEqual({
        Metric: { Namespace: 'UptimeSquirrel', MetricName: CHECKS_ENQUEUED_METRIC },
        Period: 300,
        Stat: 'Sum',
      });
      expect(metricOf('completed')).toEqual({
        Metric: { Namespace: 'UptimeSquirrel', MetricName: 'ChecksCompleted' },
        Period: 300,
        Stat: 'Sum',
      });
      expect(stalled).toMatchObject({
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
      });
    });

    const missing = undefined;
    const periods = (enqueued: (number | undefined)[], completed: (number | undefined)[]): Period[] =>
      enqueued.map((value, index) => ({ enqueued: value, completed: completed[index] }));

    // Each row: three consecutive 5-minute periods as a deployment lives them.
    const scenarios: [string, Period[], 'ALARM' | 'OK'][] = [
      [
        'before the first sweep of a fresh deploy',
        periods([missing, missing, missing], [missing, missing, missing]),
        'OK',
      ],
      ['a fresh deploy: the table is empty', periods([0, 0, 0], [missing, missing, missing]), 'OK'],
      ['every site paused', periods([0, 0, 0], [missing, missing, missing]), 'OK'],
      ['healthy', periods([120, 120, 120], [120, 119, 121]), 'OK'],
      [
        'one site every hour, its check completing just after the period it was enqueued in',
        periods([1, 0, 0], [missing, 1, missing]),
        'OK',
      ],
      ['one period without completions, then recovery', periods([120, 120, 120], [missing, 120, 120]), 'OK'],
      [
        'the checker not running (nothing consumes the queue)',
        periods([120, 120, 120], [missing, missing, missing]),
        'ALARM',
      ],
      [
        'the checker running but finishing no check (every one a fault)',
        periods([120, 120, 120], [0, 0, 0]),
        'ALARM',
      ],
      ['stalled for the last two periods', periods([120, 120, 120], [120, missing, missing]), 'ALARM'],
    ];

    it.each(
      scenarios.flatMap(([name, series, expected]) =>
        (['fills-every-period', 'fills-only-where-some-metric-has-data'] as FillReading[]).map(
          (reading) => [name, reading, expected, series] as const,
        ),
      ),
    )('%s (%s): %s', (_name, reading, expected, series) => {
      // Prepare: the expression the template holds, not the constant
      const expression =
        (stalled.Metrics ?? []).find((metric) => metric.ReturnData !== false)?.Expression ?? '';

      // Act
      const values = series.map((period) => evaluate(expression, period, reading));

      // Assess
      expect(alarmState(ruleOf(stalled), values)).toBe(expected);
    });
  });

  describe('compactor failing', () => {
    let compactorErrors: AlarmProperties;
    beforeAll(() => {
      const compactor = onlyResource(template, 'AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({
            [ENV.historyBucket]: Match.anyValue(),
            [ENV.queueUrl]: Match.absent(),
          }),
        },
      });
      const found = alarmsOf(template).filter(
        (alarm) =>
          alarm.MetricName === 'Errors' &&
          JSON.stringify(alarm.Dimensions) ===
            JSON.stringify([{ Name: 'FunctionName', Value: ref(compactor.logicalId) }]),
      );
      expect(found).toHaveLength(1);
      compactorErrors = found[0] as AlarmProperties;
    });

    it("reads Lambda's own Errors metric of the compactor (no custom metric), summed per hour", () => {
      // Assess
      expect(compactorErrors).toMatchObject({
        Namespace: 'AWS/Lambda',
        Statistic: 'Sum',
        Period: 3600,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: COMPACTOR_FAILING_HOURS,
        DatapointsToAlarm: COMPACTOR_FAILING_HOURS,
        TreatMissingData: 'notBreaching',
      });
    });

    const missing = undefined;
    // Each row: the compactor's errors in three consecutive hours.
    it.each([
      ['a fresh deploy before its first run', [missing, missing, missing], 'OK'],
      ['healthy', [missing, missing, missing], 'OK'],
      ['one failed hour, then runs that catch up', [2, missing, missing], 'OK'],
      ['two failed hours', [missing, 3, 3], 'OK'],
      ['every hour failing for 3 hours', [3, 3, 3], 'ALARM'],
      ['every first attempt timing out for 3 hours, retries succeeding', [1, 1, 1], 'ALARM'],
    ] as const)('%s: %s', (_name, errors, expected) => {
      // Assess
      expect(alarmState(ruleOf(compactorErrors), [...errors])).toBe(expected);
    });
  });
});
