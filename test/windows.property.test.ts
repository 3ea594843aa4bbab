// Property tests of the window algorithms on the manual clock: whatever the callers do, no
// window holds more than its limit, waiters are served in order, and nobody waits forever.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FixedWindow, KeyedLimiter, SlidingWindowLog, type RateLimiter, type SlidingWindow } from '../src/index.js';
import { createManualClock, type ManualClock } from '../src/testing.js';

type Action =
  | { type: 'nowait'; key: number; cost: number }
  | { type: 'acquire'; key: number; cost: number; abortable: 'no' | 'own' | 'shared'; maxWait: number }
  | { type: 'abort'; pick: number }
  | { type: 'abortShared' }
  | { type: 'advance'; ms: number }
  | { type: 'edge'; pick: number; offset: number }
  | { type: 'pause'; key: number; ms: number };

interface Grant {
  key: number;
  at: number;
  cost: number;
}

const cost = (capacity: number) =>
  fc.oneof(fc.constant(Math.min(1, capacity)), fc.constant(0), fc.constant(capacity), fc.double({ min: 0, max: capacity, noNaN: true }));

const actions = (capacity: number, keys: number, longest: number) =>
  fc.array(
    fc.oneof(
      fc.record({ type: fc.constant('nowait' as const), key: fc.nat(keys - 1), cost: cost(capacity) }),
      fc.record({
        type: fc.constant('acquire' as const),
        key: fc.nat(keys - 1),
        cost: cost(capacity),
        abortable: fc.constantFrom('no' as const, 'own' as const, 'shared' as const),
        maxWait: fc.oneof(fc.constant(Infinity), fc.integer({ min: 0, max: Math.ceil(3 * longest) })),
      }),
      fc.record({ type: fc.constant('abort' as const), pick: fc.nat() }),
      fc.record({ type: fc.constant('abortShared' as const) }),
      fc.record({
        type: fc.constant('advance' as const),
        // Random steps, and steps that land next to window edges and entry departures.
        ms: fc.oneof(
          fc.integer({ min: 0, max: Math.ceil(2 * longest) }),
          fc.double({ min: 0, max: longest / 10, noNaN: true }),
          fc.constantFrom(1, 0.5, longest - 1, longest, longest / 2),
        ),
      }),
      fc.record({ type: fc.constant('edge' as const), pick: fc.nat(), offset: fc.constantFrom(-1, -0.5, -0.001, 0, 0.001, 0.5) }),
      fc.record({ type: fc.constant('pause' as const), key: fc.nat(keys - 1), ms: fc.integer({ min: 0, max: 1_500 }) }),
    ),
    { maxLength: 60 },
  );

/** Clock readings to start from: small, large, and near 1e12 with fractions. */
const start = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 1e9 }), fc.double({ min: 1e12, max: 1e12 + 1e6, noNaN: true }));

interface Target {
  nowait(key: number, cost: number): boolean;
  acquire(key: number, cost: number, signal: AbortSignal | undefined, maxWait: number): Promise<void>;
  pause(key: number, ms: number): void;
  /**
   * An instant where the algorithm's answer changes (a window start, an entry leaving), chosen
   * by `pick`, given the grants so far; the run moves the clock to it plus a small offset.
   */
  edge(pick: number, now: number, grants: readonly Grant[]): number;
  /** The limiter's prediction, checked against `acquireNowait` where given. */
  timeToAvailable?(key: number, cost: number): number;
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
        const predicted = target.timeToAvailable?.(action.key, action.cost);
        const ok = target.nowait(action.key, action.cost);
        if (predicted !== undefined && (predicted === 0) !== ok) throw new Error(`timeToAvailable said ${predicted}, acquireNowait ${ok}`);
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
      case 'edge': {
        const to = target.edge(action.pick, clock.now(), grants) + action.offset;
        if (to > clock.now()) await clock.advance(to - clock.now());
        break;
      }
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

function byKey(grants: Grant[]): Grant[][] {
  const keys = new Map<number, Grant[]>();
  for (const g of grants) keys.set(g.key, [...(keys.get(g.key) ?? []), g]);
  return [...keys.values()].map((list) => list.sort((a, b) => a.at - b.at));
}

/**
 * Every span of `interval` ms — grants `a` then `b` with `a.at + interval > b.at`, both
 * included — holds at most `bound`.
 */
function assertSliding(grants: Grant[], interval: number, bound: number): void {
  for (const list of byKey(grants)) {
    for (let i = 0; i < list.length; i++) {
      let sum = 0;
      for (let j = i; j < list.length && list[i]!.at + interval > list[j]!.at; j++) {
        sum += list[j]!.cost;
        if (sum > bound + 1e-6) {
          throw new Error(`${sum} granted from ${list[i]!.at} to ${list[j]!.at} for key ${list[i]!.key}: over ${bound} per ${interval} ms`);
        }
      }
    }
  }
}

/** Window `k` is `[k × interval, (k + 1) × interval)`, the products as computed. */
function windowOf(at: number, interval: number): number {
  const k = Math.floor(at / interval);
  if (k * interval > at) return k - 1;
  if ((k + 1) * interval <= at) return k + 1;
  return k;
}

/** Every aligned window holds at most `limit`. */
function assertAligned(grants: Grant[], interval: number, limit: number): void {
  for (const list of byKey(grants)) {
    const sums = new Map<number, number>();
    for (const g of list) {
      const k = windowOf(g.at, interval);
      const sum = (sums.get(k) ?? 0) + g.cost;
      if (sum > limit + 1e-6) throw new Error(`${sum} granted in window ${k} (from ${k * interval}) for key ${g.key}: over ${limit}`);
      sums.set(k, sum);
    }
  }
}

const limit = fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 10 }), fc.double({ min: 0.5, max: 10, noNaN: true }));
const interval = fc.constantFrom(1, 10, 100, 250, 1_000, 1_000 / 3);

