import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { isProcessAlive, readRuntimeFile } from '../../local/runtime-file.ts';
import {
  checkerVerificationEnvironment,
  checkVerifierLocations,
  parseVerifierLocation,
  VERIFIER_FUNCTION,
} from '../../local/verifier-locations.ts';
import { makeDataDir, startTestRuntime } from '../helpers/local-runtime.ts';
import { LOCAL_CLIENT } from '../support/silent-server.ts';
import { startSourceFilterServer } from '../support/world/source-filter-server.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const FAN_OUT = new URL('../../functions/fan-out.ts', import.meta.url);
const CHECKER = new URL('./handlers/env-reporting-checker.ts', import.meta.url);
const VERIFIER = new URL('./handlers/source-reporting-verifier.ts', import.meta.url);

const TWO_LOCATIONS = [
  { location: 'local-west', sourceAddress: '127.0.0.2' },
  { location: 'local-east', sourceAddress: '127.0.0.3' },
];

/** The settings the stand-in checker wrote at its cold start. */
async function checkerSettings(dataDir: string): Promise<Record<string, string | null>> {
  const log = await readFile(join(dataDir, 'logs', 'checker.log'), 'utf8');
  const line = log.split('\n').find((text) => text.includes('"checker settings"')) ?? '';
  return (JSON.parse(line.slice(line.indexOf('{'))) as { settings: Record<string, string | null> }).settings;
}

