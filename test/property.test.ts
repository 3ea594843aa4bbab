// Property tests on the manual clock: whatever the callers do, no window of any length sees more
// grants than the bound, waiters are served in order, and nobody waits forever.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyedLimiter, TokenBucket, type RateLimiter } from '../src/index.js';
import { createManualClock, type ManualClock } from '../src/testing.js';

type Action =
  | { type: 'nowait'; key: number; cost: number }
  | { type: 'acquire'; key: number; cost: number; abortable: 'no' | 'own' | 'shared'; maxWait: number }
  | { type: 'abort'; pick: number }
  | { type: 'abortShared' }
  | { type: 'advance'; ms: number }
  | { type: 'pause'; key: number; ms: number };

interface Grant {
  key: number;
  at: number;
  cost: number;
}

/** Checks every window [t_i, t_j] between two grants of the same key against the bound. */
function assertWindows(grants: Grant[], bound: (ms: number) => number): void {
  const byKey = new Map<number, Grant[]>();
  for (const g of grants) byKey.set(g.key, [...(byKey.get(g.key) ?? []), g]);
  for (const list of byKey.values()) {
    list.sort((a, b) => a.at - b.at);
    for (let i = 0; i < list.length; i++) {
      let sum = 0;
      for (let j = i; j < list.length; j++) {
        sum += list[j]!.cost;
        const width = list[j]!.at - list[i]!.at;
        if (sum > bound(width) + 1e-6) {
          throw new Error(`${sum} tokens granted in ${width} ms for key ${list[i]!.key}, bound ${bound(width)}`);
        }
      }
    }
  }
}

const cost = (capacity: number) =>
  fc.oneof(fc.constant(Math.min(1, capacity)), fc.constant(0), fc.constant(capacity), fc.double({ min: 0, max: capacity, noNaN: true }));

const actions = (capacity: number, keys: number) =>
  fc.array(
    fc.oneof(
      fc.record({ type: fc.constant('nowait' as const), key: fc.nat(keys - 1), cost: cost(capacity) }),
      fc.record({
        type: fc.constant('acquire' as const),
        key: fc.nat(keys - 1),
        cost: cost(capacity),
        abortable: fc.constantFrom('no' as const, 'own' as const, 'shared' as const),
        maxWait: fc.oneof(fc.constant(Infinity), fc.integer({ min: 0, max: 3_000 })),
      }),
      fc.record({ type: fc.constant('abort' as const), pick: fc.nat() }),
      fc.record({ type: fc.constant('abortShared' as const) }),
      fc.record({ type: fc.constant('advance' as const), ms: fc.oneof(fc.integer({ min: 0, max: 2_000 }), fc.double({ min: 0, max: 50, noNaN: true })) }),
      fc.record({ type: fc.constant('pause' as const), key: fc.nat(keys - 1), ms: fc.integer({ min: 0, max: 1_500 }) }),
    ),
    { maxLength: 60 },
  );

interface Target {
  nowait(key: number, cost: number): boolean;
  acquire(key: number, cost: number, signal: AbortSignal | undefined, maxWait: number): Promise<void>;
  pause(key: number, ms: number): void;
}

/** Runs the actions, returning the grants and what is still waiting. */
async function run(clock: ManualClock, target: Target, script: Action[]) {
  const grants: Grant[] = [];
  const waiters: { id: number; key: number; controller: AbortController | undefined; done: boolean }[] = [];
  const served: number[] = [];
  let id = 0;
  let shared = new AbortController();
  for (const action of script) {
    switch (action.type) {
      case 'nowait': {
        const queued = waiters.some((w) => !w.done && w.key === action.key);
        const ok = target.nowait(action.key, action.cost);
        if (ok && action.cost > 0 && queued) throw new Error('acquireNowait overtook a waiter');
        if (ok) grants.push({ key: action.key, at: clock.now(), cost: action.cost });
        break;
      }
      case 'acquire': {
        const controller = action.abortable === 'own' ? new AbortController() : action.abortable === 'shared' ? shared : undefined;
        const waiter = { id: id++, key: action.key, controller, done: false };
        waiters.push(waiter);
        target.acquire(action.key, action.cost, controller?.signal, action.maxWait).then(
          () => {
            waiter.done = true;
            // Cost 0 is granted at once by design, so it is outside the order of the queue.
            if (action.cost > 0) served.push(waiter.id);
            grants.push({ key: action.key, at: clock.now(), cost: action.cost });
          },
          () => {
            waiter.done = true;
          },
        );
        await Promise.resolve();
        break;
      }
      case 'abort': {
        const open = waiters.filter((w) => !w.done && w.controller !== undefined);
        open[action.pick % Math.max(1, open.length)]?.controller?.abort();
        await clock.advance(0);
        break;
      }
      case 'abortShared':
        shared.abort();
        shared = new AbortController();
        await clock.advance(0);
        break;
      case 'advance':
        await clock.advance(action.ms);
        break;
      case 'pause':
        target.pause(action.key, action.ms);
        break;
    }
  }
  return { grants, waiters, served };
}

