import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SUMMARY_PREFIX = 'summary-';

/**
 * Lines a test file wants in the tier's closing summary. Files run in workers whose output is hidden when
 * they pass, so each writes its lines into the work dir and the global teardown prints them.
 */
export class Summary {
  readonly #path: string;
  readonly #lines: string[] = [];

  constructor(workDir: string, part: string) {
    this.#path = join(workDir, `${SUMMARY_PREFIX}${part}.txt`);
  }

  add(line: string): void {
    this.#lines.push(`  ${line}`);
    writeFileSync(this.#path, `${this.#lines.join('\n')}\n`);
  }
}
