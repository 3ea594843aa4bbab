// Priorities of acquire: higher first, call order within one, and no starvation: a waiter whose
// predicted turn has come is never overtaken again. On the manual clock.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RateLimitError, TokenBucket, type LimiterEvent } from '../src/index.js';
import { createManualClock } from '../src/testing.js';
import { rejection, settlements } from './settle.js';

/** A bucket of one token, refilled once a second, emptied at 0: waiters are served 1 s apart. */
function setup(capacity = 1, refillPerSecond = 1) {
  const clock = createManualClock();
  const bucket = new TokenBucket({ capacity, refillPerSecond, clock });
  bucket.acquireNowait(capacity);
  return { clock, bucket };
}

describe('priority: service order of callers waiting at once (table)', () => {
  const table: { name: string; callers: [label: string, priority: number][]; want: string[] }[] = [
    { name: 'equal priorities: call order', callers: [['a', 0], ['b', 0], ['c', 0]], want: ['a', 'b', 'c'] },
    { name: 'a later higher priority goes first', callers: [['a', 0], ['b', 1]], want: ['b', 'a'] },
    { name: 'mixed', callers: [['a', 1], ['b', 0], ['c', 2], ['d', 1]], want: ['c', 'a', 'd', 'b'] },
    { name: 'negative and fractional', callers: [['a', -1], ['b', -0.5], ['c', 0], ['d', 0.25]], want: ['d', 'c', 'b', 'a'] },
    { name: 'the extremes', callers: [['a', -Number.MAX_VALUE], ['b', Number.MAX_VALUE], ['c', 0]], want: ['b', 'c', 'a'] },
    { name: 'ties keep call order after an overtaking', callers: [['a', 0], ['b', 0.1], ['c', 0.1], ['d', 0.2], ['e', 0]], want: ['d', 'b', 'c', 'a', 'e'] },
    { name: '-0 equals 0', callers: [['a', 0], ['b', -0]], want: ['a', 'b'] },
  ];

  it.each(table)('$name', async ({ callers, want }) => {
    const { clock, bucket } = setup();
    const { log, track } = settlements(clock);
    for (const [label, priority] of callers) track(label, bucket.acquire(1, { priority }));
    await clock.advance(callers.length * 1_000);
    expect(log).toEqual(want.map((label, i) => ({ label, at: (i + 1) * 1_000 })));
  });

  it('a high-priority small cost goes first and is served when its own tokens are there', async () => {
    const { clock, bucket } = setup(2, 1);
    const { log, track } = settlements(clock);
    track('big', bucket.acquire(2)); // 2000 alone
    track('small', bucket.acquire(1, { priority: 1 }));
    await clock.advance(5_000);
    expect(log).toEqual([
      { label: 'small', at: 1_000 },
      { label: 'big', at: 3_000 },
    ]);
  });

  it('a high-priority caller whose tokens are there now is served at once, ahead of a bigger head', async () => {
    const clock = createManualClock();
    const bucket = new TokenBucket({ capacity: 5, refillPerSecond: 1, initialTokens: 2, clock });
    const { log, track } = settlements(clock);
    track('big', bucket.acquire(5)); // needs 3 more tokens: 3000
    track('small', bucket.acquire(1, { priority: 1 }));
    await clock.advance(0);
    expect(log).toEqual([{ label: 'small', at: 0 }]);
    await clock.advance(4_000);
    expect(log.at(-1)).toEqual({ label: 'big', at: 4_000 });
  });

  it('acquireNowait never jumps the queue, whatever the priorities waiting', () => {
    const { clock, bucket } = setup(2, 1);
    void bucket.acquire(2, { priority: -10 });
    clock.advanceSync(1_000);
    expect(bucket.available).toBe(1);
    expect(bucket.acquireNowait(1)).toBe(false);
  });
});

