import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/config.ts';
import { RAW_RETENTION_DAYS, ROLLUP_RETENTION_DAYS } from '../../functions/domain/history/history-keys.ts';
import { findSitesTable, NO_CONTACT_CONFIG, OutdirPool, onlyResource, synthStack } from './synth-stack.ts';

// One synth of the whole stack: ~3-20 s on a busy 2-core machine.
const SYNTH_TIMEOUT_MS = 120_000;
const outdirs = new OutdirPool();
afterAll(() => outdirs.removeAll());

type Statement = { Effect: string; Action: string | string[]; Resource?: unknown; Condition?: unknown };
const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

const findBucket = (template: Template) => onlyResource(template, 'AWS::S3::Bucket');
const findFunction = (template: Template, variables: Record<string, unknown>) =>
  onlyResource(template, 'AWS::Lambda::Function', {
    Environment: { Variables: Match.objectLike(variables) },
  });
const findFanOut = (template: Template) => findFunction(template, { [ENV.scanSegments]: Match.anyValue() });
// The deliverer has TOPIC_ARN too: CHECK_CONCURRENCY is the checker's alone.
const findChecker = (template: Template) =>
  findFunction(template, { [ENV.checkConcurrency]: Match.anyValue() });
const findCompactor = (template: Template) =>
  findFunction(template, { [ENV.historyBucket]: Match.anyValue(), [ENV.queueUrl]: Match.absent() });

/**
 * The statements of the identity policies attached to the role of `fn`, logs aside, each with its actions sorted
 * and its resources as a list (the template may hold either form until synth merges statements).
 */
function statementsOf(template: Template, fn: { properties: Record<string, unknown> }): Statement[] {
  const role = (fn.properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: role }]))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[])
    .filter((statement) => !asList(statement.Action).every((action) => action.startsWith('logs:')))
    .map((statement) => ({
      ...statement,
      Action: [...asList(statement.Action)].sort(),
      Resource: asList(statement.Resource),
    }));
}

const objectsUnder = (bucketId: string, key: string) => ({
  'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, `/${key}`]],
});
const theBucket = (bucketId: string) => ({ 'Fn::GetAtt': [bucketId, 'Arn'] });

describe('HistoryBucket', () => {
  let template: Template;
  let bucketId: string;

  beforeAll(() => {
    template = synthStack(outdirs, { config: { ...NO_CONTACT_CONFIG, checkerReservation: 'off' } }).template;
    bucketId = findBucket(template).logicalId;
  }, SYNTH_TIMEOUT_MS);

  it('is private: every public access blocked, S3-managed encryption, no versions', () => {
    // Assess
    expect(findBucket(template).properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
    });
    expect(findBucket(template).properties.VersioningConfiguration).toBeUndefined();
  });

  it('denies every request without TLS', () => {
    // Assess
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it(`expires raw batches after ${RAW_RETENTION_DAYS} days, rollups after ${ROLLUP_RETENTION_DAYS}, and aborts stale uploads`, () => {
    // Assess
    const rules = (findBucket(template).properties.LifecycleConfiguration as { Rules: unknown[] }).Rules;
    expect(rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Prefix: 'history/raw/',
          ExpirationInDays: RAW_RETENTION_DAYS,
          Status: 'Enabled',
        }),
        expect.objectContaining({ Prefix: 'history/hourly/', ExpirationInDays: ROLLUP_RETENTION_DAYS }),
        expect.objectContaining({ Prefix: 'history/daily/', ExpirationInDays: ROLLUP_RETENTION_DAYS }),
        expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
      ]),
    );
    // Incidents, the summary and the page have no expiry: they are kept as long as the site exists.
    expect(rules).toHaveLength(4);
    for (const rule of rules as { Prefix?: string }[]) {
      expect(rule.Prefix ?? '').not.toMatch(/^history\/(incidents|summary)|^status\//);
    }
  });

  it('outlives the stack, like the table: retained on delete and on replacement', () => {
    // Assess
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('is named to the checker, the fan-out and the compactor, and in the HistoryBucketName output', () => {
    // Assess
    for (const fn of [findChecker(template), findFanOut(template), findCompactor(template)]) {
      expect((fn.properties.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
        [ENV.historyBucket]: { Ref: bucketId },
      });
    }
    template.hasOutput('HistoryBucketName', { Value: { Ref: bucketId } });
  });

  describe('least privilege by prefix', () => {
    it('lets the checker put objects under history/raw/ and nothing else in S3', () => {
      // Assess
      const s3 = statementsOf(template, findChecker(template)).filter((s) =>
        asList(s.Action).some((action) => action.startsWith('s3:')),
      );
      expect(s3).toEqual([
        { Effect: 'Allow', Action: ['s3:PutObject'], Resource: [objectsUnder(bucketId, 'history/raw/*')] },
      ]);
    });

    it('grants the checker no s3:* and nothing on the whole bucket or all its objects', () => {
      // Assess
      for (const statement of statementsOf(template, findChecker(template))) {
        expect(asList(statement.Action)).not.toContain('s3:*');
        for (const resource of asList(statement.Resource)) {
          expect(resource).not.toEqual(theBucket(bucketId));
          expect(resource).not.toEqual(objectsUnder(bucketId, '*'));
        }
      }
    });

    it('lets the fan-out read the summary only, write under status/public/ only, and list (404 for a missing summary)', () => {
      // Assess
      const s3 = statementsOf(template, findFanOut(template)).filter((s) =>
        asList(s.Action).some((action) => action.startsWith('s3:')),
      );
      expect(s3).toEqual(
        expect.arrayContaining([
          {
            Effect: 'Allow',
            Action: ['s3:GetObject'],
            Resource: [objectsUnder(bucketId, 'history/summary-public.json.gz')],
          },
          {
            Effect: 'Allow',
            Action: ['s3:PutObject'],
            Resource: [objectsUnder(bucketId, 'status/public/*')],
          },
          { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [theBucket(bucketId)] },
        ]),
      );
      expect(s3).toHaveLength(3);
    });

    it('lets the compactor read and write under history/, delete only incidents files, list, and scan read-only', () => {
      // Assess
      const statements = statementsOf(template, findCompactor(template));
      expect(statements).toEqual(
        expect.arrayContaining([
          {
            Effect: 'Allow',
            Action: ['s3:GetObject', 's3:PutObject'],
            Resource: [objectsUnder(bucketId, 'history/*')],
          },
          {
            Effect: 'Allow',
            Action: ['s3:DeleteObject'],
            Resource: [objectsUnder(bucketId, 'history/incidents/*')],
          },
          { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [theBucket(bucketId)] },
          {
            Effect: 'Allow',
            Action: ['dynamodb:Scan'],
            Resource: [{ 'Fn::GetAtt': [findSitesTable(template).logicalId, 'Arn'] }],
          },
        ]),
      );
      expect(statements).toHaveLength(4);
    });

    it('lets nobody but CloudFront read status/public/, and nothing else, through the bucket policy', () => {
      // Assess
      const policy = onlyResource(template, 'AWS::S3::BucketPolicy');
      const allows = (
        policy.properties.PolicyDocument as { Statement: (Statement & { Principal: unknown })[] }
      ).Statement.filter((statement) => statement.Effect === 'Allow');
      expect(allows).toEqual([
        expect.objectContaining({
          Principal: { Service: 'cloudfront.amazonaws.com' },
          Action: 's3:GetObject',
          Resource: objectsUnder(bucketId, 'status/public/*'),
        }),
      ]);
    });
  });
});
