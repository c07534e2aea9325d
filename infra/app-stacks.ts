import type { App } from 'aws-cdk-lib';
import { type AppSettings, stackPropsFrom } from './app-context.ts';
import { UptimeSquirrelStack } from './uptime-squirrel-stack.ts';
import { verifierStackNameOf } from './verifier-names.ts';
import { VerifierStack } from './verifier-stack.ts';

export interface MonitorStacks {
  readonly home: UptimeSquirrelStack;
  /** One a verifier region, in the configured order; none without verifierRegions. */
  readonly verifiers: readonly VerifierStack[];
}

/**
 * The home stack, and a verifier stack in each of `verifierRegions` (`cdk deploy --all` deploys them all). The home
 * stack depends on the verifiers only for the deploy order (verifiers first, so the checker never names a function
 * that does not exist yet); nothing crosses regions at deploy time.
 */
export function addMonitorStacks(app: App, settings: AppSettings): MonitorStacks {
  const { config, homeEnvironment } = settings;
  const home = new UptimeSquirrelStack(app, config.stackName, {
    ...stackPropsFrom(config),
    ...(homeEnvironment === undefined ? {} : { env: homeEnvironment }),
    description: 'uptime-squirrel: serverless website uptime monitor',
  });
  const verifiers = config.verifierRegions.map((region) => {
    const stackName = verifierStackNameOf(config.stackName, region);
    const verifier = new VerifierStack(app, stackName, {
      stackName,
      env: { region, account: homeEnvironment?.account },
      description: `uptime-squirrel verifier in ${region} for ${config.stackName}`,
      homeStackName: config.stackName,
      alertEmail: config.alertEmail,
      alertPhone: config.alertPhone,
    });
    home.addStackDependency(verifier, 'the checker invokes the verifier by name');
    return verifier;
  });
  return { home, verifiers };
}
