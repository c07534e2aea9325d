import { readdirSync } from 'node:fs';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ENV } from '../../functions/config.ts';
import { verifierFunctionNameOf, verifierStackNameOf } from '../../infra/verifier-names.ts';
import { motoClientConfig, TIER_ACCOUNT_ID, TIER_REGION } from './support/aws-environment.ts';
import { ACCEPTED_FINDINGS, describeFinding, LINT_TIMEOUT_MS, lintTemplate } from './support/cfn-lint.ts';
import { type CreatedStack, createStackInMoto } from './support/deploy.ts';
import { type MotoServer, startMotoServer } from './support/moto-server.ts';
import { Summary } from './support/summary.ts';
import { type Assembly, assemblyOf, synthesizeApp, TIER_DEPLOY_CONFIG } from './support/synth.ts';

// Issue 15: the home stack with one verifier region, and that region's verifier stack, as `cdk deploy --all` would
// deploy them: synthesized by the CDK CLI offline (home region from AWS_REGION, as the CLI resolves it), each
// created in its own region of one moto server.
const STACK_NAME = 'squirrel-aws-verify';
const VERIFIER_REGION = 'us-west-2';
const VERIFY_CONFIG = { ...TIER_DEPLOY_CONFIG, stackName: STACK_NAME, verifierRegions: [VERIFIER_REGION] };
const FUNCTION_NAME = verifierFunctionNameOf(STACK_NAME);
const VERIFIER_STACK = verifierStackNameOf(STACK_NAME, VERIFIER_REGION);

// A second synth (≤ 180 s, ~130 s measured on a busy machine) beside moto's start, then two creates (each ≤ 120 s):
// more than the config's 240 s hook bound, which counts on one create.
const SETUP_TIMEOUT_MS = 420_000;

const summary = new Summary(inject('workDir'), 'c-verifiers');
let moto: MotoServer | undefined;
let home: Assembly;
let verifier: Assembly;
let homeStack: CreatedStack;
let verifierStack: CreatedStack;
const clients: { destroy(): void }[] = [];

beforeAll(async () => {
  const startedMs = Date.now();
  const [outdir, server] = await Promise.all([
    synthesizeApp(inject('workDir'), 'cdk.out-verifiers', VERIFY_CONFIG, { AWS_REGION: TIER_REGION }),
    startMotoServer(),
  ]);
  moto = server;
  const synthSeconds = ((Date.now() - startedMs) / 1000).toFixed(1);
  home = assemblyOf(outdir, STACK_NAME);
  verifier = assemblyOf(outdir, VERIFIER_STACK);
  // The verifier first, as `cdk deploy --all` orders them (the home stack depends on it).
  verifierStack = await createStackInMoto(verifier, server.endpoint, inject('workDir'), VERIFIER_REGION);
  homeStack = await createStackInMoto(home, server.endpoint, inject('workDir'), TIER_REGION);
  summary.add(
    `verifiers: cdk synth of ${readdirSync(outdir).filter((name) => name.endsWith('.template.json')).length} stacks ` +
      `in ${synthSeconds} s; ${VERIFIER_STACK} CREATE_COMPLETE in ${VERIFIER_REGION} (${(verifierStack.createMs / 1000).toFixed(1)} s), ` +
      `${STACK_NAME} in ${TIER_REGION} (${(homeStack.createMs / 1000).toFixed(1)} s)`,
  );
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  for (const client of clients) client.destroy();
  await moto?.stop();
});

const lambdaIn = (region: string) => {
  const client = new LambdaClient({ ...motoClientConfig(moto?.endpoint ?? ''), region });
  clients.push(client);
  return client;
};

