import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { MONITOR_RUNTIME_NAME } from './monitor-runtime.ts';

// The newest Node runtime this aws-cdk-lib knows (cdk-nag's L1 rule compares against the same list), found by the
// name the preflight also reads, so the two cannot drift apart.
export const MONITOR_RUNTIME = knownRuntime(MONITOR_RUNTIME_NAME);

function knownRuntime(name: string): Runtime {
  const runtime = Runtime.ALL.find((candidate) => candidate.name === name);
  if (runtime === undefined) throw new Error(`aws-cdk-lib ${Runtime.name} knows no Lambda runtime ${name}`);
  return runtime;
}

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

// Bundled CommonJS dependencies still call require(); an ESM bundle has to provide it.
const ESM_REQUIRE_BANNER =
  "import { createRequire as topLevelCreateRequire } from 'node:module'; const require = topLevelCreateRequire(import.meta.url);";

export interface MonitorFunctionProps {
  /** The TypeScript entry file, relative to the repository root (`functions/checker.ts`); it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  readonly timeout: Duration;
  readonly memorySizeMiB: number;
  readonly environment: Readonly<Record<string, string>>;
  /**
   * A fixed physical name, for a function others find by name (the verifier, the same name in every region).
   * @default - CloudFormation generates one
   */
  readonly functionName?: string;
  /** @default - no reserved concurrency */
  readonly reservedConcurrentExecutions?: number;
  /** How long an asynchronous invocation stays worth running. @default - Lambda's default (6 hours) */
  readonly maxEventAge?: Duration;
  /** Retries of a failed asynchronous invocation. @default - Lambda's default (2) */
  readonly retryAttempts?: number;
  /**
   * Source-mapped stack traces: a `.map` file in the zip and `--enable-source-maps`; they cost memory and CPU.
   * false ships no map at all. @default true
   */
  readonly sourceMaps?: boolean;
}

/**
 * A Node.js Lambda bundled by the local esbuild (never Docker), with its own log group and a role that may
 * write to that log group and nothing else until grants are added.
 */
export class MonitorFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: LogGroup;
  readonly role: Role;

  constructor(scope: Construct, id: string, props: MonitorFunctionProps) {
    super(scope, id);

    this.logGroup = new LogGroup(this, 'LogGroup', {
      retention: RetentionDays.ONE_MONTH,
      // Operational logs only; they should not outlive the stack.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // An explicit role instead of AWSLambdaBasicExecutionRole, whose log grant covers every log group.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${props.description}`,
    });
    this.logGroup.grants.write(this.role);

    const sourceMaps = props.sourceMaps ?? true;
    this.function = new NodejsFunction(this, 'Function', {
      entry: join(REPO_ROOT, props.entry),
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      handler: 'handler',
      functionName: props.functionName,
      description: props.description,
      runtime: MONITOR_RUNTIME,
      architecture: Architecture.ARM_64,
      timeout: props.timeout,
      memorySize: props.memorySizeMiB,
      role: this.role,
      logGroup: this.logGroup,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      maxEventAge: props.maxEventAge,
      retryAttempts: props.retryAttempts,
      environment: sourceMaps
        ? { ...props.environment, NODE_OPTIONS: '--enable-source-maps' }
        : props.environment,
      bundling: {
        format: OutputFormat.ESM,
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        minify: true,
        sourceMap: sourceMaps,
        // Stack traces map to file:line without shipping the sources in the zip.
        sourcesContent: false,
        // The SDK version the tests ran against, not whichever the runtime ships today. One file also imports
        // faster than the same packages resolved file by file (npm run bench:cold-start). With it, the
        // sdkV3ExcludeSmithyPackages flag, which only changes the default externals, has no effect.
        bundleAwsSDK: true,
        forceDockerBundling: false,
      },
    });
  }
}
