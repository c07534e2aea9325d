import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDoctor } from '../../../cli/commands/doctor.ts';
import type { CheckLine } from '../../../cli/core/doctor/check-line.ts';
import { createDoctorClients } from '../../../cli/core/doctor/gather/aws-clients.ts';
import { LOCAL_CLIENT, type SilentServer, startSilentServer } from '../../support/silent-server.ts';
import { ACCOUNT, ARN, captureIo, doctorDeps } from './doctor-accounts.ts';

// Real SDK clients against an endpoint that accepts connections and never answers: the deadline, not a
// mock, has to end each call.
describe('squirrel doctor against an AWS endpoint that never answers', () => {
  let silent: SilentServer;
  let repoRoot: string;

  beforeAll(async () => {
    silent = await startSilentServer();
    repoRoot = await mkdtemp(join(tmpdir(), 'doctor-silent-'));
  });
  afterAll(async () => {
    await silent.close();
    await rm(repoRoot, { recursive: true, force: true });
  });

  const run = async (phone?: string) => {
    const io = captureIo();
    const deps = doctorDeps(
      repoRoot,
      { AWS_REGION: 'us-east-1' },
      {
        callTimeoutMs: 500,
        createClients: async (region) =>
          createDoctorClients(region, { endpoint: silent.url, credentials: LOCAL_CLIENT.credentials }),
      },
    );
    const code = await runDoctor({ json: true, phone }, {}, io, deps);
    return { code, lines: io.stdout.map((text) => JSON.parse(text) as CheckLine) };
  };

  it('fails the credentials line on a silent STS and asks nothing else', async () => {
    // Act
    const { code, lines } = await run();

    // Assess
    expect(code).toBe(1);
    expect(lines.find((line) => line.check === 'credentials')).toMatchObject({
      status: 'fail',
      found: 'sts:GetCallerIdentity failed, so nothing else could be checked (no answer within 0.5 s)',
    });
    expect(lines.find((line) => line.check === 'cdk-bootstrap')?.found).toMatch(/^not checked/);
  });

  it('with working credentials, marks each silent service unknown and still prints every line', async () => {
    // Prepare
    const sts = mockClient(STSClient);
    sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: ARN });
    try {
      // Act
      const { code, lines } = await run('+14155550123');

      // Assess
      const unknown = lines.filter((line) => line.status === 'unknown').map((line) => line.found);
      expect(unknown).toEqual([
        'ssm:GetParameter did not answer in time (no answer within 0.5 s)',
        'lambda:GetAccountSettings did not answer in time (no answer within 0.5 s)',
        'sns:GetSMSSandboxAccountStatus did not answer in time (no answer within 0.5 s)',
        'sns:GetSMSSandboxAccountStatus did not answer in time (no answer within 0.5 s)',
        'sns:GetSMSAttributes did not answer in time (no answer within 0.5 s)',
        'sns:ListOriginationNumbers did not answer in time (no answer within 0.5 s)',
      ]);
      expect(lines).toHaveLength(10);
      expect(code).toBe(0);
    } finally {
      sts.restore();
    }
  });
});