describe('priority: a due waiter is not overtaken (no starvation)', () => {
  // L (priority 0) joins at 0 with a predicted turn at 1000 (its dueAt). High-priority callers
  // (priority 1) join at the times given; a new one is served every second from 1000 on.
  const table = [
    { arrivals: [500], want: ['H@500', 'L'] },
    { arrivals: [0, 999], want: ['H@0', 'H@999', 'L'] },
    { arrivals: [0, 1_000], want: ['H@0', 'L', 'H@1000'] },
    { arrivals: [0, 500, 999, 1_000, 1_001], want: ['H@0', 'H@500', 'H@999', 'L', 'H@1000', 'H@1001'] },
    { arrivals: [0, 1_500, 2_500], want: ['H@0', 'L', 'H@1500', 'H@2500'] },
  ];

  it.each(table)('high-priority arrivals at $arrivals → $want', async ({ arrivals, want }) => {
    const { clock, bucket } = setup();
    const { log, track } = settlements(clock);
    track('L', bucket.acquire(1));
    for (const at of arrivals) {
      await clock.advance(at - clock.now());
      track(`H@${at}`, bucket.acquire(1, { priority: 1 }));
    }
    await clock.advance(want.length * 1_000);
    expect(log).toEqual(want.map((label, i) => ({ label, at: (i + 1) * 1_000 })));
  });

  it('dueAt is the turn predicted when the waiter joined: behind others, it is due later', async () => {
    const { clock, bucket } = setup();
    const { log, track } = settlements(clock);
    track('H@0', bucket.acquire(1, { priority: 1 })); // 1000
    track('L', bucket.acquire(1)); // predicted 2000
    await clock.advance(1_500);
    track('H@1500', bucket.acquire(1, { priority: 1 })); // L is not due: overtaken
    await clock.advance(500); // 2000: H@1500 served
    track('H@2000', bucket.acquire(1, { priority: 1 })); // L is due: behind it
    await clock.advance(3_000);
    expect(log).toEqual([
      { label: 'H@0', at: 1_000 },
      { label: 'H@1500', at: 2_000 },
      { label: 'L', at: 3_000 },
      { label: 'H@2000', at: 4_000 },
    ]);
  });

  it('a continuous stream of high priorities, one per refill interval, cannot starve a low one', async () => {
    const { clock, bucket } = setup();
    const { log, track } = settlements(clock);
    track('L', bucket.acquire(1)); // dueAt 1000
    track('H0', bucket.acquire(1, { priority: 1 })); // overtakes: L is not due
    // One more high-priority caller just before every token, for 20 s.
    for (let k = 1; k <= 20; k++) {
      await clock.advance(k * 1_000 - 1 - clock.now());
      track(`H${k}`, bucket.acquire(1, { priority: 1 }));
    }
    await clock.advance(30_000);
    // H1 joined at 999, before L's turn came, and overtook it too; from 1000 on L is pinned.
    expect(log.slice(0, 5)).toEqual([
      { label: 'H0', at: 1_000 },
      { label: 'H1', at: 2_000 },
      { label: 'L', at: 3_000 },
      { label: 'H2', at: 4_000 },
      { label: 'H3', at: 5_000 },
    ]);
    expect(log.map((e) => e.label)).toEqual(['H0', 'H1', 'L', ...Array.from({ length: 19 }, (_, i) => `H${i + 2}`)]);
    expect(log.at(-1)).toEqual({ label: 'H20', at: 22_000 });
  });

  it('a waiter overtaken before its turn is pinned from its turn on', async () => {
    const { clock, bucket } = setup();
    const { log, track } = settlements(clock);
    track('H', bucket.acquire(1, { priority: 1 })); // 1000
    track('L1', bucket.acquire(1)); // due at 2000
    track('L2', bucket.acquire(1, { priority: -1 })); // due at 3000
    await clock.advance(2_500); // H served at 1000, L1 at 2000; L2 is not due yet
    track('M', bucket.acquire(1, { priority: 0 })); // overtakes L2
    await clock.advance(500); // 3000: M served; L2 is due now
    track('N', bucket.acquire(1, { priority: 5 })); // behind L2
    await clock.advance(3_000);
    expect(log).toEqual([
      { label: 'H', at: 1_000 },
      { label: 'L1', at: 2_000 },
      { label: 'M', at: 3_000 },
      { label: 'L2', at: 4_000 },
      { label: 'N', at: 5_000 },
    ]);
  });

  it.each([
    { at: 999, want: [['C', 1_000], ['A', 6_000], ['B', 7_000]] },
    { at: 1_000, want: [['A', 5_000], ['B', 6_000], ['C', 7_000]] },
  ])('a due waiter also pins the waiters ahead of it, due or not (newcomer at $at)', async ({ at, want }) => {
    const { clock, bucket } = setup(5, 1);
    const { log, track } = settlements(clock);
    track('B', bucket.acquire(1)); // due at 1000
    track('A', bucket.acquire(5, { priority: 5 })); // goes ahead of B; due at 5000
    await clock.advance(at);
    // From 1000 on, B is due: the newcomer may pass neither B nor A, though A is not due.
    track('C', bucket.acquire(1, { priority: 10 }));
    await clock.advance(10_000);
    expect(log.map((e) => [e.label, e.at])).toEqual(want);
  });
});

