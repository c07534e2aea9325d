import { describe, expect, it } from 'vitest';
import { decideTransition } from '../../functions/domain/alert-policy.ts';
import {
  CHECK_MESSAGE_VERSION,
  CheckMessageError,
  type CheckTask,
  DEFAULT_MAX_MESSAGE_BYTES,
  MAX_ACCEPTED_MESSAGE_BYTES,
  MAX_TASK_ATTEMPTS,
  packCheckMessages,
  parseCheckMessage,
  snapshotOf,
} from '../../functions/domain/check-message.ts';
import { INITIAL_STATE, type SiteState } from '../../functions/domain/site-state.ts';
import { aSite, downResult, seededRandom, T0, upResult } from './fixtures.ts';

/** A DOWN state with its alert in the outbox: the richest snapshot a task can carry. */
function downState(): SiteState {
  const site = aSite({ failureThreshold: 1 });
  const up = decideTransition(site, INITIAL_STATE, upResult(), 'm1', T0).next;
  const down =
    up && decideTransition(site, up, downResult('http-5xx', 'HEAD / answered 503', 503), 'm2', T0 + 60_000);
  if (down?.next === undefined) throw new Error('expected UNKNOWN → UP → DOWN');
  return down.next;
}

/** `count` tasks whose sizes vary (names of 1-100 characters, some with a full outbox). */
function someTasks(count: number, seed = 1): CheckTask[] {
  const random = seededRandom(seed);
  const down = downState();
  return Array.from({ length: count }, (_, i) => ({
    checkId: `m${29_000_000 + i}`,
    site: aSite({
      siteId: `site-${i}`,
      url: `https://site-${i}.example.com/${'p'.repeat(Math.floor(random() * 200))}`,
      name: `Site ${i} ${'é'.repeat(Math.floor(random() * 90))}`,
      intervalMinutes: 1 + (i % 60),
    }),
    state: random() < 0.3 ? down : INITIAL_STATE,
  }));
}

const checkIdsOf = (bodies: readonly string[]): string[] =>
  bodies.flatMap((body) => parseCheckMessage(body).tasks.map((task) => task.checkId));

const bodyWithTasks = (tasks: unknown): string => JSON.stringify({ v: CHECK_MESSAGE_VERSION, tasks });

function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof CheckMessageError) return error.message;
    throw error;
  }
  throw new Error('expected a CheckMessageError, got none');
}

describe('packCheckMessages + parseCheckMessage', () => {
  it('round-trips tasks (site config and state snapshot) unchanged', () => {
    // Prepare
    const tasks: CheckTask[] = [
      { checkId: 'm29433600', site: aSite(), state: INITIAL_STATE },
      {
        checkId: 'r8',
        site: aSite({ siteId: 'blog', url: 'http://blog.example.com:8080/', method: 'GET', enabled: false }),
        state: downState(),
      },
      { checkId: 'm29433601', site: aSite({ siteId: 'cafe', name: '🐿️ Café 東京' }), state: INITIAL_STATE },
    ];

    // Act
    const bodies = packCheckMessages(tasks, { maxTasks: 10 });
    const parsed = bodies.map(parseCheckMessage);

    // Assess
    expect(bodies).toHaveLength(1);
    expect(parsed).toStrictEqual([{ tasks, invalid: [] }]);
  });

  it('escapes U+FFFE and U+FFFF, which SQS refuses, and reads them back unchanged', () => {
    // Prepare: a name typed (or pasted) with a noncharacter, through the AWS CLI
    const tasks: CheckTask[] = [
      { checkId: 'm1', site: aSite({ name: 'Shop\uFFFF\uFFFE' }), state: INITIAL_STATE },
    ];

    // Act
    const [body = ''] = packCheckMessages(tasks, { maxTasks: 10 });

    // Assess: every character within what SQS accepts (#x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-)
    expect(body).not.toMatch(/[\uFFFE\uFFFF]/);
    expect(body).toContain('Shop\\uffff\\ufffe');
    expect(parseCheckMessage(body).tasks).toStrictEqual(tasks);
  });

  it('round-trips 500 varied tasks across many bodies in order', () => {
    // Prepare
    const tasks = someTasks(500);

    // Act
    const bodies = packCheckMessages(tasks, { maxTasks: 10, maxBytes: 8_000 });
    const parsed = bodies.flatMap((body) => parseCheckMessage(body).tasks);

    // Assess
    expect(parsed).toStrictEqual(tasks);
  });
});

