import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readAppContext } from './app-context.ts';
import { UptimeSquirrelStack } from './uptime-squirrel-stack.ts';

const app = new App();
const context = readAppContext(app.node);

new UptimeSquirrelStack(app, context.stackName, {
  stackName: context.stackName,
  description: 'uptime-squirrel: serverless website uptime monitor',
  alertEmail: context.alertEmail,
  alertPhone: context.alertPhone,
  checkerConcurrency: context.checkerConcurrency,
});

// Findings fail synth; acknowledgements live next to the resources they concern.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