describe('priority: maxWait and timeToAvailable predictions', () => {
  it('a high-priority newcomer is predicted behind the pinned waiters', async () => {
    const { clock, bucket } = setup();
    const { log, track } = settlements(clock);
    track('L', bucket.acquire(1)); // dueAt 1000
    track('H0', bucket.acquire(1, { priority: 1, maxWait: 1_000 })); // ahead of L: 1000
    await clock.advance(999);
    // L is not due: only H0 ahead → 2000, a wait of 1001.
    expect(await rejection(bucket.acquire(1, { priority: 1, maxWait: 1_000 }))).toMatchObject({ reason: 'max-wait', retryAfter: 1_001 });
    track('H1', bucket.acquire(1, { priority: 1, maxWait: 1_001 }));
    await clock.advance(1_000); // 1999; H0 served at 1000
    // L is due (pinned): H1 and L ahead → 4000, a wait of 2001. Unpinned it would be 1001.
    const refused = await rejection(bucket.acquire(1, { priority: 1, maxWait: 2_000 }));
    expect(refused).toBeInstanceOf(RateLimitError);
    expect(refused).toMatchObject({ reason: 'max-wait', retryAfter: 2_001 });
    track('H2', bucket.acquire(1, { priority: 1, maxWait: 2_001 }));
    await clock.advance(3_000);
    expect(log).toEqual([
      { label: 'H0', at: 1_000 },
      { label: 'H1', at: 2_000 },
      { label: 'L', at: 3_000 },
      { label: 'H2', at: 4_000 },
    ]);
  });

  it.each([
    { priority: -1, want: 4_000 },
    { priority: 0, want: 4_000 },
    { priority: 1, want: 3_000 },
    { priority: 2, want: 2_000 },
    { priority: 3, want: 1_000 },
  ])('waiters of priorities 0, 1, 2 not due: a newcomer of priority $priority is predicted $want', async ({ priority, want }) => {
    const { bucket } = setup();
    for (const p of [0, 1, 2]) void bucket.acquire(1, { priority: p });
    expect(await rejection(bucket.acquire(1, { priority, maxWait: want - 1 }))).toMatchObject({ retryAfter: want });
    expect(bucket.stats.waiting).toBe(3);
  });

  it('timeToAvailable answers for priority 0', () => {
    const { bucket } = setup();
    void bucket.acquire(1, { priority: 1 });
    void bucket.acquire(1, { priority: -1 });
    expect(bucket.timeToAvailable()).toBe(2_000);
  });
});

