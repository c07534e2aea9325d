import { Duration, Stack, Validations } from 'aws-cdk-lib';
import {
  AllowedMethods,
  CachePolicy,
  type CfnDistribution,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  OriginBase,
  PriceClass,
  ResponseHeadersPolicy,
  S3OriginAccessControl,
  Signing,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { PUBLIC_PAGE_KEYS, PUBLIC_PAGE_PREFIX } from '../functions/domain/history/history-keys.ts';
import { contentSecurityPolicyFor } from '../functions/status-page/content-security-policy.ts';
import { STATUS_PAGE_HTML } from '../functions/status-page/page-shell.ts';

/** CloudFront serves the bucket from this path down: `/status.json` is the object `status/public/status.json`. */
export const PUBLIC_PAGE_ORIGIN_PATH = `/${PUBLIC_PAGE_PREFIX.replace(/\/$/, '')}`;

/**
 * The page is one HTML file with inline CSS and an inline script that fetches status.json from the same origin:
 * nothing else may load, frame it or be sent anywhere. Its script is pinned by hash, as the local page server does:
 * the fan-out uploads the page from the same build the stack is synthesized from.
 */
export const STATUS_PAGE_CONTENT_SECURITY_POLICY = contentSecurityPolicyFor(STATUS_PAGE_HTML);

export interface StatusPageCdnProps {
  readonly bucket: IBucket;
}

/**
 * The bucket's `status/public/` prefix as a website, through S3 origin access control: the bucket stays private,
 * CloudFront signs its reads, and the bucket policy lets this distribution read that prefix and nothing else.
 */
export class StatusPageCdn extends Construct {
  readonly distribution: Distribution;

  constructor(scope: Construct, id: string, props: StatusPageCdnProps) {
    super(scope, id);
    const originAccessControl = new S3OriginAccessControl(this, 'OriginAccessControl', {
      description: 'uptime-squirrel status page: CloudFront reads status/public/ of the history bucket',
      signing: Signing.SIGV4_ALWAYS,
    });

    const headers = new ResponseHeadersPolicy(this, 'ResponseHeaders', {
      comment: 'uptime-squirrel status page: security headers; status.json readable by any site (badges)',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: STATUS_PAGE_CONTENT_SECURITY_POLICY, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: true,
          override: true,
        },
      },
      // status.json is public data meant for badges and other pages: any origin may read it, without cookies.
      corsBehavior: {
        accessControlAllowOrigins: ['*'],
        accessControlAllowMethods: ['GET', 'HEAD'],
        // A simple GET needs none; CloudFront requires the list to be non-empty.
        accessControlAllowHeaders: ['*'],
        accessControlAllowCredentials: false,
        originOverride: true,
      },
    });

    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'uptime-squirrel public status page',
      defaultRootObject: PUBLIC_PAGE_KEYS.page.slice(PUBLIC_PAGE_PREFIX.length),
      // North America and Europe edges: the cheapest class; viewers elsewhere are served from those.
      priceClass: PriceClass.PRICE_CLASS_100,
      httpVersion: HttpVersion.HTTP2_AND_3,
      defaultBehavior: {
        origin: new PublicPrefixOrigin(props.bucket, originAccessControl.originAccessControlId),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        compress: true,
        // Honours the objects' Cache-Control (status.json: max-age=30), so the edge asks S3 at most twice a minute.
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
      },
    });

    props.bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'StatusPageCdnReadsPublicPrefix',
        principals: [new ServicePrincipal('cloudfront.amazonaws.com')],
        actions: ['s3:GetObject'],
        resources: [props.bucket.arnForObjects(`${PUBLIC_PAGE_PREFIX}*`)],
        conditions: {
          StringEquals: {
            'AWS:SourceArn': Stack.of(this).formatArn({
              service: 'cloudfront',
              region: '',
              resource: 'distribution',
              resourceName: this.distribution.distributionId,
            }),
          },
        },
      }),
    );

    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-CFR1',
        reason: 'A public status page is for everyone: no geo restriction.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-CFR2',
        reason:
          'No WAF: a web ACL costs at least $5 a month plus requests, more than the whole monitor; the page is static, cached and read-only (GET/HEAD).',
      },
      {
        id: 'AwsSolutions::AwsSolutions-CFR3',
        reason:
          'No access logs: a log bucket and per-request log objects for a static public page that holds no secrets.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-CFR4',
        reason:
          'The default *.cloudfront.net certificate: CloudFront fixes its minimum TLS version (TLSv1) and only a custom domain with its own certificate can raise it; the stack has no domain.',
      },
    );
  }
}

/**
 * The bucket from `status/public/` down, read with origin access control. aws-cdk-lib's S3BucketOrigin grants its
 * distribution every object of the bucket (`arn/*`); this origin leaves the grant to StatusPageCdn, for the prefix.
 */
class PublicPrefixOrigin extends OriginBase {
  constructor(bucket: IBucket, originAccessControlId: string) {
    super(bucket.bucketRegionalDomainName, { originPath: PUBLIC_PAGE_ORIGIN_PATH, originAccessControlId });
  }

  // An S3 origin with OAC: an empty origin access identity, CloudFront signs with the OAC instead.
  protected override renderS3OriginConfig(): CfnDistribution.S3OriginConfigProperty {
    return { originAccessIdentity: '' };
  }
}
