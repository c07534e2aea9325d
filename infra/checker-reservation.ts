import { CustomResource, Duration, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction, IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { CheckerReservation } from './deploy-config.ts';
import { MonitorFunction } from './monitor-function.ts';

/** The custom resource's type in the template and the stack events. */
export const CHECKER_RESERVATION_RESOURCE_TYPE = 'Custom::CheckerReservation';

/**
 * The stack output's text when no custom resource decides: `off` reserves nothing; a number is pinned (the
 * function's own ReservedConcurrentExecutions, which Lambda may refuse on a small account).
 */
export function describeFixedReservation(reservation: Exclude<CheckerReservation, 'auto'>): string {
  return reservation === 'off'
    ? // Nothing is reserved by this deploy, but an earlier `auto` deploy's reservation is not removed (no custom
      // resource runs with "off"): the output must not claim there is none.
      'not managed: checkerReservation is "off" (a reservation an earlier auto deploy made stays until aws lambda delete-function-concurrency)'
    : `${reservation}: pinned by checkerReservation (the deploy fails if the account cannot give it)`;
}

export interface AutoCheckerReservationProps {
  /** The function whose reservation is decided. */
  readonly checker: IFunction;
  /** What to reserve when the account can give it. */
  readonly concurrency: number;
}

/**
 * A custom resource that, at every create and update, reads the account's Lambda concurrency settings and reserves
 * `concurrency` for the checker when the account can give it, or leaves it without a reservation and says why.
 */
export class AutoCheckerReservation extends Construct {
  /** "10: account quota 1000; …" or "none: account quota 10 leaves no room; …", known after the deploy. */
  readonly summary: string;
  /** The number reserved, or "none". */
  readonly reservedConcurrency: string;

  constructor(scope: Construct, id: string, props: AutoCheckerReservationProps) {
    super(scope, id);

    const decider = new MonitorFunction(this, 'Decider', {
      entry: 'functions/checker-reservation.ts',
      description:
        "uptime-squirrel checker reservation: reserves the checker's concurrency when the account can",
      // Three Lambda API calls and one PUT to S3.
      timeout: Duration.minutes(1),
      memorySizeMiB: 256,
      environment: {},
    });
    decider.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['lambda:GetAccountSettings'], resources: ['*'] }),
    );
    decider.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [
          'lambda:GetFunctionConcurrency',
          'lambda:PutFunctionConcurrency',
          'lambda:DeleteFunctionConcurrency',
        ],
        resources: [props.checker.functionArn],
      }),
    );
    Validations.of(decider.role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'lambda:GetAccountSettings has no resource type (IAM requires "*"); the concurrency actions are limited to the checker\'s ARN.',
    });

    const resource = new CustomResource(this, 'Resource', {
      serviceToken: decider.function.functionArn,
      resourceType: CHECKER_RESERVATION_RESOURCE_TYPE,
      // If the decider never answers (it always should, within its one-minute timeout), the deploy fails after
      // 5 minutes instead of CloudFormation's default hour.
      serviceTimeout: Duration.minutes(5),
      properties: {
        FunctionName: props.checker.functionName,
        ReservedConcurrency: props.concurrency,
        // A new checker bundle means a new decision: the deploy that ships it reads the account again.
        CheckerCode: checkerCodeKey(props.checker),
      },
    });
    this.summary = resource.getAttString('Summary');
    this.reservedConcurrency = resource.getAttString('ReservedConcurrency');
  }
}

function checkerCodeKey(checker: IFunction): string | undefined {
  const code = (checker.node.defaultChild as CfnFunction | undefined)?.code;
  return code !== undefined && 's3Key' in code ? code.s3Key : undefined;
}
