import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

// pip is the only way these reach a machine; the versions are the ones the tier was written against.
export const INSTALL_HINT =
  "python3 -m pip install 'moto[server,cloudformation]>=5.2,<6' 'cfn-lint>=1.51,<2'";

/** The Python packages the tier runs, and the command each puts on PATH. */
const PACKAGES = [
  { name: 'moto', command: 'moto_server', purpose: 'the AWS emulator (moto 5.2, server mode)' },
  { name: 'cfn-lint', command: 'cfn-lint', purpose: 'lints the synthesized template (cfn-lint 1.51)' },
] as const;

// Reads installed versions from package metadata: one Python start, no import of moto or cfn-lint (each of
// which takes seconds to load on a busy machine).
const READ_VERSIONS = `
import importlib.metadata as m, json, sys
found = {}
for name in sys.argv[1:]:
    try: found[name] = m.version(name)
    except m.PackageNotFoundError: found[name] = None
print(json.dumps(found))
`;
const PYTHON_TIMEOUT_MS = 60_000;

export interface RequirementsReport {
  /** Each missing piece with what it is for; empty when the tier can run. */
  readonly missing: readonly string[];
  /** `moto 5.2.1, cfn-lint 1.51.0`: for the summary. */
  readonly versions: string;
}

const isOnPath = (command: string): boolean =>
  (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });

/** What the tier needs that this machine lacks, and the versions of what it has. */
export async function checkRequirements(): Promise<RequirementsReport> {
  let versions: Record<string, string | null>;
  try {
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(
        'python3',
        ['-c', READ_VERSIONS, ...PACKAGES.map((p) => p.name)],
        { timeout: PYTHON_TIMEOUT_MS },
        (error, out) => (error === null ? resolve(out) : reject(error)),
      ),
    );
    versions = JSON.parse(stdout) as Record<string, string | null>;
  } catch (error) {
    return {
      missing: [
        `python3 (runs moto and cfn-lint, packs the asset zips): ${(error as Error).message.split('\n')[0]}`,
      ],
      versions: '',
    };
  }
  const missing = PACKAGES.flatMap(({ name, command, purpose }) => {
    if (versions[name] === null || versions[name] === undefined) {
      return [`${name} (${purpose}): not installed for python3`];
    }
    return isOnPath(command)
      ? []
      : [`${command} (${purpose}): ${name} is installed but ${command} is not on PATH`];
  });
  return { missing, versions: PACKAGES.map(({ name }) => `${name} ${versions[name] ?? '-'}`).join(', ') };
}

/** The message the tier fails with when something is missing: what, why, and the install command. */
export function describeMissingRequirements(missing: readonly string[]): string {
  return [
    'npm run test:aws needs Python 3 with moto (server mode) and cfn-lint; missing here:',
    ...missing.map((line) => `  - ${line}`),
    `Install them with:\n  ${INSTALL_HINT}`,
    '(npm test needs none of this; see docs/aws-tests.md.)',
  ].join('\n');
}
