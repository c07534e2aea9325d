// Prints `squirrel doctor` as it reads on a brand-new AWS account (mocked with aws-sdk-client-mock: quota 10,
// not bootstrapped, SMS sandbox, the $1 default limit, no origination numbers, an unverified US phone).
// The text the closing note and docs/preflight.md show comes from here, not from a hand-typed copy:
//   npx tsx test/cli/commands/doctor-print-new-account.ts
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDoctor } from '../../../cli/commands/doctor.ts';
import { captureIo, doctorDeps, mockAccountClients, mockNewAccount, US_PHONE } from './doctor-accounts.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const repoRoot = await mkdtemp(join(tmpdir(), 'doctor-new-account-'));
const mocks = mockAccountClients();
try {
  mockNewAccount(mocks);
  await writeFile(
    join(repoRoot, 'squirrel.config.json'),
    JSON.stringify({ alertEmail: 'ops@example.com', alertPhone: US_PHONE }),
  );
  const io = captureIo();
  const code = await runDoctor({}, {}, io, doctorDeps(repoRoot, { AWS_REGION: 'us-east-1' }));
  process.stdout.write(`$ AWS_REGION=us-east-1 npm run preflight\n${io.stdout.join('\n')}\n(exit ${code})\n`);
} finally {
  mocks.restore();
  await rm(repoRoot, { recursive: true, force: true });
}