/** Served ids of one key must be increasing: first come, first served. */
function assertFifo(served: number[], waiters: { id: number; key: number }[]): void {
  const keyOf = new Map(waiters.map((w) => [w.id, w.key]));
  const last = new Map<number, number>();
  for (const servedId of served) {
    const key = keyOf.get(servedId)!;
    if ((last.get(key) ?? -1) > servedId) throw new Error(`waiter ${servedId} of key ${key} served out of order`);
    last.set(key, servedId);
  }
}

describe('TokenBucket properties', () => {
  it('never grants more than capacity + rate * window in any window; FIFO; nobody waits forever', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 10 }), fc.double({ min: 0.5, max: 10, noNaN: true })),
        fc.constantFrom(0.5, 1, 3, 10, 50, 1_000 / 7),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 1e9 }),
        fc.gen(),
        async (capacity, refillPerSecond, fill, start, gen) => {
          const clock = createManualClock(start);
          const bucket = new TokenBucket({ capacity, refillPerSecond, initialTokens: capacity * fill, clock });
          const script = gen(actions, capacity, 1);
          const target: Target = {
            nowait: (_, c) => bucket.acquireNowait(c),
            acquire: (_, c, signal, maxWait) => bucket.acquire(c, { signal, maxWait }),
            pause: (_, ms) => bucket.pause(ms),
          };
          const { grants, waiters, served } = await run(clock, target, script);
          const queued = waiters.filter((w) => !w.done).length;
          await clock.advance(((queued + 1) * capacity * 1000) / refillPerSecond + 2_000);
          expect(waiters.every((w) => w.done)).toBe(true);
          expect(bucket.stats.waiting).toBe(0);
          expect(clock.pendingTimers).toBe(0);
          assertWindows(grants, (ms) => capacity + (refillPerSecond * ms) / 1000);
          assertFifo(served, waiters);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('KeyedLimiter properties', () => {
  it('keeps every key within its bound while keys are dropped, evicted and recreated', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.constantFrom(1, 4, 20),
        fc.constantFrom(1, 2, Infinity),
        fc.gen(),
        async (capacity, refillPerSecond, maxKeys, gen) => {
          const clock = createManualClock();
          const keyed = new KeyedLimiter<number, RateLimiter>(() => new TokenBucket({ capacity, refillPerSecond, clock }), { clock, maxKeys });
          const script = gen(actions, capacity, 4);
          const target: Target = {
            nowait: (key, c) => keyed.acquireNowait(key, c),
            acquire: (key, c, signal, maxWait) => keyed.acquire(key, c, { signal, maxWait }),
            pause: (key, ms) => {
              try {
                keyed.get(key).pause(ms);
              } catch {
                // max-keys: the key cannot be held now
              }
            },
          };
          const { grants, waiters, served } = await run(clock, target, script);
          await clock.advance(((waiters.length + 1) * capacity * 1000) / refillPerSecond + 2_000);
          expect(waiters.every((w) => w.done)).toBe(true);
          expect(clock.pendingTimers).toBe(0);
          expect(keyed.size).toBeLessThanOrEqual(maxKeys);
          assertWindows(grants, (ms) => capacity + (refillPerSecond * ms) / 1000);
          assertFifo(served, waiters);
        },
      ),
      { numRuns: 300 },
    );
  });
});