describe('a verifier stack in a second region, and the home stack naming it (moto)', () => {
  it('creates the verifier in its own region only, with the fixed name, its location, 45 s and 256 MB', async () => {
    // Act
    const there = await lambdaIn(VERIFIER_REGION).send(
      new GetFunctionConfigurationCommand({ FunctionName: FUNCTION_NAME }),
    );
    const atHome = await lambdaIn(TIER_REGION)
      .send(new GetFunctionConfigurationCommand({ FunctionName: FUNCTION_NAME }))
      .then(
        () => 'found',
        (error: Error) => error.name,
      );

    // Assess
    expect(there).toMatchObject({
      FunctionName: FUNCTION_NAME,
      FunctionArn: `arn:aws:lambda:${VERIFIER_REGION}:${TIER_ACCOUNT_ID}:function:${FUNCTION_NAME}`,
      Timeout: 45,
      MemorySize: 256,
      Environment: { Variables: { [ENV.verifierLocation]: VERIFIER_REGION } },
    });
    expect(atHome).toBe('ResourceNotFoundException');
    expect(verifierStack.outputs).toEqual({
      VerifierFunctionName: FUNCTION_NAME,
      VerifierLocation: VERIFIER_REGION,
    });
  });

  it("tells the home checker the regions, the name and its own location, and lets it invoke exactly the verifier's ARN", async () => {
    // Prepare
    const checkerId = homeStack.resources.find(
      (resource) =>
        resource.ResourceType === 'AWS::Lambda::Function' &&
        resource.LogicalResourceId?.startsWith('CheckerFunction'),
    )?.PhysicalResourceId;
    const checkerRole = homeStack.resources.find(
      (resource) =>
        resource.ResourceType === 'AWS::IAM::Role' && resource.LogicalResourceId?.startsWith('CheckerRole'),
    )?.PhysicalResourceId;

    // Act
    const checker = await lambdaIn(TIER_REGION).send(
      new GetFunctionConfigurationCommand({ FunctionName: checkerId }),
    );
    const verifierArn = (
      await lambdaIn(VERIFIER_REGION).send(
        new GetFunctionConfigurationCommand({ FunctionName: FUNCTION_NAME }),
      )
    ).FunctionArn;
    const documents = await inlinePolicies(moto?.endpoint ?? '', checkerRole ?? '');

    // Assess
    expect(checker.Environment?.Variables).toMatchObject({
      [ENV.verifierRegions]: VERIFIER_REGION,
      [ENV.verifierFunctionName]: FUNCTION_NAME,
      [ENV.homeLocation]: TIER_REGION,
    });
    const invoke = documents
      .flatMap((document) => document.Statement)
      .filter((statement) => [statement.Action].flat().includes('lambda:InvokeFunction'));
    expect(invoke).toEqual([{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: verifierArn }]);
    expect(homeStack.outputs).toMatchObject({
      VerifierRegions: VERIFIER_REGION,
      VerifierFunctionName: FUNCTION_NAME,
    });
    summary.add(
      `verifiers: the checker may invoke ${verifierArn} (the deployed verifier's ARN) and nothing else`,
    );
  });
});

type PolicyDocument = { Statement: { Effect: string; Action: string | string[]; Resource: unknown }[] };

/**
 * IAM's Query API at moto, for the one read the tier needs (no IAM client is a dependency of the project): moto
 * routes a request by the service in its Authorization header's credential scope and does not check the signature.
 */
async function iamQuery(endpoint: string, parameters: Record<string, string>): Promise<string> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization:
        'AWS4-HMAC-SHA256 Credential=aws-tier-test/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: new URLSearchParams({ ...parameters, Version: '2010-05-08' }).toString(),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`IAM ${parameters.Action}: HTTP ${response.status} ${text}`);
  return text;
}

const elementsOf = (xml: string, tag: string): string[] =>
  [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((match) => match[1] ?? '');

/** The role's inline policies as moto holds them (CDK attaches the grants as an inline AWS::IAM::Policy). */
async function inlinePolicies(endpoint: string, roleName: string): Promise<PolicyDocument[]> {
  const listed = await iamQuery(endpoint, { Action: 'ListRolePolicies', RoleName: roleName });
  const documents: PolicyDocument[] = [];
  for (const policyName of elementsOf(listed, 'member')) {
    const policy = await iamQuery(endpoint, {
      Action: 'GetRolePolicy',
      RoleName: roleName,
      PolicyName: policyName,
    });
    const [text = '{}'] = elementsOf(policy, 'PolicyDocument');
    const unescaped = text
      .replaceAll('&quot;', '"')
      .replaceAll('&amp;', '&')
      .replaceAll('&lt;', '<')
      .replaceAll('&gt;', '>');
    documents.push(JSON.parse(decodeURIComponent(unescaped)) as PolicyDocument);
  }
  return documents;
}

describe('cfn-lint on the verifier and home templates', () => {
  it(
    'finds no error, and only the warnings the tier justifies',
    async () => {
      // Act
      const [verifierFindings, homeFindings] = await Promise.all([
        lintTemplate(verifier.templatePath),
        lintTemplate(home.templatePath),
      ]);

      // Assess
      for (const findings of [verifierFindings, homeFindings]) {
        expect(findings.filter((finding) => finding.Level === 'Error').map(describeFinding)).toEqual([]);
        expect(
          findings.filter((finding) => !(finding.Rule.Id in ACCEPTED_FINDINGS)).map(describeFinding),
        ).toEqual([]);
      }
      summary.add(
        `verifiers: cfn-lint ${verifierFindings.length} finding(s) on ${VERIFIER_STACK}, ${homeFindings.length} on ${STACK_NAME}, none unjustified`,
      );
    },
    LINT_TIMEOUT_MS + 60_000,
  );
});