describe('parseVerifierLocation (npm start -- --verifier name=address)', () => {
  it('reads a location name and its loopback source address', () => {
    expect(parseVerifierLocation('local-west=127.0.0.2')).toEqual({
      location: 'local-west',
      sourceAddress: '127.0.0.2',
    });
  });

  it.each([
    ['local-west', /name=address, e\.g\. local-west=127\.0\.0\.2, got "local-west"/],
    ['West=127.0.0.2', /lower case letters.*got "West"/],
    ['local=127.0.0.2', /"local" is the home location's name/],
    ['local-west=127.0.0.1', /other than home's 127\.0\.0\.1.*got "127\.0\.0\.1"/],
    ['local-west=10.0.0.2', /loopback IPv4 address.*got "10\.0\.0\.2"/],
    ['local-west=::1', /loopback IPv4 address.*got "::1"/],
  ])('refuses %s, saying why', (raw, message) => {
    expect(() => parseVerifierLocation(raw)).toThrow(message);
  });

  it('refuses a list naming a location twice, sharing an address, or longer than MAX_VERIFIER_REGIONS', () => {
    const west = { location: 'local-west', sourceAddress: '127.0.0.2' };
    expect(() => checkVerifierLocations([west, { ...west, sourceAddress: '127.0.0.3' }])).toThrow(
      'verifier location local-west is given twice',
    );
    expect(() =>
      checkVerifierLocations([west, { location: 'local-east', sourceAddress: '127.0.0.2' }]),
    ).toThrow('local-west and local-east both connect from 127.0.0.2');
    const five = Array.from({ length: 5 }, (_, index) => ({
      location: `local-${index}x`,
      sourceAddress: `127.0.0.${index + 2}`,
    }));
    expect(() => checkVerifierLocations(five)).toThrow('at most 4 verifier locations, got 5');
    expect(checkVerifierLocations(TWO_LOCATIONS)).toEqual(TWO_LOCATIONS);
  });
});

describe('checkerVerificationEnvironment', () => {
  it('names the locations in order, the function, home and each endpoint; nothing without locations', () => {
    expect(
      checkerVerificationEnvironment([
        { location: 'local-west', invokeUrl: 'http://127.0.0.1:4001' },
        { location: 'local-east', invokeUrl: 'http://127.0.0.1:4002' },
      ]),
    ).toEqual({
      VERIFIER_REGIONS: 'local-west,local-east',
      VERIFIER_FUNCTION_NAME: 'uptime-squirrel-verifier',
      HOME_LOCATION: 'local',
      VERIFIER_ENDPOINTS: 'local-west=http://127.0.0.1:4001,local-east=http://127.0.0.1:4002',
    });
    expect(checkerVerificationEnvironment([])).toEqual({});
  });
});

describe('local runtime with verifier locations', () => {
  it('runs each location as its own process that checks from its own address, answers Invoke, and stops with the runtime', {
    timeout: 150_000,
  }, async () => {
    // Prepare: a site unreachable from local-west's address only
    const site = await startSourceFilterServer({ unreachableFrom: ['127.0.0.2'] });
    cleanups.push(site.close);
    const dir = await makeDataDir();
    cleanups.push(dir.remove);
    const runtime = await startTestRuntime(dir.path, {
      verifierLocations: TWO_LOCATIONS,
      dnsServers: ['127.0.0.1:5399'],
      handlerModules: { fanOut: FAN_OUT, checker: CHECKER, verifier: VERIFIER },
    });
    let isStopped = false;
    cleanups.push(() => (isStopped ? undefined : runtime.stop()));
    const lambda = new LambdaClient({ ...LOCAL_CLIENT, maxAttempts: 1 });
    cleanups.push(() => lambda.destroy());

    // Act: invoke each location as the checker's client does, through the endpoint the runtime gave it
    const replies = await Promise.all(
      runtime.verifierLocations.map(async ({ invokeUrl }) => {
        const client = new LambdaClient({ ...LOCAL_CLIENT, endpoint: invokeUrl, maxAttempts: 1 });
        try {
          const output = await client.send(
            new InvokeCommand({
              FunctionName: VERIFIER_FUNCTION.name,
              Payload: new TextEncoder().encode(
                JSON.stringify({ v: 1, targets: [{ id: 's1', site: { url: site.url } }] }),
              ),
            }),
          );
          return JSON.parse(new TextDecoder().decode(output.Payload)) as Record<string, unknown>;
        } finally {
          client.destroy();
        }
      }),
    );

    // Assess: two processes (not this one), each its own location, connecting from its own address
    const [west, east] = runtime.verifierLocations;
    expect(runtime.verifierLocations.map(({ location, sourceAddress }) => [location, sourceAddress])).toEqual(
      [
        ['local-west', '127.0.0.2'],
        ['local-east', '127.0.0.3'],
      ],
    );
    expect(new Set([west?.pid, east?.pid, process.pid]).size).toBe(3);
    expect([west, east].every((running) => running && isProcessAlive(running.pid))).toBe(true);
    expect(replies).toEqual([
      {
        location: 'local-west',
        answers: [{ id: 's1', error: 'ECONNRESET' }],
        settings: {
          PROBE_SOURCE_ADDRESS: '127.0.0.2',
          ALLOW_PRIVATE_TARGETS: 'true',
          DNS_SERVERS: '127.0.0.1:5399',
          TABLE_NAME: null,
          VERIFIER_REGIONS: null,
        },
      },
      {
        location: 'local-east',
        answers: [{ id: 's1', status: 200 }],
        settings: {
          PROBE_SOURCE_ADDRESS: '127.0.0.3',
          ALLOW_PRIVATE_TARGETS: 'true',
          DNS_SERVERS: '127.0.0.1:5399',
          TABLE_NAME: null,
          VERIFIER_REGIONS: null,
        },
      },
    ]);
    expect(
      site
        .connections()
        .map(({ from }) => from)
        .sort(),
    ).toEqual(['127.0.0.2', '127.0.0.3']);
    // The checker was told where to ask; home connects as before (no source address of its own)
    expect(await checkerSettings(dir.path)).toEqual({
      VERIFIER_REGIONS: 'local-west,local-east',
      VERIFIER_FUNCTION_NAME: 'uptime-squirrel-verifier',
      HOME_LOCATION: 'local',
      VERIFIER_ENDPOINTS: `local-west=${west?.invokeUrl},local-east=${east?.invokeUrl}`,
      PROBE_SOURCE_ADDRESS: null,
    });
    // runtime.json records them for the CLI; each location logs to its own file
    expect((await readRuntimeFile(dir.path))?.verifierLocations).toEqual(
      runtime.verifierLocations.map(({ location, sourceAddress, invokeUrl, pid }) => ({
        location,
        sourceAddress,
        invokeUrl,
        pid,
      })),
    );
    await expect
      .poll(async () => readFile(west?.logFile ?? '', 'utf8'), { timeout: 5_000 })
      .toContain('"verified"');

    // Act: stop the runtime
    await runtime.stop();
    isStopped = true;

    // Assess: both processes are gone
    expect([west, east].map((running) => isProcessAlive(running?.pid ?? 0))).toEqual([false, false]);
  });

  it('without verifier locations starts no process and gives the checker nothing new (as before issue 15)', {
    timeout: 60_000,
  }, async () => {
    // Prepare + Act
    const dir = await makeDataDir();
    cleanups.push(dir.remove);
    const runtime = await startTestRuntime(dir.path, {
      handlerModules: { fanOut: FAN_OUT, checker: CHECKER, verifier: VERIFIER },
    });
    cleanups.push(() => runtime.stop());

    // Assess
    expect(runtime.verifierLocations).toEqual([]);
    expect(await readRuntimeFile(dir.path)).not.toHaveProperty('verifierLocations');
    expect(Object.values(await checkerSettings(dir.path))).toEqual([null, null, null, null, null]);
    await expect(access(join(dir.path, 'logs', 'verifier-local-west.log'))).rejects.toThrow();
  });

  it('fails to start, naming the location, when its function cannot start; the data directory is free again', {
    timeout: 120_000,
  }, async () => {
    // Prepare
    const dir = await makeDataDir();
    cleanups.push(dir.remove);

    // Act
    const starting = startTestRuntime(dir.path, {
      verifierLocations: [TWO_LOCATIONS[0] as (typeof TWO_LOCATIONS)[number]],
      handlerModules: {
        fanOut: FAN_OUT,
        checker: CHECKER,
        verifier: new URL('./handlers/no-such-verifier.ts', import.meta.url),
      },
    });

    // Assess: the error names the location and why; the data directory is free for the next start
    await expect(starting).rejects.toThrow(/verifier location local-west did not start: .*failed to start/);
    expect(await readRuntimeFile(dir.path)).toBeUndefined();
    const next = await startTestRuntime(dir.path, { handlerModules: { fanOut: FAN_OUT, checker: CHECKER } });
    await next.stop();
  });
});