describe('priority: validation', () => {
  it.each([
    { priority: Number.NaN, error: RangeError, message: /`priority`.*a finite number.*NaN \(number\)/ },
    { priority: Infinity, error: RangeError, message: /`priority`.*Infinity \(number\)/ },
    { priority: -Infinity, error: RangeError, message: /`priority`.*-Infinity \(number\)/ },
    { priority: '1', error: TypeError, message: /`priority`.*"1" \(string\)/ },
    { priority: null, error: TypeError, message: /`priority`.*null/ },
    { priority: true, error: TypeError, message: /`priority`.*true \(boolean\)/ },
  ])('priority $priority rejects with a $error.name (never throws), nothing queued', async ({ priority, error, message }) => {
    const { clock, bucket } = setup();
    let promise: Promise<void> | undefined;
    expect(() => (promise = bucket.acquire(1, { priority: priority as number }))).not.toThrow();
    const reason = await rejection(promise!);
    expect(reason).toBeInstanceOf(error);
    expect((reason as Error).message).toMatch(message);
    expect(bucket.stats.waiting).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it.each([Number.MAX_VALUE, -Number.MAX_VALUE, 0.5, -0, undefined])('priority %s is accepted', async (priority) => {
    const { clock, bucket } = setup();
    const done = bucket.acquire(1, { priority });
    await clock.advance(1_000);
    await expect(done).resolves.toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// Property: random schedules of acquires with random priorities, aborts, pauses and time steps.

type Action =
  | { type: 'acquire'; cost: number; priority: number; abortable: boolean }
  | { type: 'abort'; pick: number }
  | { type: 'advance'; ms: number }
  | { type: 'pause'; ms: number };

interface Caller {
  id: number;
  priority: number;
  cost: number;
  joinedAt: number;
  /** Predicted turn (join time + the `queued` event's wait); undefined when granted at once. */
  dueAt: number | undefined;
  /** Callers waiting (queued, not settled) when this one joined. */
  waitingAtJoin: Caller[];
  controller: AbortController | undefined;
  settled: boolean;
  /** Position in the order of service; undefined when not served. */
  servedSeq: number | undefined;
  servedAt: number | undefined;
}

const actions = (capacity: number) =>
  fc.array(
    fc.oneof(
      {
        weight: 5,
        arbitrary: fc.record({
          type: fc.constant('acquire' as const),
          cost: fc.oneof(fc.constant(1), fc.constant(capacity), fc.double({ min: 0.01, max: capacity, noNaN: true })),
          priority: fc.integer({ min: -2, max: 2 }),
          abortable: fc.boolean(),
        }),
      },
      { weight: 1, arbitrary: fc.record({ type: fc.constant('abort' as const), pick: fc.nat() }) },
      { weight: 3, arbitrary: fc.record({ type: fc.constant('advance' as const), ms: fc.oneof(fc.integer({ min: 0, max: 1_500 }), fc.double({ min: 0, max: 20, noNaN: true })) }) },
      { weight: 1, arbitrary: fc.record({ type: fc.constant('pause' as const), ms: fc.integer({ min: 0, max: 1_000 }) }) },
    ),
    { maxLength: 80 },
  );

/** Whole tokens and steps on a 250 ms grid: arrivals often fall exactly on a waiter's turn. */
const gridActions = () =>
  fc.array(
    fc.oneof(
      {
        weight: 5,
        arbitrary: fc.record({
          type: fc.constant('acquire' as const),
          cost: fc.constantFrom(1, 2),
          priority: fc.integer({ min: 0, max: 2 }),
          abortable: fc.boolean(),
        }),
      },
      { weight: 1, arbitrary: fc.record({ type: fc.constant('abort' as const), pick: fc.nat() }) },
      { weight: 4, arbitrary: fc.record({ type: fc.constant('advance' as const), ms: fc.constantFrom(0, 250, 500, 1_000) }) },
      { weight: 1, arbitrary: fc.record({ type: fc.constant('pause' as const), ms: fc.constantFrom(0, 500, 1_000) }) },
    ),
    { maxLength: 60 },
  );

async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

/**
 * Runs a schedule, then waits long enough for everyone, and checks:
 * - liveness: every caller not aborted is served, no timer is left;
 * - the bound: in any window of w ms at most capacity + rate * w tokens are granted;
 * - order: a caller Y served before an earlier caller X must have a higher priority than X and
 *   have joined before X's turn was due (Y.joinedAt < X.dueAt) — nobody overtakes an equal or
 *   higher priority, nor anyone due;
 * - priority: a caller that joins with a priority higher than every waiter's, when none of them
 *   is due, is served before all of them.
 */
async function checkSchedule(capacity: number, refillPerSecond: number, start: number, script: Action[]): Promise<void> {
  const clock = createManualClock(start);
  let lastQueued: LimiterEvent | undefined;
  const grants: { at: number; cost: number }[] = [];
  const bucket = new TokenBucket({
    capacity,
    refillPerSecond,
    clock,
    onEvent: (event) => {
      if (event.type === 'queued') lastQueued = event;
      if (event.type === 'granted') grants.push({ at: clock.now(), cost: event.cost });
    },
  });
  const callers: Caller[] = [];
  let seq = 0;
  for (const action of script) {
    switch (action.type) {
      case 'acquire': {
        await flush();
        const controller = action.abortable ? new AbortController() : undefined;
        const waitingAtJoin = callers.filter((c) => !c.settled && c.dueAt !== undefined);
        const joinedAt = clock.now();
        lastQueued = undefined;
        const promise = bucket.acquire(action.cost, { priority: action.priority, signal: controller?.signal });
        const queued = lastQueued as LimiterEvent | undefined;
        const caller: Caller = {
          id: callers.length,
          priority: action.priority,
          cost: action.cost,
          joinedAt,
          dueAt: queued === undefined ? undefined : joinedAt + queued.wait,
          waitingAtJoin,
          controller,
          settled: false,
          servedSeq: undefined,
          servedAt: undefined,
        };
        callers.push(caller);
        promise.then(
          () => Object.assign(caller, { settled: true, servedSeq: seq++, servedAt: clock.now() }),
          () => Object.assign(caller, { settled: true }),
        );
        break;
      }
      case 'abort': {
        await flush();
        const open = callers.filter((c) => !c.settled && c.controller !== undefined);
        open[action.pick % Math.max(1, open.length)]?.controller?.abort();
        break;
      }
      case 'advance':
        await clock.advance(action.ms);
        break;
      case 'pause':
        bucket.pause(action.ms);
        break;
    }
  }
  const owed = callers.reduce((sum, c) => sum + (c.settled ? 0 : c.cost), 0);
  await clock.advance(((owed + capacity) * 1_000) / refillPerSecond + 2_000);

  // Liveness.
  for (const c of callers) {
    if (!c.settled) throw new Error(`caller ${c.id} (priority ${c.priority}) was never served`);
  }
  expect(bucket.stats.waiting).toBe(0);
  expect(clock.pendingTimers).toBe(0);

  // The bound, over every window between two grants.
  const sorted = grants.slice().sort((a, b) => a.at - b.at);
  for (let i = 0; i < sorted.length; i++) {
    let sum = 0;
    for (let j = i; j < sorted.length; j++) {
      sum += sorted[j]!.cost;
      const width = sorted[j]!.at - sorted[i]!.at;
      const bound = capacity + (refillPerSecond * width) / 1_000;
      if (sum > bound + 1e-6) throw new Error(`${sum} tokens granted in ${width} ms, bound ${bound}`);
    }
  }

  // Order.
  const served = callers.filter((c) => c.servedSeq !== undefined);
  for (const x of served) {
    for (const y of served) {
      if (y.id <= x.id || y.servedSeq! > x.servedSeq!) continue;
      // y joined after x and was served before it.
      const allowed = y.priority > x.priority && x.dueAt !== undefined && y.joinedAt < x.dueAt;
      if (!allowed) {
        throw new Error(
          `caller ${y.id} (priority ${y.priority}, joined ${y.joinedAt}) was served before caller ${x.id} ` +
            `(priority ${x.priority}, joined ${x.joinedAt}, due ${x.dueAt})`,
        );
      }
    }
  }

  // Priority.
  for (const y of served) {
    if (y.dueAt === undefined) continue;
    const ahead = y.waitingAtJoin;
    if (!ahead.every((x) => x.priority < y.priority && x.dueAt! > y.joinedAt)) continue;
    for (const x of ahead) {
      if (x.servedSeq !== undefined && x.servedSeq < y.servedSeq!) {
        throw new Error(`caller ${y.id} (priority ${y.priority}) was not served before caller ${x.id} (priority ${x.priority}, not due)`);
      }
    }
  }
}

describe('priority: properties', () => {
  it('everyone is served, the bound holds, and only a higher priority overtakes, and only before the turn came', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 5 }), fc.double({ min: 0.5, max: 5, noNaN: true })),
        fc.constantFrom(1, 2, 10, 1_000 / 7),
        fc.integer({ min: 0, max: 1e9 }),
        fc.gen(),
        async (capacity, refillPerSecond, start, gen) => {
          await checkSchedule(capacity, refillPerSecond, start, gen(actions, capacity));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the same on a coarse grid, where callers often arrive exactly when a turn comes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(2, 3), fc.constantFrom(1, 4), fc.gen(), async (capacity, refillPerSecond, gen) => {
        await checkSchedule(capacity, refillPerSecond, 0, gen(gridActions));
      }),
      { numRuns: 1_000 },
    );
  });

  it('the stream scenario, as a schedule, meets the same checks', async () => {
    const script: Action[] = [{ type: 'acquire', cost: 1, priority: 0, abortable: false }];
    for (let k = 0; k < 10; k++) {
      script.push({ type: 'acquire', cost: 1, priority: 1, abortable: k % 3 === 0 }, { type: 'advance', ms: 999 });
      if (k % 4 === 1) script.push({ type: 'abort', pick: k });
    }
    await checkSchedule(1, 1, 0, script);
  });
});
