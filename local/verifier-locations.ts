import { isIPv4 } from 'node:net';
import { join } from 'node:path';
import { ENV } from '../functions/config.ts';
import { LOCATION_PATTERN, MAX_VERIFIER_REGIONS } from '../functions/domain/verification.ts';
import type { LambdaLogLine } from './lambda-host.ts';
import { LocationProcess } from './location-process.ts';

// Multi-location verification on one machine (issue 15): `npm start -- --verifier local-west=127.0.0.2` runs a
// verifier "region" as its own process whose checks connect from 127.0.0.2, answering the Lambda Invoke API on
// 127.0.0.1; the checker (home, `local`, connecting from 127.0.0.1) invokes it as it invokes a verifier region on
// AWS. Every 127.x.y.z address reaches loopback, so a site can refuse one location and serve the others.

/** The home location's name locally (HOME_LOCATION); on AWS it is the home region. */
export const HOME_LOCATION = 'local';
/** Where home's checks come from: the kernel's own choice for loopback, so home's checks are today's. */
export const HOME_SOURCE_ADDRESS = '127.0.0.1';

/**
 * The local verifier function. Its name is the one the verifier stacks give it for the default stack name (the same
 * in every region); its timeout and memory are the local runtime's own, not the deployed verifier's
 * (infra/verifier-stack.ts: VERIFIER_TIMEOUT 45 s, VERIFIER_MEMORY_MIB 256).
 */
export const VERIFIER_FUNCTION = {
  name: 'uptime-squirrel-verifier',
  timeoutMs: 30_000,
  memorySizeMiB: 512,
} as const;

/** One `--verifier name=address`: a location and the loopback address its checks connect from. */
export interface VerifierLocation {
  readonly location: string;
  readonly sourceAddress: string;
}

/** A verifier location whose process runs. */
export interface RunningVerifierLocation extends VerifierLocation {
  /** http://127.0.0.1:PORT: where it answers Invoke (VERIFIER_ENDPOINTS). */
  readonly invokeUrl: string;
  readonly pid: number;
  readonly logFile: string;
}

export class VerifierLocationError extends Error {
  override name = 'VerifierLocationError';
}

/** Reads `local-west=127.0.0.2`. @throws VerifierLocationError naming the bad part. */
export function parseVerifierLocation(raw: string): VerifierLocation {
  const separator = raw.indexOf('=');
  if (separator === -1) {
    throw new VerifierLocationError(
      `a verifier location is name=address, e.g. local-west=127.0.0.2, got "${raw}"`,
    );
  }
  const location = raw.slice(0, separator).trim();
  const sourceAddress = raw.slice(separator + 1).trim();
  if (!LOCATION_PATTERN.test(location)) {
    throw new VerifierLocationError(
      `a location name is 2-32 lower case letters, digits or dashes starting with a letter (like local-west), got "${location}"`,
    );
  }
  if (location === HOME_LOCATION) {
    throw new VerifierLocationError(`"${HOME_LOCATION}" is the home location's name: pick another`);
  }
  if (!isIPv4(sourceAddress) || !sourceAddress.startsWith('127.') || sourceAddress === HOME_SOURCE_ADDRESS) {
    throw new VerifierLocationError(
      `${location}'s address must be a loopback IPv4 address other than home's ${HOME_SOURCE_ADDRESS} (127.0.0.2 to 127.255.255.254), got "${sourceAddress}"`,
    );
  }
  return { location, sourceAddress };
}

/** Checks the whole list: distinct names and addresses, at most MAX_VERIFIER_REGIONS. @throws VerifierLocationError */
export function checkVerifierLocations(locations: readonly VerifierLocation[]): readonly VerifierLocation[] {
  if (locations.length > MAX_VERIFIER_REGIONS) {
    throw new VerifierLocationError(
      `at most ${MAX_VERIFIER_REGIONS} verifier locations, got ${locations.length}`,
    );
  }
  for (const [index, { location, sourceAddress }] of locations.entries()) {
    const earlier = locations.slice(0, index);
    if (earlier.some((other) => other.location === location)) {
      throw new VerifierLocationError(`verifier location ${location} is given twice`);
    }
    const sameAddress = earlier.find((other) => other.sourceAddress === sourceAddress);
    if (sameAddress) {
      throw new VerifierLocationError(
        `${sameAddress.location} and ${location} both connect from ${sourceAddress}: each location needs its own address`,
      );
    }
  }
  return locations;
}

