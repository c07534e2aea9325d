import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readAppSettings } from './app-context.ts';
import { addMonitorStacks } from './app-stacks.ts';

const app = new App();
// squirrel.config.json holds what a plain `cdk deploy` keeps; context overrides one key for one synth.
const settings = readAppSettings(app.node);
for (const warning of settings.warnings) console.warn(`WARNING: ${warning}`);

// The home stack, plus one verifier stack per verifierRegions entry (`cdk deploy --all`).
addMonitorStacks(app, settings);

// Findings fail synth; acknowledgements live next to the resources they concern.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
