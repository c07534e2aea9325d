#!/usr/bin/env node
// Runs the bundle `npm ci` / `npm run build:cli` wrote to cli/dist/ on plain node when it was built from the
// sources as they are now. Otherwise (no build yet, or cli/ or functions/ edited since) it runs the TypeScript
// sources through tsx's loader, as every call did before there was a bundle: slower by about a second, never
// stale. Either way in this very process, so exit codes and signals (Ctrl-C) need no forwarding.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { checkBuildFreshness } from './build-freshness.js';

// SQUIRREL_CLI_DIST: another build directory (the tests' and the bench's; a missing one forces the sources).
const buildDir = process.env.SQUIRREL_CLI_DIST ?? fileURLToPath(new URL('../dist/', import.meta.url));
const build = checkBuildFreshness(buildDir);

if (build.fresh) {
  await import(pathToFileURL(build.entry).href);
} else {
  // Said only to a person at a terminal: scripts and tests read stderr for the command's own messages.
  if (process.stderr.isTTY) {
    process.stderr.write(
      `squirrel: ${build.reason}; running the TypeScript sources (slower). \`npm run build:cli\` makes it fast again.\n`,
    );
  }
  const { register } = await import('tsx/esm/api');
  register();
  await import('../main.ts');
}
