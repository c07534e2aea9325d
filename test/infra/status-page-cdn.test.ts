import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/config.ts';
import { STATUS_PAGE_HTML } from '../../functions/status-page/page-shell.ts';
import { STATUS_PAGE_CONTENT_SECURITY_POLICY } from '../../infra/status-page-cdn.ts';
import { securityHeadersFor } from '../../local/status-page-server.ts';
import { NO_CONTACT_CONFIG, OutdirPool, onlyResource, synthStack } from './synth-stack.ts';

// One synth of the whole stack: ~3-20 s on a busy 2-core machine.
const SYNTH_TIMEOUT_MS = 120_000;
const outdirs = new OutdirPool();
afterAll(() => outdirs.removeAll());

const BASE = { ...NO_CONTACT_CONFIG, checkerReservation: 'off' } as const;
const fanOutVariables = (template: Template) =>
  (
    onlyResource(template, 'AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [ENV.scanSegments]: Match.anyValue() }) },
    }).properties.Environment as { Variables: Record<string, unknown> }
  ).Variables;

describe('StatusPageCdn', () => {
  let template: Template;
  let distribution: Record<string, unknown>;

  beforeAll(() => {
    template = synthStack(outdirs, { config: BASE }).template;
    distribution = onlyResource(template, 'AWS::CloudFront::Distribution').properties
      .DistributionConfig as Record<string, unknown>;
  }, SYNTH_TIMEOUT_MS);

  it('serves only the status/public/ prefix of the history bucket, signed with origin access control', () => {
    // Assess
    const bucket = onlyResource(template, 'AWS::S3::Bucket').logicalId;
    const oac = onlyResource(template, 'AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: Match.objectLike({
        OriginAccessControlOriginType: 's3',
        SigningBehavior: 'always',
        SigningProtocol: 'sigv4',
      }),
    }).logicalId;
    expect(distribution.Origins).toEqual([
      expect.objectContaining({
        DomainName: { 'Fn::GetAtt': [bucket, 'RegionalDomainName'] },
        OriginPath: '/status/public',
        OriginAccessControlId: { 'Fn::GetAtt': [oac, 'Id'] },
        S3OriginConfig: { OriginAccessIdentity: '' },
      }),
    ]);
  });

  it('answers / with index.html, redirects HTTP to HTTPS, compresses, GET and HEAD only, cheapest price class', () => {
    // Assess
    expect(distribution).toMatchObject({
      DefaultRootObject: 'index.html',
      PriceClass: 'PriceClass_100',
      Enabled: true,
      DefaultCacheBehavior: {
        ViewerProtocolPolicy: 'redirect-to-https',
        Compress: true,
        AllowedMethods: ['GET', 'HEAD'],
      },
    });
  });

  it('pins the page script by hash in its CSP, as the local page server does (no inline script runs but the page)', () => {
    // Assess
    expect(STATUS_PAGE_CONTENT_SECURITY_POLICY).toBe(
      securityHeadersFor(STATUS_PAGE_HTML)['Content-Security-Policy'],
    );
    expect(STATUS_PAGE_CONTENT_SECURITY_POLICY).toMatch(/script-src 'sha256-[A-Za-z0-9+/]+=*'/);
    expect(STATUS_PAGE_CONTENT_SECURITY_POLICY).not.toMatch(/script-src[^;]*unsafe-inline/);
  });

  it('adds security headers (CSP, HSTS, nosniff, no framing, no referrer) and lets any origin read status.json', () => {
    // Assess
    const policy = onlyResource(template, 'AWS::CloudFront::ResponseHeadersPolicy');
    expect((distribution.DefaultCacheBehavior as Record<string, unknown>).ResponseHeadersPolicyId).toEqual({
      Ref: policy.logicalId,
    });
    expect(policy.properties.ResponseHeadersPolicyConfig).toMatchObject({
      SecurityHeadersConfig: {
        ContentSecurityPolicy: { ContentSecurityPolicy: STATUS_PAGE_CONTENT_SECURITY_POLICY, Override: true },
        ContentTypeOptions: { Override: true },
        FrameOptions: { FrameOption: 'DENY', Override: true },
        ReferrerPolicy: { ReferrerPolicy: 'no-referrer', Override: true },
        StrictTransportSecurity: { AccessControlMaxAgeSec: 31_536_000, Override: true },
      },
      CorsConfig: {
        AccessControlAllowOrigins: { Items: ['*'] },
        AccessControlAllowMethods: { Items: ['GET', 'HEAD'] },
        AccessControlAllowCredentials: false,
      },
    });
  });

  it('lets only this distribution read, through its SourceArn', () => {
    // Assess
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Condition: {
              StringEquals: {
                'AWS:SourceArn': {
                  'Fn::Join': [
                    '',
                    Match.arrayWith([
                      { Ref: onlyResource(template, 'AWS::CloudFront::Distribution').logicalId },
                    ]),
                  ],
                },
              },
            },
          }),
        ]),
      },
    });
  });

  it('gives its https URL in the StatusPageUrl output', () => {
    // Assess
    template.hasOutput('StatusPageUrl', {
      Value: {
        'Fn::Join': [
          '',
          [
            'https://',
            {
              'Fn::GetAtt': [onlyResource(template, 'AWS::CloudFront::Distribution').logicalId, 'DomainName'],
            },
            '/',
          ],
        ],
      },
    });
  });

  it('tells the fan-out the default title and no public owner when statusPage is not set', () => {
    // Assess
    expect(fanOutVariables(template)).toMatchObject({
      [ENV.publicOwners]: '',
      [ENV.statusPageTitle]: 'Status',
    });
  });

  it(
    'tells the fan-out statusPage.title and publicOwners from the deploy settings',
    () => {
      // Act
      const { template: withPage } = synthStack(outdirs, {
        config: { ...BASE, statusPage: { title: 'Acme status', publicOwners: ['ops', 'web'] } },
      });

      // Assess
      expect(fanOutVariables(withPage)).toMatchObject({
        [ENV.publicOwners]: 'ops,web',
        [ENV.statusPageTitle]: 'Acme status',
      });
    },
    SYNTH_TIMEOUT_MS,
  );

  it(
    'leaves CloudFront and StatusPageUrl out with statusPage.cdn false, keeping the bucket and its grants',
    () => {
      // Act
      const { template: withoutCdn } = synthStack(outdirs, {
        config: { ...BASE, statusPage: { cdn: false } },
      });

      // Assess
      for (const type of [
        'AWS::CloudFront::Distribution',
        'AWS::CloudFront::OriginAccessControl',
        'AWS::CloudFront::ResponseHeadersPolicy',
      ]) {
        withoutCdn.resourceCountIs(type, 0);
      }
      expect(Object.keys(withoutCdn.findOutputs('StatusPageUrl'))).toEqual([]);
      withoutCdn.hasOutput('HistoryBucketName', Match.anyValue());
      withoutCdn.resourceCountIs('AWS::S3::Bucket', 1);
    },
    SYNTH_TIMEOUT_MS,
  );
});
