import { ArnFormat, CfnOutput, Stack, Token } from 'aws-cdk-lib';
import { type Alarm, ComparisonOperator, Stats, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { FilterPattern, MetricFilter } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { METRIC_NAMESPACE } from '../functions/adapters/logger.ts';
import { ENV } from '../functions/config.ts';
import { VERIFIER_NO_ANSWER_MESSAGE } from '../functions/services/verifiers.ts';
import type { AlertsTopic } from './alerts-topic.ts';
import { ALARM_PERIOD, LASTING_SIGNAL, notifyThroughAlerts } from './monitor-alarms.ts';
import type { MonitorFunction } from './monitor-function.ts';
import { verifierFunctionNameOf } from './verifier-names.ts';

/** The metric the home stack's filter makes of those lines: dimensionless (the line names the region), 1 a line. */
export const VERIFIER_NO_ANSWER_METRIC = {
  namespace: METRIC_NAMESPACE,
  metricName: 'VerifierNoAnswer',
} as const;

export interface VerifierAccessProps {
  readonly checker: MonitorFunction;
  readonly alerts: AlertsTopic;
  /** The verifier regions, in the order alerts list them; never the stack's own region. */
  readonly regions: readonly string[];
}

/**
 * The home side of the verifiers (issue 15): tells the checker where they are (VERIFIER_REGIONS,
 * VERIFIER_FUNCTION_NAME, HOME_LOCATION), lets it invoke exactly those functions, and alarms through the alerts
 * topic when one does not answer. The ARNs are built from the partition, account, region and the function name
 * the verifier stacks also compute: no cross-region reference, no export, no deploy order that must hold.
 */
export class VerifierAccess extends Construct {
  readonly functionName: string;
  readonly functionArns: readonly string[];
  readonly alarm: Alarm;

  constructor(scope: Construct, id: string, props: VerifierAccessProps) {
    super(scope, id);
    const stack = Stack.of(this);
    if (Token.isUnresolved(stack.region)) {
      throw new Error(
        'verifierRegions needs the home stack in a concrete region (env.region): the checker names it as its location',
      );
    }
    if (props.regions.includes(stack.region)) {
      throw new Error(`verifierRegions must not include the home region ${stack.region}`);
    }
    this.functionName = verifierFunctionNameOf(stack.stackName);
    const fn = props.checker.function;
    fn.addEnvironment(ENV.verifierRegions, props.regions.join(','));
    fn.addEnvironment(ENV.verifierFunctionName, this.functionName);
    fn.addEnvironment(ENV.homeLocation, stack.region);

    this.functionArns = props.regions.map((region) =>
      stack.formatArn({
        service: 'lambda',
        region,
        resource: 'function',
        resourceName: this.functionName,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    );
    // The unqualified ARN only: the checker invokes $LATEST by name, nothing else, nowhere else.
    props.checker.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [...this.functionArns] }),
    );

    // `{ $.level = "WARN" && $.message = "verifier did not answer" }`: the JSON logger's fields.
    const filter = new MetricFilter(this, 'NoAnswerFilter', {
      logGroup: props.checker.logGroup,
      filterPattern: FilterPattern.all(
        FilterPattern.stringValue('$.level', '=', 'WARN'),
        FilterPattern.stringValue('$.message', '=', VERIFIER_NO_ANSWER_MESSAGE),
      ),
      metricNamespace: VERIFIER_NO_ANSWER_METRIC.namespace,
      metricName: VERIFIER_NO_ANSWER_METRIC.metricName,
      metricValue: '1',
      // No default value: a metric that only has data when a verifier failed costs nothing the rest of the time.
    });
    // Verifications happen only while sites fail, so a failure is rare and each one mattered: one line alarms.
    this.alarm = filter
      .metric({ period: ALARM_PERIOD, statistic: Stats.SUM })
      .createAlarm(this, 'VerifierNoAnswer', {
        alarmDescription:
          `A verifier region (${props.regions.join(', ')}) did not answer the checker in the last five minutes: its ` +
          `vote was missing (the alert said so). The checker's log line "${VERIFIER_NO_ANSWER_MESSAGE}" names the ` +
          'region and why; that region has its own error and throttle alarms.',
        threshold: 1,
        ...LASTING_SIGNAL,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    notifyThroughAlerts(props.alerts, [this.alarm]);

    new CfnOutput(stack, 'VerifierRegions', {
      description: 'Regions whose verifier confirms a DOWN before it pages (verifierRegions)',
      value: props.regions.join(','),
    });
    new CfnOutput(stack, 'VerifierFunctionName', {
      description: "The verifiers' function name, the same in each of those regions",
      value: this.functionName,
    });
  }
}
