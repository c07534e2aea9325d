// Plain JavaScript: the bin reads this before it knows whether TypeScript can be loaded at all.
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The bundle's entry in the build directory, and the record of what it was built from. */
export const CLI_ENTRY_FILE = 'squirrel.mjs';
export const BUILD_INFO_FILE = 'build-info.json';

/**
 * Whether the bundle in `buildDir` was built from the files as they are now: every input recorded in
 * build-info.json still has the size and mtime it had then. Any difference (an edit, a checkout, an older
 * file copied back, a deleted file) makes it stale: running old compiled logic silently is worse than slow.
 * @param {string} buildDir
 * @returns {import('./build-freshness.d.ts').BuildFreshness}
 */
export function checkBuildFreshness(buildDir) {
  let info;
  try {
    info = JSON.parse(readFileSync(join(buildDir, BUILD_INFO_FILE), 'utf8'));
  } catch {
    return { fresh: false, reason: 'the CLI is not built' };
  }
  if (info?.version !== 1 || !Array.isArray(info.inputs)) {
    return { fresh: false, reason: `${BUILD_INFO_FILE} is not one this bin can read` };
  }
  for (const input of info.inputs) {
    const path = resolve(buildDir, input.path);
    let stats;
    try {
      stats = statSync(path);
    } catch {
      return { fresh: false, reason: `${input.path} is gone since the CLI was built` };
    }
    if (stats.size !== input.size || stats.mtimeMs !== input.mtimeMs) {
      return { fresh: false, reason: `${input.path} changed since the CLI was built` };
    }
  }
  return { fresh: true, entry: join(buildDir, CLI_ENTRY_FILE) };
}
