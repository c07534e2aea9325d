import * as v from 'valibot';
import { CommandError } from '../errors.ts';

/** The file the local runtime (`npm start`) writes into its data directory while it runs. */
export const RUNTIME_FILE_NAME = 'runtime.json';

const endpoint = (field: string) =>
  v.pipe(v.string(`${field} must be a string`), v.url(`${field} must be a URL`));

/** The contract with local/: where the embedded emulators listen and what the runtime created in them. */
const RuntimeFileSchema = v.object({
  pid: v.pipe(v.number('pid must be a number'), v.integer('pid must be a whole number'), v.minValue(1)),
  region: v.pipe(v.string('region must be a string'), v.nonEmpty('region must not be empty')),
  dynamodbEndpoint: endpoint('dynamodbEndpoint'),
  sqsEndpoint: endpoint('sqsEndpoint'),
  snsEndpoint: endpoint('snsEndpoint'),
  tableName: v.pipe(v.string('tableName must be a string'), v.nonEmpty('tableName must not be empty')),
  queueUrl: v.string('queueUrl must be a string'),
  dlqUrl: v.string('dlqUrl must be a string'),
  topicArn: v.pipe(v.string('topicArn must be a string'), v.startsWith('arn:', 'topicArn must be an ARN')),
  /** The runtime's own alert printer subscription endpoint (runtimes before it did not write it). */
  alertPrinterQueueArn: v.optional(v.string('alertPrinterQueueArn must be a string')),
  /** The history bucket and the S3 endpoint that serves it (runtimes before issue 13 wrote neither). */
  historyBucket: v.optional(
    v.pipe(v.string('historyBucket must be a string'), v.nonEmpty('historyBucket must not be empty')),
  ),
  s3Endpoint: v.optional(endpoint('s3Endpoint')),
  /** Alert channels (issue 14): their table, SSM parameter prefix and SSM emulator; older runtimes wrote none. */
  channelsTable: v.optional(
    v.pipe(v.string('channelsTable must be a string'), v.nonEmpty('channelsTable must not be empty')),
  ),
  channelSecretsPrefix: v.optional(
    v.pipe(
      v.string('channelSecretsPrefix must be a string'),
      v.startsWith('/', 'channelSecretsPrefix must start with /'),
    ),
  ),
  ssmEndpoint: v.optional(endpoint('ssmEndpoint')),
  /** The queue the runtime subscribes to the topic to dispatch channel deliveries: listed as the stack's own. */
  dispatchQueueArn: v.optional(v.string('dispatchQueueArn must be a string')),
  startedAt: v.optional(v.union([v.string(), v.number()])),
});

export type RuntimeFile = v.InferOutput<typeof RuntimeFileSchema>;

/** @throws CommandError naming the file and the first bad field. */
export function parseRuntimeFile(text: string, path: string): RuntimeFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new CommandError(`${path} is not valid JSON (${(error as Error).message}); restart \`npm start\``);
  }
  const result = v.safeParse(RuntimeFileSchema, raw);
  if (!result.success) {
    const issue = result.issues[0];
    const field = v.getDotPath(issue);
    const problem = issue.input === undefined && field !== null ? `${field} is missing` : issue.message;
    throw new CommandError(`${path} is not a valid runtime file: ${problem}; restart \`npm start\``);
  }
  return result.output;
}

/** The CloudFormation outputs a deployed stack must have (see infra/uptime-squirrel-stack.ts). */
export const STACK_OUTPUT_KEYS = ['TableName', 'QueueUrl', 'TopicArn', 'DeadLetterQueueUrl'] as const;

/** Outputs of later versions: a stack deployed before them lacks them, and only the commands that need them fail. */
export const OPTIONAL_STACK_OUTPUT_KEYS = [
  'HistoryBucketName',
  'ChannelsTableName',
  'ChannelSecretsPrefix',
  'DispatchQueueArn',
] as const;

export type StackOutputs = Readonly<Record<(typeof STACK_OUTPUT_KEYS)[number], string>> &
  Readonly<Partial<Record<(typeof OPTIONAL_STACK_OUTPUT_KEYS)[number], string>>>;

/** Picks the outputs the CLI needs. @throws CommandError naming the stack and every missing output. */
export function readStackOutputs(
  stackName: string,
  outputs: ReadonlyArray<{ readonly OutputKey?: string; readonly OutputValue?: string }>,
): StackOutputs {
  const byKey = new Map(outputs.map((output) => [output.OutputKey, output.OutputValue]));
  const missing = STACK_OUTPUT_KEYS.filter((key) => !byKey.get(key));
  if (missing.length > 0) {
    throw new CommandError(
      `stack ${stackName} has no output ${missing.join(', ')}: is it an uptime-squirrel stack, fully deployed?`,
    );
  }
  const present = [...STACK_OUTPUT_KEYS, ...OPTIONAL_STACK_OUTPUT_KEYS].filter((key) => byKey.get(key));
  return Object.fromEntries(present.map((key) => [key, byKey.get(key) ?? ''])) as StackOutputs;
}