describe('packCheckMessages', () => {
  it.each([
    { maxTasks: 1, bodies: 25 },
    { maxTasks: 3, bodies: 9 },
    { maxTasks: 10, bodies: 3 },
    { maxTasks: 25, bodies: 1 },
    { maxTasks: 100, bodies: 1 },
  ])(
    'packs 25 small tasks at most $maxTasks per body into $bodies bodies, in order',
    ({ maxTasks, bodies }) => {
      // Prepare
      const tasks = someTasks(25);

      // Act
      const packed = packCheckMessages(tasks, { maxTasks, maxBytes: 1024 * 1024 });

      // Assess
      expect(packed).toHaveLength(bodies);
      for (const body of packed) expect(parseCheckMessage(body).tasks.length).toBeLessThanOrEqual(maxTasks);
      expect(checkIdsOf(packed)).toEqual(tasks.map((task) => task.checkId));
    },
  );

  it.each([
    { maxBytes: 2_000 },
    { maxBytes: 5_000 },
    { maxBytes: 20_000 },
    { maxBytes: DEFAULT_MAX_MESSAGE_BYTES },
  ])('keeps every body within $maxBytes bytes and uses as few bodies as the limits allow', ({ maxBytes }) => {
    // Prepare
    const tasks = someTasks(400, maxBytes);
    const maxTasks = 50;

    // Act
    const packed = packCheckMessages(tasks, { maxTasks, maxBytes });

    // Assess
    for (const body of packed) expect(Buffer.byteLength(body)).toBeLessThanOrEqual(maxBytes);
    expect(checkIdsOf(packed)).toEqual(tasks.map((task) => task.checkId));
    // Greedy in order: the next body's first task would not have fitted in the previous body.
    packed.slice(1).forEach((body, i) => {
      const previous = parseCheckMessage(packed[i] ?? '');
      const first = parseCheckMessage(body).tasks[0];
      const merged = bodyWithTasks([...previous.tasks, first]);
      const wouldFit = previous.tasks.length < maxTasks && Buffer.byteLength(merged) <= maxBytes;
      expect(wouldFit).toBe(false);
    });
  });

  it('counts bytes, not characters, for non-ASCII names', () => {
    // Prepare
    const tasks = Array.from({ length: 40 }, (_, i) => ({
      checkId: `m${i}`,
      site: aSite({ siteId: `s${i}`, name: '東'.repeat(100) }),
      state: INITIAL_STATE,
    }));
    const maxBytes = 3_000;

    // Act
    const packed = packCheckMessages(tasks, { maxTasks: 100, maxBytes });

    // Assess
    expect(packed.length).toBeGreaterThan(1);
    for (const body of packed) expect(Buffer.byteLength(body)).toBeLessThanOrEqual(maxBytes);
  });

  it('defaults maxBytes to just under 64 KiB (one SQS billing unit)', () => {
    // Prepare
    const tasks = someTasks(2_000);

    // Act
    const packed = packCheckMessages(tasks, { maxTasks: 10_000 });

    // Assess
    expect(DEFAULT_MAX_MESSAGE_BYTES).toBeLessThanOrEqual(64 * 1024);
    expect(packed.length).toBeGreaterThan(1);
    for (const body of packed) expect(Buffer.byteLength(body)).toBeLessThanOrEqual(DEFAULT_MAX_MESSAGE_BYTES);
  });

  it('sends a task bigger than maxBytes alone in its own body rather than dropping it', () => {
    // Prepare
    const tasks = someTasks(6);
    const maxBytes = 300;

    // Act
    const packed = packCheckMessages(tasks, { maxTasks: 10, maxBytes });

    // Assess
    expect(packed).toHaveLength(6);
    packed.forEach((body, i) => {
      expect(Buffer.byteLength(body)).toBeGreaterThan(maxBytes);
      expect(parseCheckMessage(body).tasks.map((task) => task.checkId)).toEqual([tasks[i]?.checkId]);
    });
  });

  it('packs no tasks into no bodies', () => {
    // Prepare
    // Act
    const packed = packCheckMessages([], { maxTasks: 10 });

    // Assess
    expect(packed).toEqual([]);
  });

  it('writes versioned JSON', () => {
    // Prepare
    const tasks = someTasks(2);

    // Act
    const [body] = packCheckMessages(tasks, { maxTasks: 10 });

    // Assess
    expect(JSON.parse(body ?? 'null')).toMatchObject({ v: 1, tasks: [{ checkId: 'm29000000' }, {}] });
  });
});

