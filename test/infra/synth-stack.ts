import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import {
  type CdkEnvironment,
  CONFIG_FILE_CONTEXT_KEY,
  REPO_ROOT,
  readAppSettings,
  stackPropsFrom,
} from '../../infra/app-context.ts';
import { addMonitorStacks } from '../../infra/app-stacks.ts';
import { UptimeSquirrelStack, type UptimeSquirrelStackProps } from '../../infra/uptime-squirrel-stack.ts';

/** Temporary cloud-assembly directories; every test file removes its own in afterAll. */
export class OutdirPool {
  readonly #dirs: string[] = [];

  create(): string {
    const dir = mkdtempSync(join(tmpdir(), 'squirrel-infra-'));
    this.#dirs.push(dir);
    return dir;
  }

  removeAll(): void {
    for (const dir of this.#dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

/** A whole-stack synth without bundling takes seconds; on a loaded 2-core machine, well over the 30 s hook default. */
export const SYNTH_TIMEOUT_MS = 120_000;

/** A settings file with only what synth requires: the explicit opt-out from alert contacts. */
export const NO_CONTACT_CONFIG = { allowNoAlertContact: true } as const;

/** Writes `content` (JSON-encoded unless a string) to squirrel.config.json in a new temporary directory. */
export function writeConfigFile(outdirs: OutdirPool, content: unknown): string {
  const path = join(outdirs.create(), 'squirrel.config.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

export interface SynthOptions {
  /** The settings file's content. @default NO_CONTACT_CONFIG */
  readonly config?: Record<string, unknown>;
  /** CDK context, as `cdk synth -c key=value` would give it. */
  readonly context?: Record<string, unknown>;
  /** Run esbuild on the Lambdas (slow); otherwise bundling is skipped. */
  readonly bundle?: boolean;
  /** Add cdk-nag's AwsSolutions checks, as infra/app.ts does: a finding makes synth throw. */
  readonly nag?: boolean;
  /** Stack props beyond those the context gives (as infra/app.ts passes from squirrel.config.json). */
  readonly props?: Partial<UptimeSquirrelStackProps>;
}

/**
 * Builds the stack the way infra/app.ts does (settings file + context → readAppSettings → props) in a temporary
 * outdir and synthesizes it.
 */
export function synthStack(
  outdirs: OutdirPool,
  { config = NO_CONTACT_CONFIG, context = {}, bundle = false, nag = false, props = {} }: SynthOptions = {},
) {
  const withFile = { [CONFIG_FILE_CONTEXT_KEY]: writeConfigFile(outdirs, config), ...context };
  const app = new App({
    outdir: outdirs.create(),
    context: bundle ? withFile : { 'aws:cdk:bundling-stacks': [], ...withFile },
  });
  const settings = readAppSettings(app.node);
  const stack = new UptimeSquirrelStack(app, 'UptimeSquirrelTest', {
    ...stackPropsFrom(settings.config),
    stackName: undefined,
    ...props,
  });
  if (nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const template = Template.fromStack(stack);
  return { app, stack, template, assembly: app.synth() };
}

export interface AppSynthOptions {
  /** The settings file's content. @default NO_CONTACT_CONFIG */
  readonly config?: Record<string, unknown>;
  /** CDK context, as `cdk synth -c key=value` would give it. */
  readonly context?: Record<string, unknown>;
  /** What the CDK CLI would set (CDK_DEFAULT_REGION, CDK_DEFAULT_ACCOUNT). @default none */
  readonly environment?: CdkEnvironment;
  /** Add cdk-nag's AwsSolutions checks, as infra/app.ts does: a finding makes synth throw. */
  readonly nag?: boolean;
}

/**
 * Builds the whole app the way infra/app.ts does (readAppSettings → addMonitorStacks: the home stack and one
 * verifier stack a region), bundling skipped, and synthesizes it.
 */
export function synthMonitorApp(
  outdirs: OutdirPool,
  { config = NO_CONTACT_CONFIG, context = {}, environment = {}, nag = false }: AppSynthOptions = {},
) {
  const app = new App({
    outdir: outdirs.create(),
    context: {
      'aws:cdk:bundling-stacks': [],
      [CONFIG_FILE_CONTEXT_KEY]: writeConfigFile(outdirs, config),
      ...context,
    },
  });
  const settings = readAppSettings(app.node, REPO_ROOT, environment);
  const stacks = addMonitorStacks(app, settings);
  if (nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const home = Template.fromStack(stacks.home);
  const verifiers = stacks.verifiers.map((stack) => Template.fromStack(stack));
  return { app, settings, stacks, home, verifiers, assembly: app.synth() };
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

/** The sites table (the channels table is keyed by owner). */
export const findSitesTable = (template: Template) =>
  onlyResource(template, 'AWS::DynamoDB::Table', {
    KeySchema: [{ AttributeName: 'siteId', KeyType: 'HASH' }],
  });

/** The one resource of `type` whose properties match, or a test failure naming how many matched. */
export function onlyResource(
  template: Template,
  type: string,
  props: Record<string, unknown> = {},
): { logicalId: string; properties: Record<string, unknown> } {
  const found = Object.entries(template.findResources(type, { Properties: props }) as Resources);
  if (found.length !== 1) throw new Error(`expected exactly one ${type} matching, found ${found.length}`);
  const [logicalId, resource] = found[0] as [string, Resources[string]];
  return { logicalId, properties: resource.Properties ?? {} };
}
