import { describe, expect, it } from 'vitest';
import type { StackRequirements } from '../../../../cli/core/doctor/facts.ts';
import { checkLambdaRuntime, nodeMajorOf } from '../../../../cli/core/doctor/runtime-check.ts';

const requirements = (latestNodeRuntimeInRegion: string | undefined): StackRequirements => ({
  bootstrapVersion: 6,
  bootstrapQualifier: 'hnb659fds',
  runtime: 'nodejs24.x',
  latestNodeRuntimeInRegion,
  regionFactsSource: 'aws-cdk-lib 2.276.0',
});

describe('checkLambdaRuntime', () => {
  it('passes a documented arm64 region whose newest Node.js runtime is the stack’s, and says the source', () => {
    // Act
    const line = checkLambdaRuntime(requirements('nodejs24.x'), 'eu-west-1');

    // Assess
    expect(line.status).toBe('pass');
    expect(line.found).toBe(
      "nodejs24.x on arm64: arm64 documented for eu-west-1; aws-cdk-lib 2.276.0 lists nodejs24.x as eu-west-1's newest Node.js runtime (documented lists, no AWS API reports this)",
    );
  });

  it('fails a region whose newest Node.js runtime is older than the stack’s', () => {
    // Act
    const line = checkLambdaRuntime(requirements('nodejs22.x'), 'eu-west-1');

    // Assess
    expect(line.status).toBe('fail');
    expect(line.fix).toContain('https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html');
  });

  it('warns for a region neither list knows, pointing at the arm64 price list', () => {
    // Act
    const line = checkLambdaRuntime(requirements(undefined), 'xx-north-9');

    // Assess
    expect(line.status).toBe('warn');
    expect(line.found).toContain('arm64 not confirmed for xx-north-9');
    expect(line.found).toContain("xx-north-9 is not in aws-cdk-lib 2.276.0's region facts");
    expect(line.fix).toContain('https://aws.amazon.com/lambda/pricing/');
  });

  it('reads the Node.js major version of a runtime name', () => {
    expect([nodeMajorOf('nodejs24.x'), nodeMajorOf('nodejs8.10'), nodeMajorOf('python3.13')]).toEqual([
      24,
      undefined,
      undefined,
    ]);
  });
});
