import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/config.ts';
import { OutdirPool, onlyResource, synthStack } from './synth-stack.ts';

const outdirs = new OutdirPool();
afterAll(() => outdirs.removeAll());

describe('MonitorFunction bundles', () => {
  let template: Template;
  let assemblyDir: string;

  beforeAll(() => {
    const synth = synthStack(outdirs, { bundle: true, context: { 'aws:cdk:enable-asset-metadata': true } });
    template = synth.template;
    assemblyDir = synth.assembly.directory;
  }, 240_000);

  /** The files of a function's zip: the asset directory its template metadata names. */
  const zipOf = (variable: string) => {
    const fn = onlyResource(template, 'AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [variable]: Match.anyValue() }) },
    });
    const resource = template.toJSON().Resources[fn.logicalId] as { Metadata: Record<string, string> };
    const dir = join(assemblyDir, resource.Metadata['aws:asset:path'] as string);
    return { dir, files: readdirSync(dir).sort(), environment: fn.properties.Environment };
  };

  it.each([
    ['fan-out', ENV.scanSegments],
    ['checker', ENV.checkConcurrency],
  ])(
    'bundles the AWS SDK the tests ran against into the %s, instead of importing the runtime’s',
    (_name, variable) => {
      // Prepare
      const { dir } = zipOf(variable);
      const code = readFileSync(join(dir, 'index.mjs'), 'utf8');

      // Assess: no import of an SDK package is left for the runtime to resolve
      expect(code).not.toMatch(/from\s*["']@(aws-sdk|smithy)\//);
      expect(code).not.toMatch(/import\(\s*["']@(aws-sdk|smithy)\//);
      expect(code).toContain('DynamoDB');
    },
  );

  it('ships the checker without a source map, and without --enable-source-maps', () => {
    // Prepare
    const checker = zipOf(ENV.checkConcurrency);

    // Assess
    expect(checker.files).toEqual(['index.mjs']);
    expect(readFileSync(join(checker.dir, 'index.mjs'), 'utf8')).not.toContain('sourceMappingURL');
    expect(JSON.stringify(checker.environment)).not.toContain('NODE_OPTIONS');
  });

  it('ships the fan-out with its source map, without the sources, and turns source maps on', () => {
    // Prepare
    const fanOut = zipOf(ENV.scanSegments);
    const map = JSON.parse(readFileSync(join(fanOut.dir, 'index.mjs.map'), 'utf8')) as Record<
      string,
      unknown
    >;

    // Assess
    expect(fanOut.files).toEqual(['index.mjs', 'index.mjs.map']);
    expect(map.sourcesContent).toBeUndefined();
    expect(fanOut.environment).toMatchObject({ Variables: { NODE_OPTIONS: '--enable-source-maps' } });
  });
});