describe('parseCheckMessage', () => {
  const goodTask = () => ({ checkId: 'm1', site: aSite(), state: INITIAL_STATE });

  it.each([
    { label: 'not JSON', body: 'definitely not json', says: 'message is not JSON' },
    { label: 'an empty body', body: '', says: 'message is not JSON' },
    { label: 'truncated JSON', body: '{"v":1,"tasks":[', says: 'message is not JSON' },
    { label: 'JSON null', body: 'null', says: 'message is invalid at the root' },
    { label: 'a JSON string', body: '"hello"', says: 'message is invalid at the root' },
    {
      label: 'version 2',
      body: JSON.stringify({ v: 2, tasks: [goodTask()] }),
      says: 'message is invalid at v: unknown message version 2',
    },
    {
      label: 'version "1" (a string)',
      body: JSON.stringify({ v: '1', tasks: [goodTask()] }),
      says: 'unknown message version "1"',
    },
    { label: 'no version', body: JSON.stringify({ tasks: [goodTask()] }), says: 'message is invalid at v:' },
    { label: 'no tasks field', body: JSON.stringify({ v: 1 }), says: 'message is invalid at tasks:' },
    {
      label: 'an empty task list',
      body: bodyWithTasks([]),
      says: 'message is invalid at tasks: a message must carry at least one task',
    },
    {
      label: 'tasks not a list',
      body: JSON.stringify({ v: 1, tasks: {} }),
      says: 'message is invalid at tasks:',
    },
  ])('rejects $label, saying what is wrong', ({ body, says }) => {
    // Prepare
    // Act
    const message = messageOf(() => parseCheckMessage(body));

    // Assess
    expect(message).toContain(says);
  });

  it.each([
    {
      label: 'a task with an ftp URL',
      body: bodyWithTasks([goodTask(), { ...goodTask(), site: { ...aSite(), url: 'ftp://example.com' } }]),
      says: 'task 1 is invalid at site.url: url scheme must be http or https, got "ftp"',
    },
    {
      label: 'a task with a URL that is not a URL',
      body: bodyWithTasks([{ ...goodTask(), site: { ...aSite(), url: 'nope' } }]),
      says: 'task 0 is invalid at site.url: url "nope" is not an absolute URL',
    },
    {
      label: 'a task without a site',
      body: bodyWithTasks([{ checkId: 'm1', state: INITIAL_STATE }]),
      says: 'task 0 is invalid at site:',
    },
    {
      label: 'a task with an empty checkId',
      body: bodyWithTasks([{ ...goodTask(), checkId: '' }]),
      says: 'task 0 is invalid at checkId:',
    },
    {
      label: 'a task with a 65-character checkId',
      body: bodyWithTasks([{ ...goodTask(), checkId: 'm'.repeat(65) }]),
      says: 'task 0 is invalid at checkId:',
    },
    {
      label: 'a task with a bad state',
      body: bodyWithTasks([{ ...goodTask(), state: { status: 'SIDEWAYS' } }]),
      says: 'task 0 is invalid at state.status:',
    },
    {
      label: 'a task with a bad interval',
      body: bodyWithTasks([{ ...goodTask(), site: { ...aSite(), intervalMinutes: 0 } }]),
      says: 'intervalMinutes must be a whole number from 1 to 60, got 0',
    },
  ])('keeps $label apart from the message, saying what is wrong; the good tasks stand', ({ body, says }) => {
    // Prepare
    const good = (JSON.parse(body) as { tasks: unknown[] }).tasks.filter(
      (task) => JSON.stringify(task) === JSON.stringify(goodTask()),
    );

    // Act
    const parsed = parseCheckMessage(body);

    // Assess
    expect(parsed.tasks).toHaveLength(good.length);
    expect(parsed.invalid).toHaveLength(1);
    expect(parsed.invalid[0]?.problem).toContain(says);
  });

  it('reads a retried task with its attempt number, and refuses one past the last attempt', () => {
    // Prepare
    const retried = { ...goodTask(), attempt: 2 };
    const tooMany = { ...goodTask(), attempt: MAX_TASK_ATTEMPTS + 1 };

    // Act
    const parsed = parseCheckMessage(bodyWithTasks([retried, tooMany]));

    // Assess
    expect(parsed.tasks.map((task) => task.attempt)).toEqual([2]);
    expect(parsed.invalid[0]?.problem).toContain('task 1 is invalid at attempt');
  });

  it(`rejects a body over ${MAX_ACCEPTED_MESSAGE_BYTES} bytes, saying how big it is`, () => {
    // Prepare
    const tasks = someTasks(1_500);
    const body = bodyWithTasks(tasks);
    const bytes = Buffer.byteLength(body);

    // Act
    const message = messageOf(() => parseCheckMessage(body));

    // Assess
    expect(bytes).toBeGreaterThan(MAX_ACCEPTED_MESSAGE_BYTES);
    expect(message).toBe(`message is ${bytes} bytes, over the ${MAX_ACCEPTED_MESSAGE_BYTES} accepted`);
  });

  it('rejects an oversized body before trying to parse it', () => {
    // Prepare
    const body = `not json ${'x'.repeat(MAX_ACCEPTED_MESSAGE_BYTES)}`;

    // Act
    const message = messageOf(() => parseCheckMessage(body));

    // Assess
    expect(message).toContain('bytes, over the');
  });

  it(`accepts exactly ${MAX_ACCEPTED_MESSAGE_BYTES} bytes and rejects one byte more`, () => {
    // Prepare
    const json = bodyWithTasks([goodTask()]);
    const atLimit = json + ' '.repeat(MAX_ACCEPTED_MESSAGE_BYTES - Buffer.byteLength(json));

    // Act
    const accepted = parseCheckMessage(atLimit);
    const rejected = messageOf(() => parseCheckMessage(`${atLimit} `));

    // Assess
    expect(Buffer.byteLength(atLimit)).toBe(MAX_ACCEPTED_MESSAGE_BYTES);
    expect(accepted.tasks).toHaveLength(1);
    expect(rejected).toContain(`message is ${MAX_ACCEPTED_MESSAGE_BYTES + 1} bytes`);
  });

  it('measures the limit in bytes: 100,000 three-byte characters are too many', () => {
    // Prepare
    const body = bodyWithTasks([{ ...goodTask(), site: { ...aSite(), name: '東'.repeat(100_000) } }]);

    // Act
    const message = messageOf(() => parseCheckMessage(body));

    // Assess
    expect(body.length).toBeLessThan(MAX_ACCEPTED_MESSAGE_BYTES);
    expect(message).toContain('bytes, over the');
  });

  it('applies site defaults, so a message written before a field existed still parses', () => {
    // Prepare
    const body = bodyWithTasks([
      { checkId: 'm1', site: { siteId: 'old', url: 'https://old.example.com' }, state: {} },
    ]);

    // Act
    const message = parseCheckMessage(body);

    // Assess
    expect(message.tasks[0]).toStrictEqual({
      checkId: 'm1',
      site: aSite({
        siteId: 'old',
        url: 'https://old.example.com',
        name: 'old.example.com',
        owner: 'default',
      }),
      state: INITIAL_STATE,
    });
  });

  it('throws an Error named CheckMessageError, keeping the JSON error as cause', () => {
    // Prepare
    let caught: unknown;

    // Act
    try {
      parseCheckMessage('{');
    } catch (error) {
      caught = error;
    }

    // Assess
    expect(caught).toBeInstanceOf(Error);
    expect((caught as Error).name).toBe('CheckMessageError');
    expect((caught as Error).cause).toBeInstanceOf(SyntaxError);
  });
});

describe('snapshotOf', () => {
  it('leaves display history and the writer token on the item, and stays small after a day of flapping with SNS down', () => {
    // Prepare: a flap a minute for 24 hours, nothing ever published
    const site = aSite({ failureThreshold: 1, recoveryThreshold: 1 });
    let state: SiteState = INITIAL_STATE;
    for (let i = 0; i < 1_440; i++) {
      const result = i % 2 === 0 ? downResult('http-5xx', 'x'.repeat(2_000), 503) : upResult();
      state = decideTransition(site, state, result, `m${i}`, T0 + i * 60_000).next ?? state;
    }
    state = { ...state, commitToken: 'a1b2c3d4e5f6' };

    // Act
    const snapshot = snapshotOf(state);
    const [body = ''] = packCheckMessages([{ checkId: 'm9999', site, state: snapshot }], { maxTasks: 1 });

    // Assess
    expect(snapshot.lastCheck).toBeUndefined();
    expect(snapshot.commitToken).toBeUndefined();
    expect(Object.keys(snapshot.pendingAlerts ?? {})).toHaveLength(1);
    expect(Buffer.byteLength(body)).toBeLessThan(4_000);
  });
});
