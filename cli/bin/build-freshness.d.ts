// Types of build-freshness.js, which stays plain JavaScript so the bin can run it without a TypeScript loader.

export declare const CLI_ENTRY_FILE: 'squirrel.mjs';
export declare const BUILD_INFO_FILE: 'build-info.json';

/** One file the bundle was built from, as it was then. */
export interface BuildInput {
  /** Relative to the build directory, with forward slashes. */
  readonly path: string;
  readonly size: number;
  /** -1 when the file changed while the build ran: never fresh. */
  readonly mtimeMs: number;
}

/** build-info.json, written next to the bundle by cli/build.ts. */
export interface BuildInfo {
  readonly version: 1;
  readonly inputs: readonly BuildInput[];
}

export type BuildFreshness =
  | { readonly fresh: true; readonly entry: string }
  | { readonly fresh: false; readonly reason: string };

export declare function checkBuildFreshness(buildDir: string): BuildFreshness;
