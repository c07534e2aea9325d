import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readAppSettings, stackPropsFrom } from './app-context.ts';
import { UptimeSquirrelStack } from './uptime-squirrel-stack.ts';

const app = new App();
// squirrel.config.json holds what a plain `cdk deploy` keeps; context overrides one key for one synth.
const settings = readAppSettings(app.node);
for (const warning of settings.warnings) console.warn(`WARNING: ${warning}`);

new UptimeSquirrelStack(app, settings.config.stackName, {
  ...stackPropsFrom(settings.config),
  description: 'uptime-squirrel: serverless website uptime monitor',
});

// Findings fail synth; acknowledgements live next to the resources they concern.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
