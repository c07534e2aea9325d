import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { OutdirPool, synthStack } from '../infra/synth-stack.ts';
import { ACCEPTED_FINDINGS, describeFinding, LINT_TIMEOUT_MS, lintTemplate } from './support/cfn-lint.ts';
import { Summary } from './support/summary.ts';
import { TIER_DEPLOY_CONFIG } from './support/synth.ts';

const outdirs = new OutdirPool();
afterAll(() => outdirs.removeAll());

describe('cfn-lint on the synthesized template', () => {
  it('finds no error, and only the warnings the tier justifies', async () => {
    // Prepare
    const assembly = inject('assembly');
    const summary = new Summary(inject('workDir'), 'a-cfn-lint');

    // Act
    const findings = await lintTemplate(assembly.templatePath);

    // Assess
    const unexplained = findings.filter((finding) => !(finding.Rule.Id in ACCEPTED_FINDINGS));
    const countByRule = new Map<string, number>();
    for (const { Rule } of findings) countByRule.set(Rule.Id, (countByRule.get(Rule.Id) ?? 0) + 1);
    const counts = [...countByRule].map(([rule, count]) => `${rule} ×${count}`).join(', ');
    summary.add(
      `cfn-lint: ${findings.length} finding(s)${counts === '' ? '' : ` (${counts})`}, ` +
        `${unexplained.length} not justified`,
    );
    expect(findings.filter((finding) => finding.Level === 'Error').map(describeFinding)).toEqual([]);
    expect(unexplained.map(describeFinding)).toEqual([]);
  });

  it(
    'finds the same on the stack with its status page CDN (which moto cannot create, so the tier leaves it out)',
    async () => {
      // Prepare: the tier's settings with the CDN on, synthesized in-process (bundling skipped: the lint reads the
      // template, not the code)
      const summary = new Summary(inject('workDir'), 'a-cfn-lint-cdn');
      const { template } = synthStack(outdirs, {
        config: { ...TIER_DEPLOY_CONFIG, statusPage: { cdn: true } },
        // What the CDK CLI sets: the AWS::CDK::Metadata resource, by which cfn-lint recognises a CDK template and
        // leaves out the rules about what the library generates (I1022, Fn::Join over Fn::Sub).
        context: { 'aws:cdk:version-reporting': true },
      });
      const templatePath = join(outdirs.create(), 'with-cdn.template.json');
      writeFileSync(templatePath, JSON.stringify(template.toJSON()));
      expect(Object.keys(template.findResources('AWS::CloudFront::Distribution'))).toHaveLength(1);

      // Act
      const findings = await lintTemplate(templatePath);

      // Assess
      const unexplained = findings.filter((finding) => !(finding.Rule.Id in ACCEPTED_FINDINGS));
      summary.add(
        `cfn-lint with the CloudFront status page: ${findings.length} finding(s), ${unexplained.length} not justified`,
      );
      expect(findings.filter((finding) => finding.Level === 'Error').map(describeFinding)).toEqual([]);
      expect(unexplained.map(describeFinding)).toEqual([]);
    },
    LINT_TIMEOUT_MS + 60_000,
  );
});
