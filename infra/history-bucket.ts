import { type CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { Construct, type IConstruct } from 'constructs';
import {
  DAILY_PREFIX,
  HOURLY_PREFIX,
  INCIDENTS_PREFIX,
  PUBLIC_PAGE_PREFIX,
  PUBLIC_SUMMARY_KEY,
  RAW_PREFIX,
  RAW_RETENTION_DAYS,
  ROLLUP_RETENTION_DAYS,
} from '../functions/domain/history/history-keys.ts';

/** Every history object (raw batches, rollups, incidents, summary, compactor state) lives under this prefix. */
export const HISTORY_PREFIX = 'history/';

/**
 * The history bucket (issue 13): raw check batches, rollups, incidents, the summary, and the public page's files.
 * Private to the account: nothing in it is public, the CDN reads `status/public/` through its own grant.
 */
export class HistoryBucket extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: BucketEncryption.S3_MANAGED,
      // Overwrites are the design (the day's rollup, the summary, status.json every minute): versions would only
      // keep stale copies at a price.
      versioned: false,
      lifecycleRules: [
        { id: 'RawBatches', prefix: RAW_PREFIX, expiration: Duration.days(RAW_RETENTION_DAYS) },
        { id: 'HourlyRollups', prefix: HOURLY_PREFIX, expiration: Duration.days(ROLLUP_RETENTION_DAYS) },
        { id: 'DailyRollups', prefix: DAILY_PREFIX, expiration: Duration.days(ROLLUP_RETENTION_DAYS) },
        // Every object is one small PUT; a multipart upload is only ever a failed client's leftover.
        { id: 'IncompleteUploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      // A year of history is the users' data like the sites themselves: `cdk destroy` (or a replacement) leaves
      // the bucket and everything in it, as it leaves the table. To delete it on purpose, after `cdk destroy`:
      //   aws s3 rb s3://<HistoryBucketName output> --force
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Server access logs would need a second bucket and cost per request logged, for a bucket no person reads
    // directly: its readers are the stack's own roles (CloudTrail covers API calls) and the CDN.
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions::AwsSolutions-S1',
      reason:
        'No server access logs: a second bucket and a log object per request for a bucket only the stack roles and the CDN read.',
    });
  }

  /** The checker: one raw batch per invocation, nothing else (not even reading it back). */
  grantRawBatchWrites(grantee: IGrantable): void {
    this.#grant(grantee, ['s3:PutObject'], [`${RAW_PREFIX}*`], 'writes raw batches under history/raw/');
  }

  /** The fan-out: reads the public sites' summary (absent until the first compaction), writes the public page's files. */
  grantPagePublishing(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [this.bucket.arnForObjects(PUBLIC_SUMMARY_KEY)],
      }),
    );
    this.#grantAbsentKeysAs404(grantee);
    this.#grant(
      grantee,
      ['s3:PutObject'],
      [`${PUBLIC_PAGE_PREFIX}*`],
      'writes the public page (index.html, status.json) under status/public/',
    );
  }

  /**
   * The compactor: reads and writes history objects, deletes only a deleted site's incidents file, lists the raw
   * hours it compacts; it reads and changes nothing outside `history/`.
   */
  grantCompaction(grantee: IGrantable): void {
    this.#grant(
      grantee,
      ['s3:GetObject', 's3:PutObject'],
      [`${HISTORY_PREFIX}*`],
      'reads and writes history objects under history/',
    );
    // The only objects it deletes: the incidents files of sites that no longer exist.
    this.#grant(
      grantee,
      ['s3:DeleteObject'],
      [`${INCIDENTS_PREFIX}*`],
      'deletes the incidents files of deleted sites under history/incidents/',
    );
    this.#grantAbsentKeysAs404(grantee);
  }

  /**
   * S3 answers a GET of a missing key with 404 NoSuchKey only to a caller that may list the bucket, and with 403
   * AccessDenied to anyone else; the history store reads NoSuchKey as "not there yet" (no summary before the first
   * compaction, no compactor state on its first run, no incidents file for a new site). A listing limited by an
   * `s3:prefix` condition does not count: that GET carries no prefix, so the condition fails and S3 says 403. The
   * grant is therefore the bucket's listing, unconditioned: key names only (site ids and hours), which both roles
   * already know from the table they scan; no object content.
   */
  #grantAbsentKeysAs404(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] }),
    );
  }

  // Object ARNs under a prefix end in `*` by necessity (the keys are made at run time): cdk-nag's IAM5 is
  // acknowledged for exactly that ARN, on that grantee, with what it allows.
  #grant(grantee: IGrantable, actions: string[], keyPatterns: string[], what: string): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions, resources: keyPatterns.map((key) => this.bucket.arnForObjects(key)) }),
    );
    const bucketLogicalId = Stack.of(this).getLogicalId(this.bucket.node.defaultChild as CfnElement);
    for (const key of keyPatterns) {
      Validations.of(grantee.grantPrincipal as unknown as IConstruct).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${bucketLogicalId}.Arn>/${key}]`,
        reason: `The role ${what}: object keys are made at run time (time-sorted, random suffix); the wildcard covers that prefix only.`,
      });
    }
  }
}
