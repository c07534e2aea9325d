import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/config.ts';
import { OutdirPool, writeConfigFile } from './synth-stack.ts';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
// Three bundles, cdk-nag and a process start on 2 cores shared with other work: well above the default timeout.
const BUNDLING_TIMEOUT_MS = 240_000;
// Starting tsx and loading aws-cdk-lib alone takes seconds, more on a busy machine.
const APP_START_TIMEOUT_MS = 60_000;

const outdirs = new OutdirPool();
afterAll(() => outdirs.removeAll());

/** Runs infra/app.ts as `cdk synth` does: context in CDK_CONTEXT_JSON, output in CDK_OUTDIR. */
function runApp(config: Record<string, unknown>, context: Record<string, unknown> = {}) {
  context = { configFile: writeConfigFile(outdirs, config), ...context };
  const outdir = outdirs.create();
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'infra/app.ts'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(context) },
  });
  return { ...result, outdir };
}

describe('infra/app.ts', () => {
  it(
    'stops with the context key and the bad value before building anything',
    () => {
      // Act
      const { status, stderr, outdir } = runApp(
        { alertEmail: 'ops@example.com' },
        { alertPhone: '555-0100' },
      );

      // Assess
      expect(status).not.toBe(0);
      expect(stderr).toContain('DeployConfigError: ');
      expect(stderr).toContain('alertPhone: must be an E.164 phone number');
      expect(stderr).toContain('got "555-0100"');
      expect(readdirSync(outdir)).not.toContain('manifest.json');
    },
    APP_START_TIMEOUT_MS,
  );

  it(
    'stops when no one would hear an alert, saying which keys to set',
    () => {
      // Act
      const { status, stderr, outdir } = runApp({ checkerConcurrency: 10 });

      // Assess
      expect(status).not.toBe(0);
      expect(stderr).toContain('No alert contact: ');
      expect(stderr).toContain('"allowNoAlertContact": true');
      expect(readdirSync(outdir)).not.toContain('manifest.json');
    },
    APP_START_TIMEOUT_MS,
  );

  it(
    'bundles the six Lambdas with the local esbuild into ESM that Node can load',
    () => {
      // Act
      const { status, stderr, outdir } = runApp(
        { alertPhone: '+15555550100' },
        { alertEmail: 'ops@example.com' },
      );

      // Assess: synth passed cdk-nag (a finding makes it exit non-zero), said what is not kept, and wrote the
      // fan-out, checker, compactor, reservation-decider, channel dispatcher and deliverer bundles.
      expect(status, stderr).toBe(0);
      expect(stderr).toContain(
        'WARNING: -c alertEmail=ops@example.com applies to this synth only and is not kept: a plain `cdk deploy` goes back to the value in ',
      );
      const manifest = JSON.parse(readFileSync(join(outdir, 'uptime-squirrel.assets.json'), 'utf8')) as {
        files: Record<string, { source: { path: string; packaging: string } }>;
      };
      const bundles = Object.values(manifest.files)
        .filter((file) => file.source.packaging === 'zip')
        .map((file) => join(outdir, file.source.path, 'index.mjs'));
      expect(bundles).toHaveLength(6);
      // Each bundle carries its AWS SDK: it loads from a directory with no node_modules anywhere above it.
      expect(existsSync(join(outdir, 'node_modules'))).toBe(false);
      for (const bundle of bundles) {
        expect(statSync(bundle).size).toBeGreaterThan(0);
        const load = spawnSync(
          process.execPath,
          [
            '--input-type=module',
            '-e',
            `const m = await import(${JSON.stringify(bundle)}); if (typeof m.handler !== 'function') process.exit(3);`,
          ],
          {
            encoding: 'utf8',
            env: {
              ...process.env,
              AWS_REGION: 'us-east-1',
              [ENV.tableName]: 'sites',
              [ENV.queueUrl]: 'https://sqs.us-east-1.amazonaws.com/123456789012/checks',
              [ENV.topicArn]: 'arn:aws:sns:us-east-1:123456789012:alerts',
              // The compactor needs its bucket at cold start (the others record history when they have one).
              [ENV.historyBucket]: 'history',
              // The channel dispatcher's and deliverer's, as the stack sets them.
              [ENV.channelsTable]: 'channels',
              [ENV.deliveryQueueUrl]: 'https://sqs.us-east-1.amazonaws.com/123456789012/deliveries.fifo',
              [ENV.deliveryDeadLetterQueueUrl]:
                'https://sqs.us-east-1.amazonaws.com/123456789012/deliveries-dlq.fifo',
              [ENV.channelSecretsPrefix]: '/uptime-squirrel/uptime-squirrel/channels',
            },
          },
        );
        expect(load.status, `${bundle}: ${load.stderr}`).toBe(0);
      }
    },
    BUNDLING_TIMEOUT_MS,
  );
});