describe('FixedWindow properties', () => {
  it('at most limit in every aligned window, 2 × limit in every sliding one; FIFO; nobody waits forever', async () => {
    await fc.assert(
      fc.asyncProperty(limit, interval, start, fc.gen(), async (limit, interval, start, gen) => {
        const clock = createManualClock(start);
        const limiter = new FixedWindow({ limit, interval, clock });
        const script = gen(actions, limit, 1, interval);
        const target: Target = {
          nowait: (_, c) => limiter.acquireNowait(c),
          acquire: (_, c, signal, maxWait) => limiter.acquire(c, { signal, maxWait }),
          pause: (_, ms) => limiter.pause(ms),
          edge: (pick, now) => (windowOf(now, interval) + 1 + (pick % 2)) * interval,
          timeToAvailable: (_, c) => limiter.timeToAvailable(c),
        };
        const { grants, waiters, served } = await run(clock, target, script);
        const queued = waiters.filter((w) => !w.done).length;
        await clock.advance((queued + 1) * interval + 2_000);
        expect(waiters.every((w) => w.done)).toBe(true);
        expect(limiter.stats.waiting).toBe(0);
        expect(clock.pendingTimers).toBe(0);
        assertAligned(grants, interval, limit);
        assertSliding(grants, interval, 2 * limit);
        assertFifo(served, waiters);
      }),
      { numRuns: 300 },
    );
  });
});

const windows = fc.array(fc.record({ limit, interval }), { minLength: 1, maxLength: 3 });

/** The next instant after `now` at which a grant leaves one of the windows (`now` if none). */
function departure(windows: readonly SlidingWindow[], pick: number, now: number, grants: readonly Grant[]): number {
  const window = windows[pick % windows.length]!;
  const next = grants.map((g) => g.at + window.interval).filter((t) => t > now);
  return next.length === 0 ? now : Math.min(...next);
}

describe('SlidingWindowLog properties', () => {
  it('at most limit_i in every span of interval_i, for every window; FIFO; nobody waits forever', async () => {
    await fc.assert(
      fc.asyncProperty(windows, start, fc.gen(), async (windows, start, gen) => {
        const clock = createManualClock(start);
        const limiter = new SlidingWindowLog({ windows, clock });
        const longest = Math.max(...windows.map((w) => w.interval));
        const script = gen(actions, limiter.capacity, 1, longest);
        const target: Target = {
          nowait: (_, c) => limiter.acquireNowait(c),
          acquire: (_, c, signal, maxWait) => limiter.acquire(c, { signal, maxWait }),
          pause: (_, ms) => limiter.pause(ms),
          edge: (pick, now, grants) => departure(windows, pick, now, grants),
          timeToAvailable: (_, c) => limiter.timeToAvailable(c),
        };
        const { grants, waiters, served } = await run(clock, target, script);
        const queued = waiters.filter((w) => !w.done).length;
        await clock.advance((queued + 1) * longest + 2_000);
        expect(waiters.every((w) => w.done)).toBe(true);
        expect(limiter.stats.waiting).toBe(0);
        expect(clock.pendingTimers).toBe(0);
        await clock.advance(longest);
        expect(limiter.idle).toBe(true);
        for (const w of windows) assertSliding(grants, w.interval, w.limit);
        assertFifo(served, waiters);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps every key within its windows while a KeyedLimiter drops and recreates keys', async () => {
    await fc.assert(
      fc.asyncProperty(windows, fc.constantFrom(1, 2, Infinity), fc.gen(), async (windows: SlidingWindow[], maxKeys, gen) => {
        const clock = createManualClock();
        const keyed = new KeyedLimiter<number, RateLimiter>(() => new SlidingWindowLog({ windows, clock }), { clock, maxKeys });
        const capacity = Math.min(...windows.map((w) => w.limit));
        const longest = Math.max(...windows.map((w) => w.interval));
        const script = gen(actions, capacity, 4, longest);
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
          edge: (pick, now, grants) => departure(windows, pick, now, grants),
        };
        const { grants, waiters, served } = await run(clock, target, script);
        await clock.advance((waiters.length + 1) * longest + 2_000);
        expect(waiters.every((w) => w.done)).toBe(true);
        expect(clock.pendingTimers).toBe(0);
        expect(keyed.size).toBeLessThanOrEqual(maxKeys);
        for (const w of windows) assertSliding(grants, w.interval, w.limit);
        assertFifo(served, waiters);
        // Once every log is empty, every key is idle and dropped.
        await clock.advance(longest);
        keyed.prune();
        expect(keyed.size).toBe(0);
      }),
      { numRuns: 200 },
    );
  });
});