/**
 * What the checker needs to ask the running locations (VERIFIER_REGIONS in the given order, the function name,
 * HOME_LOCATION, VERIFIER_ENDPOINTS); nothing at all without locations, so the checker runs exactly as before.
 */
export function checkerVerificationEnvironment(
  running: readonly Pick<RunningVerifierLocation, 'location' | 'invokeUrl'>[],
): Record<string, string> {
  if (running.length === 0) return {};
  return {
    [ENV.verifierRegions]: running.map(({ location }) => location).join(','),
    [ENV.verifierFunctionName]: VERIFIER_FUNCTION.name,
    [ENV.homeLocation]: HOME_LOCATION,
    [ENV.verifierEndpoints]: running.map(({ location, invokeUrl }) => `${location}=${invokeUrl}`).join(','),
  };
}

export interface VerifierLocationsProps {
  readonly locations: readonly VerifierLocation[];
  /** The verifier handler module (exports `handler`). */
  readonly entry: URL;
  readonly region: string;
  /** The environment every local function gets (fake credentials, region, …). */
  readonly baseEnvironment: Readonly<Record<string, string>>;
  /** DNS_SERVERS, as the checker has it (absent: the system's). */
  readonly dnsEnvironment: Readonly<Record<string, string>>;
  readonly logsDir: string;
}

/** The verifier locations' processes, started together and stopped together. */
export class VerifierLocations {
  readonly running: readonly RunningVerifierLocation[];
  readonly #processes: readonly LocationProcess[];

  private constructor(running: readonly RunningVerifierLocation[], processes: readonly LocationProcess[]) {
    this.running = running;
    this.#processes = processes;
  }

  /** Starts one process per location, in parallel. @throws the first failure, once every started one stopped. */
  static async start(props: VerifierLocationsProps): Promise<VerifierLocations> {
    const started = await Promise.allSettled(
      props.locations.map(({ location, sourceAddress }) =>
        LocationProcess.start({
          location,
          functionName: VERIFIER_FUNCTION.name,
          entry: props.entry,
          timeoutMs: VERIFIER_FUNCTION.timeoutMs,
          memorySizeMiB: VERIFIER_FUNCTION.memorySizeMiB,
          region: props.region,
          environment: {
            ...props.baseEnvironment,
            [ENV.verifierLocation]: location,
            [ENV.probeSourceAddress]: sourceAddress,
            // Local sites live on loopback, as for the checker; production never sets this.
            [ENV.allowPrivateTargets]: 'true',
            ...props.dnsEnvironment,
          },
          logFile: logFileOf(props.logsDir, location),
        }),
      ),
    );
    const processes = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const failure = started.find((result) => result.status === 'rejected');
    if (failure) {
      await Promise.all(processes.map((started) => started.stop()));
      throw failure.reason;
    }
    const running = processes.map((started, index) => ({
      ...(props.locations[index] as VerifierLocation),
      invokeUrl: started.invokeUrl,
      pid: started.pid,
      logFile: started.logFile,
    }));
    return new VerifierLocations(running, processes);
  }

  onLog(listener: (line: LambdaLogLine) => void): void {
    for (const started of this.#processes) started.onLog(listener);
  }

  /** Stops every location's process (each by its PID if it does not stop by itself). */
  async stop(): Promise<void> {
    await Promise.all(this.#processes.map((started) => started.stop()));
  }
}

const logFileOf = (logsDir: string, location: string) => join(logsDir, `verifier-${location}.log`);
