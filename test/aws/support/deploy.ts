import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  paginateListStackResources,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation';
import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import * as v from 'valibot';
import { motoClientConfig, TIER_ACCOUNT_ID, TIER_REGION } from './aws-environment.ts';
import type { Assembly } from './synth.ts';

// A current bootstrap stack's version; the template's CheckBootstrapVersion rule refuses 1-5.
const BOOTSTRAP_VERSION = '30';
const CREATE_TIMEOUT_MS = 120_000;
const POLL_INTERVAL_MS = 250;
const ZIP_TIMEOUT_MS = 60_000;

const AssetManifestSchema = v.object({
  files: v.record(
    v.string(),
    v.object({
      source: v.object({ path: v.string(), packaging: v.optional(v.picklist(['file', 'zip']), 'file') }),
      destinations: v.record(v.string(), v.object({ bucketName: v.string(), objectKey: v.string() })),
    }),
  ),
});

const TemplateSchema = v.object({
  Parameters: v.object({ BootstrapVersion: v.object({ Default: v.string() }) }),
});

/** A stack created in moto, and what it took. */
export interface CreatedStack {
  readonly stackName: string;
  readonly outputs: Readonly<Record<string, string>>;
  readonly resources: readonly StackResourceSummary[];
  readonly createMs: number;
  readonly assetsUploaded: number;
  /** FIFO queues the tier named for moto (nameFifoQueuesLikeCloudFormation). */
  readonly fifoQueuesNamed: readonly string[];
}

const pseudoParameters = (region: string): Readonly<Record<string, string>> => ({
  AccountId: TIER_ACCOUNT_ID,
  Region: region,
  Partition: 'aws',
});

/** Fills in the asset manifest's `${AWS::AccountId}`-style placeholders, as the CDK CLI does. */
export const fillPlaceholders = (text: string, region: string = TIER_REGION): string =>
  text.replace(
    /\$\{AWS::(\w+)\}/g,
    (placeholder, name: string) => pseudoParameters(region)[name] ?? placeholder,
  );

/**
 * moto 5.2 names a FIFO queue created without QueueName the way it names a standard one, without the `.fifo` its
 * own SQS then demands ("Queue name must end in .fifo for FIFO queues"); CloudFormation generates a name ending in
 * `.fifo`. So the tier names those queues as CloudFormation would (`<stack>-<logicalId>…​.fifo`, ≤ 80 characters)
 * before CreateStack, and changes nothing else. Returns the template and the logical ids it named.
 */
export function nameFifoQueuesLikeCloudFormation(
  templateBody: string,
  stackName: string,
): { templateBody: string; named: string[] } {
  const template = JSON.parse(templateBody) as {
    Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
  };
  const named: string[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    const properties = resource.Properties ?? {};
    if (resource.Type !== 'AWS::SQS::Queue' || properties.FifoQueue !== true || 'QueueName' in properties)
      continue;
    properties.QueueName = `${`${stackName}-${logicalId}`.slice(0, 80 - '.fifo'.length)}.fifo`;
    named.push(logicalId);
  }
  return { templateBody: JSON.stringify(template), named };
}

/** Packs an asset directory the way `cdk deploy` does: its contents at the root of the zip. */
async function zipDirectory(directory: string, zipPath: string): Promise<Buffer> {
  await promisify(execFile)('python3', ['-m', 'zipfile', '-c', zipPath, ...readdirSync(directory)], {
    cwd: directory,
    timeout: ZIP_TIMEOUT_MS,
  });
  return readFileSync(zipPath);
}

/**
 * Does what `cdk bootstrap` + `cdk deploy` do, against moto: the bootstrap bucket and version parameter, every
 * asset of the manifest uploaded (directories zipped), then CreateStack with the template, waiting for
 * CREATE_COMPLETE. @throws Error with the failed resources' reasons when the stack does not complete.
 */
export async function createStackInMoto(
  assembly: Assembly,
  endpoint: string,
  workDir: string,
  region: string = TIER_REGION,
): Promise<CreatedStack> {
  const config = { ...motoClientConfig(endpoint), region };
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const ssm = new SSMClient(config);
  const cloudFormation = new CloudFormationClient(config);
  try {
    const manifest = v.parse(
      AssetManifestSchema,
      JSON.parse(readFileSync(assembly.assetManifestPath, 'utf8')),
    );
    const { templateBody, named } = nameFifoQueuesLikeCloudFormation(
      readFileSync(assembly.templatePath, 'utf8'),
      assembly.stackName,
    );
    const template = v.parse(TemplateSchema, JSON.parse(templateBody));

    await ssm.send(
      new PutParameterCommand({
        Name: template.Parameters.BootstrapVersion.Default,
        Value: BOOTSTRAP_VERSION,
        Type: 'String',
        Overwrite: true,
      }),
    );
    const buckets = new Set<string>();
    let assetsUploaded = 0;
    for (const [assetId, asset] of Object.entries(manifest.files)) {
      const sourcePath = join(assembly.outdir, asset.source.path);
      const body =
        asset.source.packaging === 'zip'
          ? await zipDirectory(sourcePath, join(workDir, `${assetId}.zip`))
          : readFileSync(sourcePath);
      for (const destination of Object.values(asset.destinations)) {
        const bucket = fillPlaceholders(destination.bucketName, region);
        if (!buckets.has(bucket)) {
          await s3.send(
            new CreateBucketCommand({
              Bucket: bucket,
              CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint },
            }),
          );
          buckets.add(bucket);
        }
        await s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: fillPlaceholders(destination.objectKey, region),
            Body: body,
          }),
        );
        assetsUploaded += 1;
      }
    }

    const startedMs = Date.now();
    await cloudFormation.send(
      new CreateStackCommand({
        StackName: assembly.stackName,
        TemplateBody: templateBody,
        Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'],
      }),
    );
    const stack = await waitForCreate(cloudFormation, assembly.stackName);
    const createMs = Date.now() - startedMs;
    const resources: StackResourceSummary[] = [];
    for await (const page of paginateListStackResources(
      { client: cloudFormation },
      { StackName: assembly.stackName },
    )) {
      resources.push(...(page.StackResourceSummaries ?? []));
    }
    const outputs = Object.fromEntries(
      (stack.Outputs ?? []).map((output) => [output.OutputKey ?? '', output.OutputValue ?? '']),
    );
    return {
      stackName: assembly.stackName,
      outputs,
      resources,
      createMs,
      assetsUploaded,
      fifoQueuesNamed: named,
    };
  } finally {
    s3.destroy();
    ssm.destroy();
    cloudFormation.destroy();
  }
}

async function waitForCreate(cloudFormation: CloudFormationClient, stackName: string) {
  const deadlineMs = Date.now() + CREATE_TIMEOUT_MS;
  for (;;) {
    const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = Stacks?.[0];
    const status = stack?.StackStatus ?? 'MISSING';
    if (stack !== undefined && status === 'CREATE_COMPLETE') return stack;
    if (!status.endsWith('_IN_PROGRESS') || Date.now() > deadlineMs) {
      const { StackEvents = [] } = await cloudFormation.send(
        new DescribeStackEventsCommand({ StackName: stackName }),
      );
      const reasons = StackEvents.filter((event) => event.ResourceStatus?.endsWith('FAILED')).map(
        (event) =>
          `  ${event.LogicalResourceId} ${event.ResourceStatus}: ${event.ResourceStatusReason ?? ''}`,
      );
      throw new Error(`stack ${stackName} ended ${status}, not CREATE_COMPLETE\n${reasons.join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}
