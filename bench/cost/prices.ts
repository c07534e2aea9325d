import { LAMBDA_MB_PER_VCPU } from '../settings.ts';

/**
 * AWS list prices used by the cost model: us-east-1, USD, as published on the pricing pages on the date
 * beside each. Free tiers are listed apart: the model shows the bill with and without them.
 */
export const PRICES = {
  lambda: {
    checkedOn: '2025-11-01',
    source: 'https://aws.amazon.com/lambda/pricing/ (Arm, first 7.5 billion GB-s per month)',
    perGbSecondArm: 0.000_013_333_4,
    perMillionRequests: 0.2,
    mbPerVcpu: LAMBDA_MB_PER_VCPU,
  },
  sqs: {
    checkedOn: '2025-11-01',
    source: 'https://aws.amazon.com/sqs/pricing/ (standard queue; every 64 KiB of payload is one request)',
    perMillionRequests: 0.4,
    chunkBytes: 64 * 1024,
  },
  dynamodb: {
    checkedOn: '2025-11-01',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/ (after the November 2024 price cut)',
    perMillionReadUnits: 0.125,
    perMillionWriteUnits: 0.625,
    perGbMonthStorage: 0.25,
    perGbMonthPitr: 0.2,
  },
  sns: {
    checkedOn: '2025-11-01',
    source: 'https://aws.amazon.com/sns/pricing/ (publishes; email and SMS deliveries are not counted)',
    perMillionPublishes: 0.5,
  },
  cloudwatch: {
    checkedOn: '2025-11-01',
    source: 'https://aws.amazon.com/cloudwatch/pricing/ (standard logs, custom metrics, standard alarms)',
    perGbLogsIngested: 0.5,
    perGbMonthLogsStored: 0.03,
    perCustomMetricMonth: 0.3,
    perAlarmMonth: 0.1,
  },
  route53: {
    checkedOn: '2025-11-01',
    source: 'https://aws.amazon.com/route53/pricing/ (health checks)',
    perNonAwsEndpointMonth: 0.75,
    /** Each optional feature: HTTPS, string matching, fast (10 s) interval, latency measurement. */
    perOptionalFeatureMonth: 1,
  },
  dataTransfer: {
    checkedOn: '2025-11-01',
    source:
      'https://aws.amazon.com/ec2/pricing/on-demand/ (data transfer out to the internet, first 10 TB; in is free)',
    perGbOutToInternet: 0.09,
  },
  interRegion: {
    checkedOn: '2026-12-06',
    source:
      'https://aws.amazon.com/ec2/pricing/on-demand/ (data transfer between AWS regions, out of the sending region: ' +
      '$0.02/GB from us-east-1 to most regions, $0.01/GB between some US pairs; the higher one is priced)',
    perGbOut: 0.02,
  },
  dns: {
    checkedOn: '2026-12-06',
    source:
      'https://docs.amazonaws.cn/en_us/Route53/latest/DeveloperGuide/resolver-choose-vpc.html ("Resolver pricing is ' +
      'based on the number of IP addresses in your endpoints and on the number of DNS queries that the endpoint ' +
      'processes") and https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver.html (the VPC Resolver is ' +
      'available by default in all VPCs): only queries through Resolver endpoints are billed, and the stack has none',
    /** Queries to the resolver Lambda provides (the VPC+2 Route 53 VPC Resolver inside a VPC). */
    perMillionResolverQueries: 0,
  },
  s3: {
    checkedOn: '2026-12-06',
    source:
      'https://aws.amazon.com/s3/pricing/ (S3 Standard, first 50 TB; PUT/COPY/POST/LIST per 1,000, GET per 1,000; DELETE and lifecycle expiration free)',
    perGbMonth: 0.023,
    perThousandPuts: 0.005,
    perThousandGets: 0.000_4,
  },
  cloudfront: {
    checkedOn: '2026-12-06',
    source:
      'https://aws.amazon.com/cloudfront/pricing/ (pay as you go, United States/Europe, first 10 TB; HTTPS requests per 10,000; origin fetches from S3 free)',
    perGbOut: 0.085,
    perTenThousandHttpsRequests: 0.01,
  },
  firehose: {
    checkedOn: '2026-12-06',
    source:
      'https://aws.amazon.com/firehose/pricing/ (Direct PUT, first 500 TB a month; each record rounded up to the next 5 KB)',
    perGbIngested: 0.029,
    recordRoundingBytes: 5 * 1024,
  },
  logsInsights: {
    checkedOn: '2026-12-06',
    source: 'https://aws.amazon.com/cloudwatch/pricing/ (Logs Insights queries, per GB of logs scanned)',
    perGbScanned: 0.005,
  },
  sqsFifo: {
    checkedOn: '2026-12-06',
    source:
      'https://aws.amazon.com/sqs/pricing/ (FIFO queue, first 100 billion requests; 64 KiB chunks like standard)',
    perMillionRequests: 0.5,
  },
  kms: {
    checkedOn: '2026-12-06',
    source:
      'https://aws.amazon.com/kms/pricing/ (symmetric requests; "you will be charged on any API request made to ' +
      'AWS-managed keys", and no monthly charge for AWS-managed keys such as aws/ssm)',
    perTenThousandRequests: 0.03,
  },
  ssm: {
    checkedOn: '2026-12-06',
    source:
      'https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-throughput.html and ' +
      'parameter-store-advanced-parameters.html (standard parameters: no additional charge; the default standard ' +
      'throughput: no additional cost)',
    perStandardGetParameter: 0,
  },
  synthetics: {
    checkedOn: '2025-11-01',
    source: 'https://aws.amazon.com/cloudwatch/pricing/ (Synthetics, per canary run)',
    perCanaryRun: 0.0012,
  },
} as const;

/** Monthly free tiers that never expire (not the 12-month new-account ones). */
export const ALWAYS_FREE = {
  lambdaGbSeconds: 400_000,
  lambdaRequests: 1_000_000,
  sqsRequests: 1_000_000,
  snsPublishes: 1_000_000,
  logsIngestedGb: 5,
  customMetrics: 10,
  alarms: 10,
  dataTransferOutGb: 100,
  /** CloudFront's always-free tier: 1 TB out and 10 million HTTP(S) requests a month. */
  cloudfrontGbOut: 1024,
  cloudfrontRequests: 10_000_000,
  /** KMS: 20,000 requests a month across all regions. */
  kmsRequests: 20_000,
} as const;

/** AWS bills a month as 730 hours. */
export const MINUTES_PER_MONTH = 730 * 60;
